/**
 * package-lock.json and npm-shrinkwrap.json, lockfile versions 1, 2 and 3
 * (docs.npmjs.com/cli/configuring-npm/package-lock-json).
 *
 * - v2/v3: `packages` maps a folder (`""` = the project, `node_modules/a/node_modules/b`, or a
 *   workspace folder) to its entry. Edges come from each entry's dependency maps resolved the
 *   way Node and npm find a module: `<folder>/node_modules/<name>`, then each parent folder
 *   in turn. `link: true` entries stand for their `resolved` folder (workspaces, `file:` dirs).
 * - v1: `dependencies` nests by folder; `requires` names are resolved in the entry's own
 *   nested `dependencies`, then its parents', then the top level.
 *
 * JSON.parse is enough: the read through the resolver is size-limited and JSON has no
 * expansion tricks.
 */
import type { Scope } from '../../../formats/model/index.ts';
import { FileParseError, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { dirOf, joinPath } from '../../source/resolver.ts';
import {
  Collector,
  baseName,
  declaredLicenses,
  flag,
  inNodeModules,
  integrityHashes,
  isObject,
  keysOf,
  lineAt,
  looksLikeVersion,
  parseNpmAlias,
  str,
  stringEntries,
  worseScope,
  type JsonObject,
} from './common.ts';
import { readManifest } from './manifest.ts';

/** Deepest v1 `dependencies` nesting we follow (real trees are a few levels deep). */
const MAX_V1_DEPTH = 256;

export async function parsePackageLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const dir = dirOf(path);
  // A lockfile inside an installed package describes that package's own development tree,
  // which was not installed: the project's lockfile and node_modules already cover what was.
  if (inNodeModules(dir)) return { packages: [] };
  // npm reads npm-shrinkwrap.json and ignores package-lock.json when both exist
  // (docs.npmjs.com/cli/configuring-npm/npm-shrinkwrap-json).
  if (baseName(path) === 'package-lock.json') {
    const shrinkwrap = joinPath(dir, 'npm-shrinkwrap.json');
    if (shrinkwrap !== undefined && ctx.resolver.get(shrinkwrap)) return { packages: [] };
  }
  const text = await ctx.readText(path);
  const data = parseJson(text);
  if (!isObject(data)) {
    throw new FileParseError(`expected a JSON object at the top level, got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}`);
  }
  const col = new Collector(path);
  const installed = new InstalledTree(ctx, dir);
  if (isObject(data['packages'])) parseV2(data, data['packages'], dir, col, installed, ctx);
  else await parseV1(data, dir, col, installed, ctx);
  return col.result();
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /\(line (\d+) column \d+\)/.exec(msg) ?? undefined;
    const pos = /at position (\d+)/.exec(msg) ?? undefined;
    const line = m ? Number(m[1]) : pos ? lineAt(text, Number(pos[1])) : undefined;
    throw new FileParseError(`invalid JSON: ${msg.slice(0, 200)}`, line);
  }
}

/**
 * Whether the lockfile's node_modules is installed next to it. When it is, optional
 * packages that are absent were skipped by npm for this platform (os/cpu/libc), so they are
 * not part of what is installed, as `npm ls` shows.
 */
class InstalledTree {
  private readonly ctx: ParseContext;
  private readonly dir: string;
  private known: boolean | undefined;

  constructor(ctx: ParseContext, dir: string) {
    this.ctx = ctx;
    this.dir = dir;
  }

  has(folder: string): boolean {
    const p = joinPath(this.dir, folder, 'package.json');
    return p !== undefined && this.ctx.resolver.get(p) !== undefined;
  }

  /** npm ≥7 writes node_modules/.package-lock.json on install; older trees: any non-optional package present. */
  isInstalled(folders: Iterable<[string, boolean]>): boolean {
    if (this.known !== undefined) return this.known;
    const hidden = joinPath(this.dir, 'node_modules/.package-lock.json');
    this.known = hidden !== undefined && this.ctx.resolver.get(hidden) !== undefined;
    if (!this.known) {
      for (const [folder, optional] of folders) {
        if (!optional && this.has(folder)) {
          this.known = true;
          break;
        }
      }
    }
    return this.known;
  }
}

function scopeOf(e: JsonObject): Scope {
  if (flag(e['dev'])) return 'dev';
  if (flag(e['optional']) || flag(e['devOptional'])) return 'optional';
  return 'required';
}

function metadataOf(e: JsonObject): Record<string, string | undefined> {
  return {
    resolved: str(e['resolved']),
    integrity: str(e['integrity']),
    bundled: flag(e['inBundle']) || flag(e['bundled']) ? 'true' : undefined,
    peer: flag(e['peer']) ? 'true' : undefined,
  };
}

/** The name a folder in `packages` installs as: the part after its last `node_modules/`. */
function folderName(folder: string): string {
  const i = folder.lastIndexOf('node_modules/');
  return i < 0 ? baseName(folder) : folder.slice(i + 'node_modules/'.length);
}

