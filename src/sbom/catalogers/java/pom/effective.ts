/**
 * The effective POM, built offline from what the source holds (maven-model-builder's
 * order, https://maven.apache.org/ref/3.9.9/maven-model-builder/):
 *
 *   1. parent chain: `<parent>` found through `relativePath` (default `../pom.xml`) when the
 *      POM there has the parent's coordinates, else by coordinates in a local repository
 *      layout or among the source's own pom.xml files;
 *   2. inheritance: properties, dependencies and dependencyManagement merged child-first;
 *      groupId/version inherited from `<parent>`; licenses from the nearest POM naming any;
 *   3. interpolation of `${...}` over the merged model (`project.*` from the model first,
 *      then `<properties>`), so a parent's `${project.version}` means the child's version;
 *   4. import of `<scope>import</scope>` BOMs into dependencyManagement (explicit entries
 *      win, then the first import naming a key);
 *   5. management injection: a dependency without version/scope/optional takes them from
 *      dependencyManagement (key groupId:artifactId:type:classifier).
 *
 * Nothing is fetched: a parent or BOM that is not in the source is recorded in `missing`,
 * and the versions it would have supplied stay unresolved (trivy's offline mode does the
 * same). Parent chains, imports and interpolation are bounded, and cycles end the walk.
 */
import type { ParseContext } from '../../../generic/index.ts';
import { dirOf, joinPath, type FileResolver } from '../../../source/resolver.ts';
import { isCoordinate } from '../maven.ts';
import { parsePom, type RawDependency, type RawPom } from './model.ts';

/** Longest parent chain followed (real ones are under 10). */
export const MAX_PARENT_DEPTH = 32;
/** Deepest nesting of BOM imports followed. */
export const MAX_IMPORT_DEPTH = 16;
/** Deepest `${...}` nesting, and the longest value interpolation may produce. */
const MAX_INTERPOLATION_DEPTH = 32;
const MAX_INTERPOLATED_LENGTH = 4096;
/** Most source pom.xml files read to find a POM by its coordinates. */
const MAX_SOURCE_INDEX = 5_000;

export interface Dependency {
  readonly groupId: string;
  readonly artifactId: string;
  /** '' when neither the POM nor its management says. */
  readonly version: string;
  readonly type: string;
  readonly classifier: string;
  /** As written ('' = compile). */
  readonly scope: string;
  readonly optional: boolean;
  /** `groupId:artifactId` patterns, `*` allowed (POM reference "Exclusions"). */
  readonly exclusions: readonly string[];
  readonly line?: number | undefined;
  readonly declaredIn: string;
}

export interface EffectivePom {
  readonly path: string;
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
  readonly licenses: readonly string[];
  readonly dependencies: readonly Dependency[];
  /** dependencyManagement after imports, by management key. */
  readonly managed: ReadonlyMap<string, Dependency>;
  /** Parents and BOMs that could not be found offline, as `g:a:v`. */
  readonly missing: readonly string[];
}

/** Management key: groupId:artifactId:type:classifier (maven-model `Dependency.getManagementKey`). */
export function managementKey(d: { groupId: string; artifactId: string; type: string; classifier: string }): string {
  return `${d.groupId}:${d.artifactId}:${d.type}:${d.classifier}`;
}

interface SharedCache {
  readonly raw: Map<string, Promise<RawPom | undefined>>;
  repo?: RepoIndex;
  source?: Promise<Map<string, string>>;
}

/** Parsed POMs are shared by every parse over the same source (they depend on nothing else). */
const shared = new WeakMap<FileResolver, SharedCache>();

/**
 * Builds effective POMs for one parse. Effective models are cached per instance only: a
 * cache shared between concurrent parses could make two of them wait on each other through
 * an import cycle.
 */
export class PomResolver {
  private readonly ctx: ParseContext;
  private readonly cache: SharedCache;
  private readonly effectiveByPath = new Map<string, Promise<EffectivePom>>();
  private readonly building = new Set<string>();

  constructor(ctx: ParseContext) {
    this.ctx = ctx;
    let c = shared.get(ctx.resolver);
    if (!c) {
      c = { raw: new Map() };
      shared.set(ctx.resolver, c);
    }
    this.cache = c;
  }

  /** Remember a POM parsed by the caller (the file being cataloged). */
  seed(pom: RawPom): void {
    this.cache.raw.set(pom.path, Promise.resolve(pom));
  }

