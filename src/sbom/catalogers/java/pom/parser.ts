/**
 * pom.xml parser: the project (isRoot), its dependencies with versions resolved through
 * properties, parents and dependencyManagement (see effective.ts), and, where the POMs of
 * those dependencies are in the source (a local Maven repository layout, or sibling
 * modules), their transitive dependencies as Maven would mediate them.
 *
 * Scopes (Maven "Introduction to the Dependency Mechanism", Dependency Scope):
 *   compile / runtime / none → required; test → dev; provided / system → optional (the
 *   runtime is expected to supply them, so they may be absent from what ships);
 *   `<optional>true</optional>` → optional. A transitive dependency inherits the weakest
 *   scope of the path that brings it (a library needed only by a test dependency is dev).
 * trivy and osv-scalibr leave test/provided/optional direct dependencies out; we keep them
 * with the scope above so `--include-dev=false` can drop them instead.
 *
 * Transitive resolution follows Maven 3's mediation: breadth-first, nearest wins (first
 * declaration at equal depth), only compile/runtime non-optional dependencies of
 * dependencies, exclusions (with `*`) inherited down the path, and the root POM's
 * dependencyManagement overriding versions (and scopes, except `test`) of transitive ones.
 */
import type { Relationship, Scope, Warning } from '../../../../formats/model/index.ts';
import { type PackageInput, type ParseContext, type ParseResult } from '../../../generic/index.ts';
import { isCoordinate, licensesOf, mavenPackage, mavenPurl } from '../maven.ts';
import { managementKey, PomResolver, type Dependency, type EffectivePom } from './effective.ts';
import { parsePom } from './model.ts';

/** Most packages one POM's graph may hold before the walk stops (with a warning). */
export const MAX_GRAPH_NODES = 10_000;
/** Deepest transitive level followed. */
export const MAX_GRAPH_DEPTH = 64;
const MAX_QUEUE = 200_000;
/** Unresolved direct versions warned one by one; the rest are counted in one warning. */
const MAX_VERSION_WARNINGS = 5;

const RANK: Readonly<Record<Scope, number>> = { required: 0, optional: 1, dev: 2 };
const SCOPES: readonly Scope[] = ['required', 'optional', 'dev'];

/** Maven scope + optional flag → our scope rank; undefined for scopes that bring no package. */
function rankOf(d: Pick<Dependency, 'scope' | 'optional'>): number | undefined {
  switch (d.scope) {
    case 'test':
      return RANK.dev;
    case 'provided':
    case 'system':
      return RANK.optional;
    case 'import':
      return undefined; // only meaningful in dependencyManagement
    default:
      return d.optional ? RANK.optional : RANK.required;
  }
}

/**
 * A `<version>` is a soft requirement ("1.0"), a hard one ("[1.0]") or a range. A range
 * needs the repository's version list to resolve, which we do not have offline.
 */
export function pinVersion(spec: string): { version: string; range?: string } {
  const s = spec.trim();
  if (s === '' || s.includes('${')) return { version: '' };
  const hard = /^\[([^[\](),]+)\]$/.exec(s);
  if (hard) return { version: hard[1]!.trim() };
  if (/[[\](),\s]/.test(s)) return { version: '', range: s };
  return { version: s };
}

interface Node {
  readonly key: string;
  readonly dep: Dependency;
  readonly version: string;
  readonly range?: string | undefined;
  readonly purl: string;
  readonly direct: boolean;
  licenses: readonly string[];
  rank: number;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly rank: number;
}

interface QueueItem {
  readonly dep: Dependency;
  readonly from: string;
  readonly exclusions: readonly string[];
  readonly depth: number;
}

const ROOT = '';