function parseV2(data: JsonObject, packages: JsonObject, dir: string, col: Collector, installed: InstalledTree, ctx: ParseContext): void {
  const entries = new Map<string, JsonObject>();
  for (const [folder, e] of Object.entries(packages)) {
    if (isObject(e)) entries.set(folder, e);
    else col.warn(`packages[${JSON.stringify(folder.slice(0, 200))}] is not an object: skipped`);
  }
  if (entries.size > ctx.limits.maxPackagesPerFile) {
    throw new FileParseError(`${entries.size} packages is over the limit of ${ctx.limits.maxPackagesPerFile}`);
  }
  const rootEntry = entries.get('') ?? {};

  // Link folders → the folder they stand for (a workspace or a `file:` directory).
  const linkTarget = new Map<string, string>();
  const linkedName = new Map<string, string>();
  for (const [folder, e] of entries) {
    if (folder === '' || !flag(e['link'])) continue;
    const target = str(e['resolved']);
    const t = target === undefined ? undefined : entries.get(target);
    if (target === undefined || target === '' || target === folder || !t || flag(t['link'])) continue;
    linkTarget.set(folder, target);
    if (!linkedName.has(target)) linkedName.set(target, folderName(folder));
  }

  // A `file:` dependency on a folder npm recorded without a link entry (hand-edited or old
  // locks): the declaring entry still names the folder.
  const fileDeps = new Map<string, string>();
  for (const [folder, e] of entries) {
    if (inNodeModules(folder) || flag(e['link'])) continue;
    for (const field of ['dependencies', 'optionalDependencies', 'devDependencies']) {
      for (const [name, spec] of stringEntries(e[field])) {
        if (!spec.startsWith('file:')) continue;
        const target = joinPath(folder, spec.slice('file:'.length));
        const t = target === undefined ? undefined : entries.get(target);
        if (target === undefined || target === '' || !t || flag(t['link']) || inNodeModules(target)) continue;
        fileDeps.set(`${folder}\u0000${name}`, target);
        if (!linkedName.has(target)) linkedName.set(target, name);
      }
    }
  }

  const isInstalled = installed.isInstalled(
    (function* () {
      for (const [folder, e] of entries) {
        if (folder.startsWith('node_modules/') && !flag(e['link'])) yield [folder, flag(e['optional'])] as [string, boolean];
      }
    })(),
  );

  const rootName = str(rootEntry['name']) ?? str(data['name']) ?? (dir === '' ? undefined : baseName(dir));
  const rootPurl =
    rootName === undefined
      ? undefined
      : col.add({
          name: rootName,
          version: str(rootEntry['version']) ?? str(data['version']) ?? '',
          scope: 'required',
          isRoot: true,
          licenses: declaredLicenses(rootEntry['license'], rootEntry['licenses']),
        });

  const purlOf = new Map<string, string>();
  for (const [folder, e] of entries) {
    if (folder === '' || flag(e['link'])) continue;
    const underNodeModules = inNodeModules(folder);
    // Folders outside node_modules are packages only when something links to them (npm
    // can leave stale workspace entries behind).
    if (!underNodeModules && !linkedName.has(folder)) continue;
    if (isInstalled && underNodeModules && flag(e['optional']) && !installed.has(folder)) continue;
    let name = str(e['name']) ?? (underNodeModules ? folderName(folder) : (linkedName.get(folder) ?? baseName(folder)));
    let version = str(e['version']) ?? '';
    const alias = parseNpmAlias(version);
    if (alias) ({ name, range: version } = alias);
    const purl = col.add({
      name,
      version,
      scope: scopeOf(e),
      licenses: declaredLicenses(e['license'], e['licenses']),
      hashes: integrityHashes(str(e['integrity'])),
      metadata: metadataOf(e),
    });
    if (purl !== undefined) purlOf.set(folder, purl);
  }

  // Node's module lookup: <from>/node_modules/<name>, then each parent folder's node_modules.
  const lookup = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      if (!base.endsWith('node_modules')) {
        const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
        if (entries.has(candidate)) return purlOf.get(linkTarget.get(candidate) ?? candidate);
      }
      if (base === '') break;
      const i = base.lastIndexOf('/');
      base = i < 0 ? '' : base.slice(0, i);
    }
    const file = fileDeps.get(`${from}\u0000${name}`);
    return file === undefined ? undefined : purlOf.get(file);
  };
  const edgesFrom = (folder: string, from: string | undefined, e: JsonObject, withDev: boolean): void => {
    if (from === undefined) return;
    const fields = withDev
      ? ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']
      : ['dependencies', 'optionalDependencies', 'peerDependencies'];
    for (const field of fields) for (const name of keysOf(e[field])) col.edge(from, lookup(folder, name));
  };

  edgesFrom('', rootPurl, rootEntry, true);
  for (const [folder, purl] of purlOf) edgesFrom(folder, purl, entries.get(folder)!, !inNodeModules(folder));
  // Workspace members hang off the root (npm ls shows them as its children).
  if (rootPurl !== undefined && rootEntry['workspaces'] !== undefined) {
    for (const [link, target] of linkTarget) {
      if (link.indexOf('node_modules/', 1) < 0 && !inNodeModules(target)) col.edge(rootPurl, purlOf.get(target));
    }
  }
}