  /** A POM of the source, or undefined when it is absent, too big or malformed. */
  async load(path: string): Promise<RawPom | undefined> {
    let p = this.cache.raw.get(path);
    if (!p) {
      p = this.ctx
        .readText(path)
        .then((t) => parsePom(t, path))
        .catch(() => undefined);
      this.cache.raw.set(path, p);
    }
    return p;
  }

  /** Find a POM by coordinates: local repository layout first, then the source's pom.xml files. */
  async findByCoordinates(groupId: string, artifactId: string, version: string): Promise<RawPom | undefined> {
    if (!isCoordinate(groupId) || !isCoordinate(artifactId) || !isCoordinate(version)) return undefined;
    this.cache.repo ??= buildRepoIndex(this.ctx.resolver);
    const inRepo = this.cache.repo.find(groupId, artifactId, version);
    if (inRepo !== undefined) {
      const pom = await this.load(inRepo);
      if (pom) return pom;
    }
    this.cache.source ??= this.buildSourceIndex();
    const inSource = (await this.cache.source).get(`${groupId}:${artifactId}:${version}`);
    return inSource === undefined ? undefined : this.load(inSource);
  }

  /** The effective model of `pom`; `importDepth` bounds BOM imports. */
  async effective(pom: RawPom, importDepth = 0): Promise<EffectivePom> {
    // Callers never ask for a model under construction (imports check `building`), so a
    // cached promise is always one that can settle.
    const cached = this.effectiveByPath.get(pom.path);
    if (cached) return cached;
    const p = this.build(pom, importDepth);
    this.effectiveByPath.set(pom.path, p);
    return p;
  }

  private async build(pom: RawPom, importDepth: number): Promise<EffectivePom> {
    this.building.add(pom.path);
    try {
      return await this.buildUnguarded(pom, importDepth);
    } finally {
      this.building.delete(pom.path);
    }
  }

  private async buildUnguarded(pom: RawPom, importDepth: number): Promise<EffectivePom> {
    const missing: string[] = [];

    // 1. parent chain
    const chain: RawPom[] = [pom];
    const seen = new Set([pom.path]);
    for (let cur = pom; cur.parent && chain.length <= MAX_PARENT_DEPTH; ) {
      const parent = await this.findParent(cur);
      if (!parent) {
        missing.push(coords(cur.parent.groupId, cur.parent.artifactId, cur.parent.version));
        break;
      }
      if (seen.has(parent.path)) break; // a cycle of parents: Maven rejects it, we stop
      seen.add(parent.path);
      chain.push(parent);
      cur = parent;
    }

    // 2. inheritance (child-first for lists; parent-first then overridden for properties)
    const props = new Map<string, string>();
    for (let i = chain.length - 1; i >= 0; i--) for (const [k, v] of chain[i]!.properties) props.set(k, v);
    const rawDeps = mergeByKey(chain.map((p) => p.dependencies));
    const rawManaged = mergeByKey(chain.map((p) => p.managed));
    const licenses = chain.find((p) => p.licenses.length > 0)?.licenses ?? [];

    // 3. interpolation
    const builtins = new Map<string, string>();
    const setBuiltin = (key: string, value: string | undefined): void => {
      if (value === undefined) return;
      for (const prefix of ['project.', 'pom.']) builtins.set(prefix + key, value);
    };
    // Inherited from the parent *model* (then interpolated here, in the child's context);
    // the `<parent>` element's own values only when the parent is not available.
    const groupIdRaw = chain.find((p) => p.groupId !== undefined)?.groupId ?? chain[chain.length - 1]!.parent?.groupId;
    const versionRaw = chain.find((p) => p.version !== undefined)?.version ?? chain[chain.length - 1]!.parent?.version;
    setBuiltin('groupId', groupIdRaw);
    setBuiltin('artifactId', pom.artifactId);
    setBuiltin('version', versionRaw);
    setBuiltin('packaging', pom.packaging ?? 'jar');
    setBuiltin('name', pom.name);
    setBuiltin('parent.groupId', pom.parent?.groupId);
    setBuiltin('parent.artifactId', pom.parent?.artifactId);
    setBuiltin('parent.version', pom.parent?.version);
    // Maven 2 spellings, deprecated but still honoured by Maven 3.
    for (const k of ['groupId', 'artifactId', 'version']) {
      const v = builtins.get(`project.${k}`);
      if (v !== undefined && !props.has(k)) builtins.set(k, v);
    }
    const interp = new Interpolator((name) => builtins.get(name) ?? props.get(name));
    const groupId = interp.apply(groupIdRaw ?? '');
    const artifactId = interp.apply(pom.artifactId ?? '');
    const version = interp.apply(versionRaw ?? '');

    const resolveDep = (d: RawDependency): Dependency => ({
      groupId: interp.apply(d.groupId ?? ''),
      artifactId: interp.apply(d.artifactId ?? ''),
      version: interp.apply(d.version ?? ''),
      type: interp.apply(d.type ?? '') || 'jar',
      classifier: interp.apply(d.classifier ?? ''),
      scope: interp.apply(d.scope ?? ''),
      optional: interp.apply(d.optional ?? '') === 'true',
      exclusions: d.exclusions.map((e) => `${interp.apply(e.groupId)}:${interp.apply(e.artifactId)}`),
      line: d.line,
      declaredIn: d.declaredIn,
    });

    // 4. dependencyManagement with imports
    const managed = new Map<string, Dependency>();
    const imports: Dependency[] = [];
    for (const raw of rawManaged) {
      const d = resolveDep(raw);
      if (d.scope === 'import' && d.type === 'pom') {
        imports.push(d);
        continue;
      }
      const key = managementKey(d);
      if (!managed.has(key)) managed.set(key, d);
    }
    for (const imp of imports) {
      const bomId = coords(imp.groupId, imp.artifactId, imp.version);
      const bom = importDepth < MAX_IMPORT_DEPTH ? await this.findByCoordinates(imp.groupId, imp.artifactId, imp.version) : undefined;
      if (!bom || this.building.has(bom.path)) {
        if (!bom) missing.push(bomId);
        continue;
      }
      const eff = await this.effective(bom, importDepth + 1);
      missing.push(...eff.missing);
      for (const [key, d] of eff.managed) if (!managed.has(key)) managed.set(key, d);
    }

    // 5. management injection
    const dependencies: Dependency[] = [];
    for (const raw of rawDeps) {
      const d = resolveDep(raw);
      const m = managed.get(managementKey(d));
      if (!m) {
        dependencies.push(d);
        continue;
      }
      dependencies.push({
        ...d,
        version: d.version || m.version,
        scope: d.scope || m.scope,
        optional: raw.optional !== undefined ? d.optional : m.optional,
        exclusions: [...d.exclusions, ...m.exclusions],
      });
    }

    return { path: pom.path, groupId, artifactId, version, licenses, dependencies, managed, missing: [...new Set(missing)] };
  }

