/**
 * pnpm-lock.yaml, lockfile versions 5.x, 6 and 9 (github.com/pnpm/spec/tree/master/lockfile).
 *
 * - 5.x: `packages` keys are dependency paths `/name/1.0.0` (peers after `_`), possibly with
 *   a registry host first (`registry.npmjs.org/name/1.0.0`); the project's dependencies are
 *   top-level maps of name → version, or per workspace folder under `importers`.
 * - 6: keys `/name@1.0.0(peer@2.0.0)`; importers' values are `{specifier, version}`.
 * - 9: `packages` (metadata, keyed `name@1.0.0`) apart from `snapshots` (one per peer
 *   variant, keyed `name@1.0.0(peer@2.0.0)`, holding the dependencies); dev/optional flags
 *   are gone, so scopes come from reachability from the importers.
 * Packages of git, tarball and directory sources carry `name`/`version` fields, which win
 * over what the key says. pnpm 11 may put an "environment" document (pnpm itself and config
 * dependencies) before the project's, separated by `---`: that one describes the package
 * manager's own install, not the project, so it is not reported (as trivy does).
 */
import type { Scope } from '../../../formats/model/index.ts';
import { FileParseError, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { dirOf, joinPath } from '../../source/resolver.ts';
import {
  Collector,
  baseName,
  flag,
  inNodeModules,
  integrityHashes,
  isObject,
  lineAt,
  looksLikeVersion,
  reachScopes,
  str,
  type DepEdge,
  type DepKind,
  type JsonObject,
} from './common.ts';
import { readManifest } from './manifest.ts';
import { parseYamlDocuments } from './yaml.ts';

const IMPORTER_FIELDS: readonly (readonly [string, DepKind])[] = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
  ['devDependencies', 'dev'],
];
const ENV_FIELDS = new Set(['configDependencies', 'packageManagerDependencies']);

export async function parsePnpmLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const dir = dirOf(path);
  if (inNodeModules(dir)) return { packages: [] };
  const text = await ctx.readText(path);
  const docs = parseYamlDocuments(text).filter((d) => d !== null && d !== undefined && d !== '');
  for (const d of docs) if (!isObject(d)) throw new FileParseError('expected a YAML mapping at the top level');
  const objects = docs as JsonObject[];
  const project = objects.length > 1 ? objects.filter((d) => !isEnvironmentDocument(d)) : objects;
  const col = new Collector(path);
  for (const doc of project) await parseDocument(doc, text, dir, col, ctx);
  return col.result();
}

/** pnpm 11's env lockfile: importers that hold only config / package-manager dependencies. */
function isEnvironmentDocument(d: JsonObject): boolean {
  const importers = d['importers'];
  if (!isObject(importers) || d['dependencies'] !== undefined) return false;
  const values = Object.values(importers);
  return values.length > 0 && values.every((imp) => isObject(imp) && Object.keys(imp).every((k) => ENV_FIELDS.has(k)));
}

interface PnpmNode {
  readonly key: string;
  readonly entry: JsonObject;
  readonly meta: JsonObject;
  readonly edges: DepEdge[];
  readonly name: string | undefined;
  readonly version: string | undefined;
  readonly isRoot: boolean;
  readonly importer: boolean;
  purl?: string | undefined;
}

