/**
 * Installed packages: `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json`
 * at any nesting (`node_modules/a/node_modules/b/...`), plus pnpm's virtual store
 * (`node_modules/.pnpm/<id>/node_modules/<name>`). Other package.json files inside a package
 * (test fixtures, `lib/package.json` with `{"type": "module"}`) are not packages.
 *
 * The parser is called once per package.json, but dependency edges and scopes need the
 * whole tree: the first call for a project reads every manifest of its node_modules once
 * (memoised per resolver), resolves each package's dependencies the way Node does
 * (`<folder>/node_modules/<dep>`, then each parent folder up to the project), and computes
 * scopes by reachability from the project's package.json. Each call then returns its own
 * package with its own location.
 */
import type { Relationship, Scope } from '../../../formats/model/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import type { FileResolver } from '../../source/resolver.ts';
import { parseJson } from './package-lock.ts';
import {
  declaredLicenses,
  flag,
  integrityHashes,
  isObject,
  keysOf,
  npmPurl,
  reachScopes,
  str,
  type DepEdge,
  type DepKind,
  type JsonObject,
} from './common.ts';
import { readManifest, workspaceDirs } from './manifest.ts';

/** Manifests read at once while building a tree. */
const READ_CONCURRENCY = 16;

interface InstalledFolder {
  /** The project folder holding the outermost node_modules ('' = the source root). */
  readonly root: string;
  /** The package's folder (the package.json's directory). */
  readonly folder: string;
  /** Inside pnpm's virtual store. */
  readonly store: boolean;
}

/**
 * Is `path` the package.json of an installed package? Its folders must alternate
 * `node_modules` / package name (`@scope/name`) from the first `node_modules` down.
 */
export function installedFolder(path: string): InstalledFolder | undefined {
  if (!path.endsWith('/package.json')) return undefined;
  const segs = path.split('/');
  segs.pop();
  const first = segs.indexOf('node_modules');
  if (first < 0) return undefined;
  let store = false;
  let i = first;
  while (i < segs.length) {
    if (segs[i] !== 'node_modules') return undefined;
    i++;
    if (segs[i] === '.pnpm') {
      if (segs[i + 2] !== 'node_modules') return undefined;
      store = true;
      i += 2;
      continue;
    }
    const s = segs[i];
    if (s === undefined || s === '' || s.startsWith('.')) return undefined;
    if (s.startsWith('@')) {
      const n = segs[i + 1];
      if (n === undefined || n === '' || n.startsWith('.')) return undefined;
      i += 2;
    } else i++;
  }
  return { root: segs.slice(0, first).join('/'), folder: segs.join('/'), store };
}

interface TreeNode {
  readonly folder: string;
  readonly pkg?: PackageInput;
  /** Why this package.json could not be used (rethrown for its own file). */
  readonly error?: Error;
  readonly manifest?: JsonObject;
  relationships: Relationship[];
}

type Tree = ReadonlyMap<string, TreeNode>;

/** Per source: project folder → its installed packages' folders (one pass over the file list). */
const indexes = new WeakMap<FileResolver, Map<string, InstalledFolder[]>>();
/** Per source: project folder → the tree, built once. */
const trees = new WeakMap<FileResolver, Map<string, Promise<Tree>>>();

function indexOf(resolver: FileResolver): Map<string, InstalledFolder[]> {
  let index = indexes.get(resolver);
  if (!index) {
    index = new Map();
    for (const f of resolver.files()) {
      const inst = installedFolder(f.path);
      if (!inst) continue;
      let list = index.get(inst.root);
      if (!list) index.set(inst.root, (list = []));
      list.push(inst);
    }
    indexes.set(resolver, index);
  }
  return index;
}

export async function parseInstalledPackage(path: string, ctx: ParseContext): Promise<ParseResult> {
  const inst = installedFolder(path);
  if (!inst) return { packages: [] };
  let perSource = trees.get(ctx.resolver);
  if (!perSource) trees.set(ctx.resolver, (perSource = new Map<string, Promise<Tree>>()));
  let tree = perSource.get(inst.root);
  if (!tree) perSource.set(inst.root, (tree = buildTree(ctx, inst.root)));
  const node = (await tree).get(inst.folder);
  if (!node) return { packages: [] };
  if (node.error) throw node.error;
  return { packages: node.pkg ? [node.pkg] : [], relationships: node.relationships };
}