interface V1Node {
  readonly key: string;
  readonly folder: string;
  readonly entry: JsonObject;
  readonly parent: V1Node | undefined;
  readonly children: Map<string, V1Node>;
  purl?: string | undefined;
  scope?: Scope;
}

async function parseV1(data: JsonObject, dir: string, col: Collector, installed: InstalledTree, ctx: ParseContext): Promise<void> {
  const all: V1Node[] = [];
  const top = new Map<string, V1Node>();
  const stack: { deps: unknown; parent: V1Node | undefined; into: Map<string, V1Node>; depth: number }[] = [
    { deps: data['dependencies'], parent: undefined, into: top, depth: 0 },
  ];
  while (stack.length > 0) {
    const { deps, parent, into, depth } = stack.pop()!;
    if (!isObject(deps)) continue;
    if (depth > MAX_V1_DEPTH) {
      col.warn(`dependencies nested deeper than ${MAX_V1_DEPTH} levels: the rest skipped`);
      continue;
    }
    for (const [key, e] of Object.entries(deps)) {
      if (!isObject(e)) {
        col.warn(`dependencies[${JSON.stringify(key.slice(0, 200))}] is not an object: skipped`);
        continue;
      }
      const folder = parent === undefined ? `node_modules/${key}` : `${parent.folder}/node_modules/${key}`;
      const node: V1Node = { key, folder, entry: e, parent, children: new Map() };
      into.set(key, node);
      all.push(node);
      if (all.length > ctx.limits.maxPackagesPerFile) {
        throw new FileParseError(`over ${ctx.limits.maxPackagesPerFile} packages`);
      }
      stack.push({ deps: e['dependencies'], parent: node, into: node.children, depth: depth + 1 });
    }
  }

  const isInstalled = installed.isInstalled(all.map((n) => [n.folder, flag(n.entry['optional'])] as [string, boolean]));
  for (const node of all) {
    const e = node.entry;
    if (isInstalled && flag(e['optional']) && !installed.has(node.folder)) continue;
    let name = node.key;
    let version = str(e['version']) ?? '';
    const meta = metadataOf(e);
    const alias = parseNpmAlias(version);
    if (alias) ({ name, range: version } = alias);
    else if (version !== '' && !looksLikeVersion(version)) {
      // v1 writes the source of git, tarball and file dependencies as the "version".
      meta['resolved'] ??= version;
      version = '';
    }
    // A nested package is reachable only through its parent, so it is no more needed than
    // the parent is (npm sets the flags that way; hand-edited files may not).
    node.scope = node.parent?.scope === undefined ? scopeOf(e) : worseScope(scopeOf(e), node.parent.scope);
    node.purl = col.add({
      name,
      version,
      scope: node.scope,
      licenses: declaredLicenses(e['license'], e['licenses']),
      hashes: integrityHashes(str(e['integrity'])),
      metadata: meta,
    });
  }

  const resolve = (from: V1Node, name: string): V1Node | undefined => {
    for (let n: V1Node | undefined = from; n; n = n.parent) {
      const hit = n.children.get(name);
      if (hit) return hit;
    }
    return top.get(name);
  };
  const requires = new Map<V1Node, V1Node[]>();
  const requiredTop = new Set<V1Node>();
  for (const node of all) {
    const deps: V1Node[] = [];
    for (const name of keysOf(node.entry['requires'])) {
      const dep = resolve(node, name);
      if (!dep) continue;
      if (!dep.parent) requiredTop.add(dep);
      deps.push(dep);
      col.edge(node.purl, dep.purl);
    }
    requires.set(node, deps);
  }

  // v1 does not record the project's own dependencies: take them from package.json next to it.
  const manifest = await readManifest(ctx, dir);
  const rootName = str(data['name']) ?? manifest?.name ?? (dir === '' ? undefined : baseName(dir));
  if (rootName === undefined) return;
  const rootPurl = col.add({
    name: rootName,
    version: str(data['version']) ?? manifest?.version ?? '',
    scope: 'required',
    isRoot: true,
    licenses: manifest ? declaredLicenses(manifest.raw['license'], manifest.raw['licenses']) : [],
  });
  if (manifest) {
    for (const name of manifest.deps.keys()) col.edge(rootPurl, top.get(name)?.purl);
  } else {
    // Without package.json: a top-level entry that nothing reached from the project requires
    // can only be a direct dependency of it (or extraneous). Those no other package requires
    // come first; then any still unreached (a cycle such as babel-core ⇄ babel-register).
    const reached = new Set<V1Node>();
    const attach = (node: V1Node): void => {
      if (reached.has(node)) return;
      col.edge(rootPurl, node.purl);
      const queue = [node];
      reached.add(node);
      while (queue.length > 0) {
        for (const dep of requires.get(queue.pop()!) ?? []) {
          if (reached.has(dep)) continue;
          reached.add(dep);
          queue.push(dep);
        }
      }
    };
    for (const node of top.values()) if (!requiredTop.has(node)) attach(node);
    for (const node of top.values()) attach(node);
  }
}