async function parseDocument(doc: JsonObject, text: string, dir: string, col: Collector, ctx: ParseContext): Promise<void> {
  const packages = isObject(doc['packages']) ? doc['packages'] : {};
  const snapshots = isObject(doc['snapshots']) ? doc['snapshots'] : undefined;
  const v9 = snapshots !== undefined || /^(9|[1-9]\d)/.test(str(doc['lockfileVersion']) ?? '');

  const nodes: PnpmNode[] = [];
  const byKey = new Map<string, number>();
  const addNode = (key: string, entry: JsonObject, meta: JsonObject): void => {
    const nv = nameVersion(key, meta, v9);
    if ('error' in nv) {
      col.warn(nv.error, lineOfKey(text, key));
      return;
    }
    byKey.set(key, nodes.length);
    nodes.push({ key, entry, meta, edges: [], name: nv.name, version: nv.version, isRoot: false, importer: false });
  };
  // v9: a node per snapshot (peer variant), its metadata from `packages[key without peers]`.
  if (snapshots) {
    for (const [key, snap] of Object.entries(snapshots)) {
      const base = stripPeers(key);
      const pkg = packages[base];
      addNode(key, isObject(snap) ? snap : {}, isObject(pkg) ? pkg : {});
    }
  }
  for (const [key, pkg] of Object.entries(packages)) {
    if (!byKey.has(key)) addNode(key, isObject(pkg) ? pkg : {}, isObject(pkg) ? pkg : {});
  }
  if (nodes.length > ctx.limits.maxPackagesPerFile) {
    throw new FileParseError(`${nodes.length} packages is over the limit of ${ctx.limits.maxPackagesPerFile}`);
  }

  const resolveRef = (name: string, ref: string): number | undefined => {
    for (const c of [ref, `${name}@${ref}`, `/${name}@${ref}`, `/${name}/${ref}`]) {
      const hit = byKey.get(c);
      if (hit !== undefined) return hit;
    }
    const bare = stripPeers(ref);
    return bare === ref ? undefined : byKey.get(`${name}@${bare}`);
  };
  for (const node of nodes) {
    for (const [field, kind] of IMPORTER_FIELDS.slice(0, 2)) {
      if (!isObject(node.entry[field])) continue;
      for (const [name, ref] of Object.entries(node.entry[field])) {
        if (typeof ref !== 'string') continue;
        const to = resolveRef(name, ref);
        if (to !== undefined) node.edges.push({ to, kind });
      }
    }
  }

  // Importers: the project ('.') and workspace folders; v5/v6 single projects keep the maps at the top level.
  const importers: [string, JsonObject][] = isObject(doc['importers'])
    ? Object.entries(doc['importers']).filter((e): e is [string, JsonObject] => isObject(e[1]))
    : [['.', doc]];
  // A direct dependency whose `packages` entry is missing (a truncated or hand-edited
  // lockfile) is still a resolved name@version: keep it.
  const missingPackage = (name: string, ref: string): number | undefined => {
    let version = stripPeers(ref);
    const u = version.indexOf('_');
    if (u >= 0) version = version.slice(0, u);
    if (!looksLikeVersion(version)) return undefined;
    const key = `${name}@${version}`;
    const known = byKey.get(key);
    if (known !== undefined) return known;
    byKey.set(key, nodes.length);
    nodes.push({ key, entry: {}, meta: { missingEntry: true }, edges: [], name, version, isRoot: false, importer: false });
    return nodes.length - 1;
  };
  const importerIndex = new Map<string, number>();
  for (const [folder] of importers) {
    const rel = joinPath(folder) ?? folder;
    // The lockfile does not name its importers: a package.json does (npm's rule: the folder
    // name when it has no "name"). Without one the importer is not reported.
    const folderPath = joinPath(dir, rel) ?? dir;
    const m = await readManifest(ctx, folderPath);
    const isRoot = rel === '';
    const name = m === undefined ? undefined : (m.name ?? (folderPath === '' ? undefined : baseName(folderPath)));
    importerIndex.set(rel, nodes.length);
    nodes.push({ key: folder, entry: {}, meta: {}, edges: [], name, version: m?.version ?? '', isRoot, importer: true });
  }
  for (const [folder, imp] of importers) {
    const rel = joinPath(folder) ?? folder;
    const from = nodes[importerIndex.get(rel)!]!;
    for (const [field, kind] of IMPORTER_FIELDS) {
      if (!isObject(imp[field])) continue;
      for (const [name, value] of Object.entries(imp[field])) {
        const ref = typeof value === 'string' ? value : isObject(value) ? str(value['version']) : undefined;
        if (ref === undefined) continue;
        let to = ref.startsWith('link:') ? importerIndex.get(joinPath(rel, ref.slice(5)) ?? '\u0000') : resolveRef(name, ref);
        if (to === undefined) to = missingPackage(name, ref);
        if (to !== undefined) from.edges.push({ to, kind });
      }
    }
  }
  // Workspace members belong to the project: hang them off the root.
  let root = importerIndex.get('');
  if (root === undefined && importerIndex.size > 0) {
    root = nodes.length;
    nodes.push({ key: '', entry: {}, meta: {}, edges: [], name: undefined, version: '', isRoot: true, importer: true });
  }
  if (root !== undefined) for (const i of importerIndex.values()) if (i !== root) nodes[root]!.edges.push({ to: i, kind: 'prod' });

  const scopes = root === undefined ? [] : reachScopes(nodes.length, nodes[root]!.edges, (i) => nodes[i]!.edges);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (node.name === undefined) continue;
    if (node.importer) {
      node.purl = col.add({ name: node.name, version: node.version ?? '', scope: 'required', isRoot: node.isRoot });
      continue;
    }
    const resolution = isObject(node.meta['resolution']) ? node.meta['resolution'] : {};
    const repo = str(resolution['repo']);
    const commit = str(resolution['commit']);
    node.purl = col.add({
      name: node.name,
      version: node.version ?? '',
      scope: scopeOf(node, scopes[i]),
      hashes: integrityHashes(str(resolution['integrity'])),
      metadata: {
        resolved: str(resolution['tarball']) ?? (repo !== undefined && commit !== undefined ? `${repo}#${commit}` : str(resolution['directory'])),
        integrity: str(resolution['integrity']),
        lockfileEntry: node.meta['missingEntry'] === true ? 'missing' : undefined,
      },
    });
  }
  for (const node of nodes) {
    for (const e of node.edges) col.edge(node.purl, nodes[e.to]!.purl);
  }
}