  private async findParent(pom: RawPom): Promise<RawPom | undefined> {
    const parent = pom.parent;
    if (!parent?.artifactId) return undefined;
    if (parent.relativePath !== '') {
      const candidate = joinPath(dirOf(pom.path), parent.relativePath ?? '../pom.xml');
      if (candidate !== undefined) {
        const file = this.ctx.resolver.get(candidate) ? candidate : joinPath(candidate, 'pom.xml');
        if (file !== undefined && file !== pom.path && this.ctx.resolver.get(file)) {
          const found = await this.load(file);
          if (found && matchesParent(found, parent)) return found;
        }
      }
    }
    // CI-friendly versions (`${revision}`) are set in the child or on the command line.
    const own = new Interpolator((name) => pom.properties.get(name));
    return this.findByCoordinates(own.apply(parent.groupId ?? ''), parent.artifactId, own.apply(parent.version ?? ''));
  }

  private async buildSourceIndex(): Promise<Map<string, string>> {
    const index = new Map<string, string>();
    let n = 0;
    for (const f of this.ctx.resolver.files()) {
      if (f.path !== 'pom.xml' && !f.path.endsWith('/pom.xml')) continue;
      if (++n > MAX_SOURCE_INDEX) break;
      const pom = await this.load(f.path);
      if (!pom?.artifactId) continue;
      const own = new Interpolator((name) => pom.properties.get(name));
      const id = `${own.apply(pom.groupId ?? pom.parent?.groupId ?? '')}:${pom.artifactId}:${own.apply(pom.version ?? pom.parent?.version ?? '')}`;
      if (!index.has(id)) index.set(id, f.path);
    }
    return index;
  }
}

/** Does the POM at a relativePath have the coordinates `<parent>` asks for? (Maven checks g:a:v.) */
function matchesParent(pom: RawPom, want: NonNullable<RawPom['parent']>): boolean {
  if (pom.artifactId !== want.artifactId) return false;
  const groupId = pom.groupId ?? pom.parent?.groupId;
  if (groupId !== undefined && want.groupId !== undefined && literal(groupId) && literal(want.groupId) && groupId !== want.groupId) return false;
  const version = pom.version ?? pom.parent?.version;
  if (version !== undefined && want.version !== undefined && literal(version) && literal(want.version) && version !== want.version) return false;
  return true;
}