async function buildTree(ctx: ParseContext, root: string): Promise<Tree> {
  const folders = indexOf(ctx.resolver).get(root) ?? [];
  const nodes = new Map<string, TreeNode>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < folders.length) {
      const { folder } = folders[next++]!;
      nodes.set(folder, await readNode(ctx, folder));
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, folders.length) }, worker));

  // Number the good nodes for the scope computation; the project itself is the last one.
  const good: (TreeNode & { manifest: JsonObject; pkg: PackageInput })[] = [];
  const indexOfFolder = new Map<string, number>();
  for (const { folder } of folders) {
    const n = nodes.get(folder);
    if (n?.manifest && n.pkg) {
      indexOfFolder.set(folder, good.length);
      good.push(n as TreeNode & { manifest: JsonObject; pkg: PackageInput });
    }
  }
  // pnpm's store links a package's dependencies as symlinks we do not follow: fall back to
  // the store's only package of that name, when there is exactly one.
  const storeByName = new Map<string, number | null>();
  for (const inst of folders) {
    const i = indexOfFolder.get(inst.folder);
    if (!inst.store || i === undefined) continue;
    const name = good[i]!.pkg.name;
    storeByName.set(name, storeByName.has(name) ? null : i);
  }
  const lookup = (from: string, name: string): number | undefined => {
    let base = from;
    for (;;) {
      if (!base.endsWith('node_modules')) {
        const hit = indexOfFolder.get(base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`);
        if (hit !== undefined) return hit;
      }
      if (base === root || base === '') break;
      const slash = base.lastIndexOf('/');
      base = slash < 0 ? '' : base.slice(0, slash);
    }
    return storeByName.get(name) ?? undefined;
  };

  const edges: DepEdge[][] = good.map((n) => {
    const out: DepEdge[] = [];
    const m = n.manifest;
    const peerMeta = isObject(m['peerDependenciesMeta']) ? m['peerDependenciesMeta'] : {};
    const add = (name: string, kind: DepKind): void => {
      const to = lookup(n.folder, name);
      if (to !== undefined) out.push({ to, kind });
    };
    for (const name of keysOf(m['dependencies'])) add(name, 'prod');
    for (const name of keysOf(m['optionalDependencies'])) add(name, 'optional');
    for (const name of keysOf(m['peerDependencies'])) {
      const meta = peerMeta[name];
      add(name, isObject(meta) && flag(meta['optional']) ? 'optional' : 'prod');
    }
    return out;
  });

  // The project and its workspaces declare which dependencies are dev-only.
  const rootEdges: DepEdge[] = [];
  const project = await readManifest(ctx, root);
  if (project) {
    const members = workspaceDirs(ctx, root, project.workspaces);
    for (const [dir, m] of [[root, project] as const, ...(await Promise.all(members.map(async (d) => [d, await readManifest(ctx, d)] as const)))]) {
      for (const [name, { kind }] of m?.deps ?? []) {
        const to = lookup(dir, name);
        if (to !== undefined) rootEdges.push({ to, kind });
      }
    }
  }
  const scopes: (Scope | undefined)[] = project ? reachScopes(good.length, rootEdges, (i) => edges[i]!) : [];

  for (let i = 0; i < good.length; i++) {
    const n = good[i]!;
    const scope = scopes[i] ?? 'required';
    const pkg = { ...n.pkg, scope };
    const from = pkg.purl;
    const rels = new Map<string, Relationship>();
    for (const e of edges[i]!) {
      const to = good[e.to]!.pkg.purl;
      if (to !== from) rels.set(to, { from, to, type: 'depends-on' });
    }
    nodes.set(n.folder, { folder: n.folder, pkg, manifest: n.manifest, relationships: [...rels.values()] });
  }
  return nodes;
}

async function readNode(ctx: ParseContext, folder: string): Promise<TreeNode> {
  const path = `${folder}/package.json`;
  try {
    const data = parseJson(await ctx.readText(path));
    if (!isObject(data)) throw new FileParseError('package.json is not a JSON object');
    const folderName = installedName(folder);
    const name = str(data['name']) ?? folderName;
    const version = str(data['version']) ?? '';
    const purl = npmPurl(name, version);
    if (purl === undefined) throw new FileParseError(`unusable package name ${JSON.stringify(name.slice(0, 100))}`);
    const metadata: Record<string, string> = {};
    // npm ≤6 recorded where an installed package came from in underscore fields.
    const resolved = str(data['_resolved']);
    const integrity = str(data['_integrity']);
    if (resolved) metadata['resolved'] = resolved;
    if (integrity) metadata['integrity'] = integrity;
    if (name !== folderName) metadata['installedAs'] = folderName;
    const pkg: PackageInput = {
      name,
      version,
      type: 'npm',
      purl,
      licenses: declaredLicenses(data['license'], data['licenses']),
      hashes: integrityHashes(integrity),
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    };
    return { folder, pkg, manifest: data, relationships: [] };
  } catch (err) {
    return { folder, error: err instanceof Error ? err : new FileParseError(String(err)), relationships: [] };
  }
}

/** The name a package is installed under: the folder after its last `node_modules/`. */
function installedName(folder: string): string {
  return folder.slice(folder.lastIndexOf('node_modules/') + 'node_modules/'.length);
}