/** v5/v6 record dev/optional per package (`dev` absent = both dev and production); v9 does not. */
function scopeOf(node: PnpmNode, reached: Scope | undefined): Scope {
  const optional = flag(node.entry['optional']) || flag(node.meta['optional']);
  const dev = node.meta['dev'] ?? node.entry['dev'];
  if (flag(dev)) return 'dev';
  if (dev === false || dev === 'false') return optional ? 'optional' : 'required';
  const s = reached ?? 'required';
  return s === 'required' && optional ? 'optional' : s;
}

function stripPeers(key: string): string {
  const p = key.indexOf('(');
  return p < 0 ? key : key.slice(0, p);
}

/** Name and version of a `packages`/`snapshots` key; `name`/`version` fields win. */
function nameVersion(key: string, meta: JsonObject, v9: boolean): { name: string | undefined; version: string | undefined } | { error: string } {
  const name = str(meta['name']);
  const version = str(meta['version']);
  if (name !== undefined && version !== undefined) return { name, version };
  // Directory and tarball paths never carry the version; such packages always have `name`.
  if (key.startsWith('file:')) return { name, version: version ?? '' };
  const parsed = v9 ? parseV9Key(key) : parsePathKey(key);
  if ('error' in parsed) return parsed;
  return { name: name ?? parsed.name, version: version ?? parsed.version };
}

/** v9 `name@version(peers)`; a non-version (URL, `file:`) leaves the version empty. */
function parseV9Key(key: string): { name: string | undefined; version: string | undefined } | { error: string } {
  // Some writers keep v6's leading '/' in a v9 file.
  const k = stripPeers(key.startsWith('/') ? key.slice(1) : key);
  const at = k.indexOf('@', 1);
  if (at < 0) return { error: `invalid dependency path: ${key.slice(0, 200)}` };
  const v = k.slice(at + 1);
  return { name: k.slice(0, at), version: looksLikeVersion(v) ? v : '' };
}

/**
 * v5/v6 dependency path: `/name/1.0.0_peers`, `/name@1.0.0(peers)`, scoped forms, or the same
 * after a registry host instead of the leading `/`. A path with no version (a git repo path,
 * say) gives no name either: its last segments are not a package name.
 */
function parsePathKey(key: string): { name: string | undefined; version: string | undefined } | { error: string } {
  let s: string;
  if (key.startsWith('/')) s = key.slice(1);
  else {
    const slash = key.indexOf('/');
    if (slash < 0) return { error: `invalid dependency path: ${key.slice(0, 200)}` };
    s = key.slice(slash + 1);
  }
  s = stripPeers(s);
  const from = s.startsWith('@') ? s.indexOf('/') + 1 : 0;
  if (s.startsWith('@') && from === 0) return { error: `invalid dependency path: ${key.slice(0, 200)}` };
  let j = from;
  while (j < s.length && s[j] !== '@' && s[j] !== '/') j++;
  if (j >= s.length) return { name: undefined, version: undefined };
  let version = s.slice(j + 1);
  if (s[j] === '/') {
    version = version.split('/')[0] ?? '';
    const u = version.indexOf('_');
    if (u >= 0) version = version.slice(0, u);
  }
  return looksLikeVersion(version) ? { name: s.slice(0, j), version } : { name: undefined, version: undefined };
}

function lineOfKey(text: string, key: string): number | undefined {
  const i = text.indexOf(key);
  return i < 0 ? undefined : lineAt(text, i);
}