const literal = (s: string): boolean => !s.includes('${');

function coords(g: string | undefined, a: string | undefined, v: string | undefined): string {
  return `${g ?? '?'}:${a ?? '?'}:${v ?? '?'}`;
}

/** Merge dependency lists child-first: the first declaration of a key wins (raw keys, as Maven's inheritance merger). */
function mergeByKey(lists: readonly (readonly RawDependency[])[]): RawDependency[] {
  const out: RawDependency[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const d of list) {
      const key = `${d.groupId ?? ''}:${d.artifactId ?? ''}:${d.type ?? 'jar'}:${d.classifier ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

/**
 * `${name}` interpolation with recursion (a property may refer to others), memoised, with
 * cycles and runaway growth cut off: an unresolvable reference is left as written, as
 * Maven does.
 */
export class Interpolator {
  private readonly lookup: (name: string) => string | undefined;
  private readonly memo = new Map<string, string | undefined>();
  private readonly active = new Set<string>();

  constructor(lookup: (name: string) => string | undefined) {
    this.lookup = lookup;
  }

  apply(s: string, depth = 0): string {
    if (!s.includes('${')) return s;
    const out = s.replace(/\$\{([^${}]+)\}/g, (whole, name: string) => this.value(name.trim(), depth) ?? whole);
    return out.length > MAX_INTERPOLATED_LENGTH ? s : out;
  }

  private value(name: string, depth: number): string | undefined {
    if (this.memo.has(name)) return this.memo.get(name);
    if (this.active.has(name) || depth >= MAX_INTERPOLATION_DEPTH) return undefined;
    const raw = this.lookup(name);
    if (raw === undefined) return undefined;
    this.active.add(name);
    const v = this.apply(raw, depth + 1);
    this.active.delete(name);
    // A value still holding a reference to itself (a cycle) is not a value.
    const result = v.includes(`\${${name}}`) ? undefined : v;
    this.memo.set(name, result);
    return result;
  }
}

/**
 * POM files laid out as a Maven repository (`<group path>/<artifactId>/<version>/
 * <artifactId>-<version>.pom`, Maven "Introduction to Repositories") anywhere in the source:
 * `~/.m2/repository` in an image, or a vendored repository in a project. The root of the
 * layout is not known, so lookups match the path's tail.
 */
interface RepoIndex {
  find(groupId: string, artifactId: string, version: string): string | undefined;
}

function buildRepoIndex(resolver: FileResolver): RepoIndex {
  /** `artifactId/version` → directories holding .pom files, and those files' names. */
  const dirs = new Map<string, Map<string, string[]>>();
  for (const f of resolver.files()) {
    if (!f.path.endsWith('.pom')) continue;
    const parts = f.path.split('/');
    if (parts.length < 4) continue;
    const key = `${parts[parts.length - 3]}/${parts[parts.length - 2]}`;
    const dir = parts.slice(0, -1).join('/');
    let byDir = dirs.get(key);
    if (!byDir) dirs.set(key, (byDir = new Map<string, string[]>()));
    let files = byDir.get(dir);
    if (!files) byDir.set(dir, (files = []));
    files.push(parts[parts.length - 1]!);
  }
  return {
    find(groupId, artifactId, version) {
      const byDir = dirs.get(`${artifactId}/${version}`);
      if (!byDir) return undefined;
      const tail = `${groupId.split('.').join('/')}/${artifactId}/${version}`;
      for (const [dir, files] of byDir) {
        if (dir !== tail && !dir.endsWith(`/${tail}`)) continue;
        const exact = `${artifactId}-${version}.pom`;
        if (files.includes(exact)) return `${dir}/${exact}`;
        // A SNAPSHOT deployed with unique versions: <artifactId>-<base>-<yyyyMMdd.HHmmss>-<n>.pom;
        // the newest timestamp wins (what maven-metadata.xml would name).
        if (version.endsWith('-SNAPSHOT')) {
          const prefix = `${artifactId}-${version.slice(0, -'-SNAPSHOT'.length)}-`;
          const stamped = files.filter((f) => f.startsWith(prefix) && /^\d{8}\.\d{6}-\d+\.pom$/.test(f.slice(prefix.length))).sort();
          const newest = stamped[stamped.length - 1];
          if (newest) return `${dir}/${newest}`;
        }
      }
      return undefined;
    },
  };
}