export async function parsePomXml(path: string, ctx: ParseContext): Promise<ParseResult> {
  const raw = parsePom(await ctx.readText(path), path);
  const resolver = new PomResolver(ctx);
  resolver.seed(raw);
  const eff = await resolver.effective(raw);
  const warnings: Warning[] = [];
  const offline = eff.missing.length > 0 ? `; not in the source (offline): ${eff.missing.join(', ')}` : '';

  const packages: PackageInput[] = [];
  const relationships: Relationship[] = [];

  let rootPurl: string | undefined;
  if (isCoordinate(eff.groupId) && isCoordinate(eff.artifactId)) {
    const { version } = pinVersion(eff.version);
    if (version === '') warnings.push({ location: { path }, message: `project ${eff.groupId}:${eff.artifactId}: version not resolved${offline}` });
    const pkg = mavenPackage(eff.groupId, eff.artifactId, version, {
      isRoot: true,
      licenses: licensesOf(eff.licenses),
    });
    rootPurl = pkg.purl;
    packages.push(pkg);
  }

  const rootKey = rootPurl === undefined ? undefined : `${eff.groupId}:${eff.artifactId}`;
  const { nodes, edges, truncated } = await walk(resolver, eff, warnings, path, offline, rootKey);
  if (truncated) warnings.push({ location: { path }, message: `dependency graph over ${MAX_GRAPH_NODES} packages or ${MAX_GRAPH_DEPTH} levels: the rest was not resolved` });

  for (const n of nodes.values()) {
    const metadata: Record<string, string> = {};
    if (n.direct && n.dep.scope !== '') metadata['scope'] = n.dep.scope;
    if (n.direct && n.dep.optional) metadata['optional'] = 'true';
    if (n.range !== undefined) metadata['versionRange'] = n.range;
    const inThisFile = n.direct && n.dep.declaredIn === path && n.dep.line !== undefined;
    packages.push(
      mavenPackage(n.dep.groupId, n.dep.artifactId, n.version, {
        scope: SCOPES[n.rank] ?? 'required',
        licenses: licensesOf(n.licenses),
        ...(inThisFile ? { locations: [{ path, line: n.dep.line }] } : {}),
        metadata,
      }),
    );
  }
  const seen = new Set<string>();
  for (const e of edges) {
    const from = e.from === ROOT ? rootPurl : nodes.get(e.from)?.purl;
    const to = nodes.get(e.to)?.purl;
    if (from === undefined || to === undefined || from === to) continue;
    const id = `${from}\u0000${to}`;
    if (seen.has(id)) continue;
    seen.add(id);
    relationships.push({ from, to, type: 'depends-on' });
  }
  return { packages, relationships, warnings };
}

async function walk(
  resolver: PomResolver,
  root: EffectivePom,
  warnings: Warning[],
  path: string,
  offline: string,
  rootKey: string | undefined,
): Promise<{ nodes: Map<string, Node>; edges: Edge[]; truncated: boolean }> {
  const nodes = new Map<string, Node>();
  const edges: Edge[] = [];
  let truncated = false;
  let unresolved = 0;
  const queue: QueueItem[] = [];

  for (const d of root.dependencies) {
    if (!isCoordinate(d.groupId) || !isCoordinate(d.artifactId)) {
      warnings.push({
        location: d.declaredIn === path && d.line !== undefined ? { path, line: d.line } : { path },
        message: `dependency ${d.groupId || '?'}:${d.artifactId || '?'}: groupId/artifactId not resolved, skipped`,
      });
      continue;
    }
    if (rankOf(d) === undefined) continue;
    queue.push({ dep: d, from: ROOT, exclusions: [], depth: 1 });
  }

  for (let i = 0; i < queue.length; i++) {
    const { dep, from, exclusions, depth } = queue[i]!;
    const rank = rankOf(dep) ?? RANK.required;
    const key = `${dep.groupId}:${dep.artifactId}`;
    if (key === rootKey) continue; // the project itself, reached again through a cycle
    if (nodes.has(key)) {
      edges.push({ from, to: key, rank });
      continue;
    }
    if (nodes.size >= MAX_GRAPH_NODES) {
      truncated = true;
      continue;
    }
    const { version, range } = pinVersion(dep.version);
    const direct = from === ROOT;
    if (direct && version === '') {
      if (++unresolved <= MAX_VERSION_WARNINGS) {
        const declared = dep.version === '' ? 'no version' : range !== undefined ? `range ${range}` : `"${dep.version}"`;
        warnings.push({
          location: dep.declaredIn === path && dep.line !== undefined ? { path, line: dep.line } : { path },
          message: `dependency ${key}: version not resolved (${declared})${range !== undefined ? '' : offline}`,
        });
      }
    }
    const node: Node = { key, dep, version, range, purl: mavenPurl(dep.groupId, dep.artifactId, version), direct, licenses: [], rank: Infinity };
    nodes.set(key, node);
    edges.push({ from, to: key, rank });

    if (version === '') continue;
    if (depth >= MAX_GRAPH_DEPTH) {
      truncated = true;
      continue;
    }
    const pom = await resolver.findByCoordinates(dep.groupId, dep.artifactId, version);
    if (!pom) continue;
    const eff = await resolver.effective(pom);
    node.licenses = eff.licenses;
    const inherited = [...exclusions, ...dep.exclusions];
    for (const declared of eff.dependencies) {
      const d = manageTransitive(declared, root.managed);
      if (d.scope !== '' && d.scope !== 'compile' && d.scope !== 'runtime') continue;
      if (d.optional || !isCoordinate(d.groupId) || !isCoordinate(d.artifactId)) continue;
      if (excluded(inherited, d)) continue;
      if (queue.length >= MAX_QUEUE) {
        truncated = true;
        break;
      }
      queue.push({ dep: d, from: key, exclusions: inherited, depth: depth + 1 });
    }
  }
  if (unresolved > MAX_VERSION_WARNINGS) {
    warnings.push({ location: { path }, message: `${unresolved - MAX_VERSION_WARNINGS} more dependencies with versions not resolved${offline}` });
  }
  propagateScopes(nodes, edges);
  return { nodes, edges, truncated };
}

/** The root POM's dependencyManagement wins over what a dependency's own POM says (Maven 3). */
function manageTransitive(d: Dependency, rootManaged: ReadonlyMap<string, Dependency>): Dependency {
  const m = rootManaged.get(managementKey(d));
  if (!m) return d;
  return {
    ...d,
    version: m.version || d.version,
    // trivy's "don't overwrite test scope from upper depManagement"; Maven agrees in practice.
    scope: m.scope !== '' && d.scope !== 'test' ? m.scope : d.scope,
    optional: d.optional || m.optional,
    exclusions: [...d.exclusions, ...m.exclusions],
  };
}

function excluded(exclusions: readonly string[], d: Dependency): boolean {
  for (const e of exclusions) {
    const [g, a] = e.split(':');
    if ((g === '*' || g === d.groupId) && (a === '*' || a === d.artifactId)) return true;
  }
  return false;
}

/**
 * A node's scope is the best over the paths reaching it, a path being as weak as its
 * weakest edge (required < optional < dev). Ranks only go down and take three values, so
 * the worklist settles after at most three visits per node.
 */
function propagateScopes(nodes: Map<string, Node>, edges: readonly Edge[]): void {
  const out = new Map<string, Edge[]>();
  for (const e of edges) {
    let list = out.get(e.from);
    if (!list) out.set(e.from, (list = []));
    list.push(e);
  }
  const rankOfKey = (k: string): number => (k === ROOT ? RANK.required : (nodes.get(k)?.rank ?? Infinity));
  const work: string[] = [ROOT];
  while (work.length > 0) {
    const k = work.pop()!;
    const base = rankOfKey(k);
    for (const e of out.get(k) ?? []) {
      const n = nodes.get(e.to);
      if (!n) continue;
      const r = Math.max(base, e.rank);
      if (r < n.rank) {
        n.rank = r;
        work.push(n.key);
      }
    }
  }
}
