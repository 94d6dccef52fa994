/**
 * yarn.lock: yarn classic (v1) and yarn berry (v2+, YAML with a `__metadata` entry).
 *
 * Both map comma-separated descriptors (`name@range, name@other-range`) to one resolved
 * entry; a dependency `name range` finds its entry under the descriptor `name@range`.
 * yarn.lock does not say which packages are dev-only: that comes from the package.json of
 * the project (and of each workspace) next to it, by reachability from their dependencies.
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
  isValidName,
  nameFromRegistryUrl,
  parseNpmAlias,
  reachScopes,
  splitDescriptor,
  str,
  stringEntries,
  type DepEdge,
  type DepKind,
  type JsonObject,
} from './common.ts';
import { readManifest, workspaceDirs, type Manifest } from './manifest.ts';
import { parseYamlDocuments } from './yaml.ts';

/** One resolved entry of a yarn.lock, in a form common to v1 and berry. */
interface YarnEntry {
  readonly descriptors: readonly string[];
  readonly line: number | undefined;
  readonly name: string | undefined;
  readonly version: string | undefined;
  readonly deps: readonly (readonly [string, string, DepKind])[];
  readonly metadata: Record<string, string | undefined>;
  readonly integrity: string | undefined;
  /** berry `workspace:<path>`: the workspace folder, relative to the lockfile. */
  readonly workspace: string | undefined;
  /** berry `link:` / `portal:` folders outside the project: not packages, but their edges are kept. */
  readonly local: boolean;
}

export async function parseYarnLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const dir = dirOf(path);
  if (inNodeModules(dir)) return { packages: [] };
  const text = await ctx.readText(path);
  const berry = /^__metadata:/m.test(text);
  const entries = berry ? berryEntries(text) : classicEntries(text);
  if (entries.length > ctx.limits.maxPackagesPerFile) {
    throw new FileParseError(`${entries.length} entries is over the limit of ${ctx.limits.maxPackagesPerFile}`);
  }
  return buildGraph(path, dir, entries, ctx);
}

// ---------------------------------------------------------------------------------------
// yarn classic (v1). Its format looks like YAML but is not (unquoted `key value` pairs, no
// colon between key and value): yarn ships its own tokenizer (src/lockfile/parse.js) and no
// maintained npm package exposes one, so this is a small hand-written line parser.
// ---------------------------------------------------------------------------------------

interface RawEntry {
  descriptors: string[];
  line: number;
  fields: Map<string, string>;
  maps: Map<string, [string, string][]>;
}

function classicEntries(text: string): YarnEntry[] {
  const raw: RawEntry[] = [];
  let cur: RawEntry | undefined;
  let map: [string, string][] | undefined;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const body = line.trimStart();
    if (body === '' || body.startsWith('#')) continue;
    const indent = line.length - body.length;
    if (indent === 0) {
      if (!body.endsWith(':')) throw new FileParseError('expected an entry header ending in ":"', lineNo);
      cur = { descriptors: parseHeader(body.slice(0, -1), lineNo), line: lineNo, fields: new Map(), maps: new Map() };
      raw.push(cur);
      map = undefined;
      continue;
    }
    if (!cur) throw new FileParseError('indented line outside an entry', lineNo);
    const [key, rest] = readToken(body, lineNo);
    if (indent <= 2) {
      if (rest === '' && key.endsWith(':') && !body.startsWith('"')) {
        map = [];
        cur.maps.set(key.slice(0, -1), map);
      } else if (rest === ':') {
        map = [];
        cur.maps.set(key, map);
      } else {
        cur.fields.set(key, readValue(rest, lineNo));
        map = undefined;
      }
    } else {
      if (!map) throw new FileParseError('unexpected indentation', lineNo);
      map.push([key, readValue(rest, lineNo)]);
    }
  }
  return raw.map(classicEntry);
}

function classicEntry(r: RawEntry): YarnEntry {
  const resolved = r.fields.get('resolved');
  const first = splitDescriptor(r.descriptors[0] ?? '');
  // The real name: a registry tarball URL names it; else yarn's `name` field (written when
  // it differs from the descriptor's); else an `npm:` alias; else the descriptor's name.
  const name =
    (resolved === undefined ? undefined : nameFromRegistryUrl(resolved)) ??
    r.fields.get('name') ??
    parseNpmAlias(first.range)?.name ??
    first.name;
  const deps: [string, string, DepKind][] = [];
  for (const [n, range] of r.maps.get('dependencies') ?? []) deps.push([n, range, 'prod']);
  for (const [n, range] of r.maps.get('optionalDependencies') ?? []) deps.push([n, range, 'optional']);
  return {
    descriptors: r.descriptors,
    line: r.line,
    name,
    version: r.fields.get('version'),
    deps,
    metadata: { resolved },
    integrity: r.fields.get('integrity'),
    workspace: undefined,
    local: false,
  };
}

/** `"a@1", b@2` → ['a@1', 'b@2']. */
function parseHeader(s: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (i >= s.length) break;
    if (s[i] === '"') {
      const end = closingQuote(s, i, line);
      out.push(unquote(s.slice(i, end + 1), line));
      i = end + 1;
    } else {
      let j = s.indexOf(',', i);
      if (j < 0) j = s.length;
      out.push(s.slice(i, j).trim());
      i = j;
    }
  }
  if (out.length === 0) throw new FileParseError('entry header names no package', line);
  return out;
}

/** First token of a line (quoted or up to a space) and the rest, trimmed. */
function readToken(s: string, line: number): [string, string] {
  if (s.startsWith('"')) {
    const end = closingQuote(s, 0, line);
    return [unquote(s.slice(0, end + 1), line), s.slice(end + 1).trim()];
  }
  const sp = s.indexOf(' ');
  return sp < 0 ? [s, ''] : [s.slice(0, sp), s.slice(sp + 1).trim()];
}

function readValue(s: string, line: number): string {
  if (s.startsWith('"')) {
    const end = closingQuote(s, 0, line);
    return unquote(s.slice(0, end + 1), line);
  }
  return s;
}

function closingQuote(s: string, open: number, line: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  throw new FileParseError('unterminated string', line);
}

function unquote(q: string, line: number): string {
  try {
    const v: unknown = JSON.parse(q);
    if (typeof v === 'string') return v;
  } catch {
    // fall through
  }
  throw new FileParseError(`bad string ${q.slice(0, 80)}`, line);
}

// ---------------------------------------------------------------------------------------
// yarn berry: YAML (yarnpkg.com/advanced/lockfile). Keys are descriptors with a protocol
// (`name@npm:^1.0.0`); `resolution` is the locator actually installed (`name@npm:1.0.3`).
// ---------------------------------------------------------------------------------------

function berryEntries(text: string): YarnEntry[] {
  const docs = parseYamlDocuments(text);
  const data = docs[0];
  if (data === undefined || data === null || data === '') return [];
  if (!isObject(data)) throw new FileParseError('expected a YAML mapping at the top level');
  const out: YarnEntry[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key === '__metadata' || !isObject(value)) continue;
    out.push(berryEntry(key, value));
  }
  return out;
}

function berryEntry(key: string, e: JsonObject): YarnEntry {
  const descriptors = key.split(',').map((d) => d.trim()).filter((d) => d !== '');
  const resolution = str(e['resolution']) ?? descriptors[0] ?? '';
  const locator = splitDescriptor(resolution);
  const protocol = /^([a-z]+):/.exec(locator.range)?.[1];
  const meta = isObject(e['dependenciesMeta']) ? e['dependenciesMeta'] : {};
  const deps: [string, string, DepKind][] = [];
  for (const [n, range] of stringEntries(e['dependencies'])) {
    const m = meta[n];
    deps.push([n, range, isObject(m) && flag(m['optional']) ? 'optional' : 'prod']);
  }
  for (const [n, range] of stringEntries(e['optionalDependencies'])) deps.push([n, range, 'optional']);
  return {
    descriptors,
    line: undefined,
    name: locator.name === '' ? splitDescriptor(descriptors[0] ?? '').name : locator.name,
    version: str(e['version']),
    deps,
    metadata: { resolution: str(e['resolution']), checksum: str(e['checksum']) },
    integrity: undefined,
    workspace: protocol === 'workspace' ? locator.range.slice('workspace:'.length) : undefined,
    local: protocol === 'link' || protocol === 'portal',
  };
}

// ---------------------------------------------------------------------------------------
// The graph, shared by both formats.
// ---------------------------------------------------------------------------------------

interface GraphNode {
  name: string | undefined;
  version: string;
  entry: YarnEntry | undefined;
  edges: DepEdge[];
  isRoot: boolean;
  /** Contracted away: edges through it are kept, the node itself is not reported. */
  skip: boolean;
  purl?: string | undefined;
}

async function buildGraph(path: string, dir: string, entries: readonly YarnEntry[], ctx: ParseContext): Promise<ParseResult> {
  const col = new Collector(path);
  const nodes: GraphNode[] = [];
  const byDescriptor = new Map<string, number>();
  for (const entry of entries) {
    const i = nodes.length;
    if (entry.version === undefined && entry.workspace === undefined) {
      col.warn(`${entry.descriptors[0] ?? '?'}: no version: skipped`, entry.line);
      continue;
    }
    nodes.push({ name: entry.name, version: entry.version ?? '', entry, edges: [], isRoot: false, skip: entry.local });
    for (const d of entry.descriptors) byDescriptor.set(d, i);
  }
  const lookup = (name: string, range: string): number | undefined =>
    byDescriptor.get(`${name}@${range}`) ?? (range.includes(':') ? undefined : byDescriptor.get(`${name}@npm:${range}`));

  // Workspaces. berry lists them (`name@workspace:path`); classic does not, so they come from
  // the root package.json's `workspaces` globs.
  const rootManifest = await readManifest(ctx, dir);
  const manifests = new Map<number, Manifest | undefined>();
  let root: number | undefined;
  for (let i = 0; i < nodes.length; i++) {
    const ws = nodes[i]!.entry?.workspace;
    if (ws === undefined) continue;
    const folder = joinPath(dir, ws);
    const isTop = ws === '.' || ws === '' || folder === dir;
    manifests.set(i, isTop ? rootManifest : folder === undefined ? undefined : await readManifest(ctx, folder));
    if (isTop) root = i;
  }
  if (root === undefined && rootManifest) {
    root = nodes.length;
    nodes.push({ name: undefined, version: '', entry: undefined, edges: [], isRoot: true, skip: false });
    manifests.set(root, rootManifest);
    const byName = new Map<string, number>();
    for (const wsDir of workspaceDirs(ctx, dir, rootManifest.workspaces)) {
      const m = await readManifest(ctx, wsDir);
      if (!m) continue;
      const i = nodes.length;
      nodes.push({ name: m.name ?? baseName(wsDir), version: m.version ?? '', entry: undefined, edges: [], isRoot: false, skip: false });
      manifests.set(i, m);
      nodes[root]!.edges.push({ to: i, kind: 'prod' });
      if (m.name !== undefined) byName.set(m.name, i);
    }
    // Classic: workspace members depend on each other by name, outside the lockfile.
    for (const [i, m] of manifests) {
      for (const [name, { range, kind }] of m?.deps ?? []) {
        const to = lookup(name, range) ?? byName.get(name);
        if (to !== undefined && to !== i) nodes[i]!.edges.push({ to, kind });
      }
    }
  }
  if (root !== undefined) {
    nodes[root]!.isRoot = true;
    // berry: workspace members belong to the project; hang them off the root as npm does.
    for (const i of manifests.keys()) if (i !== root && nodes[i]!.entry?.workspace !== undefined) nodes[root]!.edges.push({ to: i, kind: 'prod' });
  }

  // Edges recorded in the lockfile; a workspace's kinds come from its package.json.
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const m = manifests.get(i);
    for (const [name, range, kind] of node.entry?.deps ?? []) {
      const to = lookup(name, range);
      if (to === undefined || to === i) continue;
      node.edges.push({ to, kind: node.entry?.workspace !== undefined ? (m?.deps.get(name)?.kind ?? kind) : kind });
    }
  }

  // Scopes by reachability from the project; without a known project everything is required.
  const scopes: (Scope | undefined)[] =
    root === undefined ? [] : reachScopes(nodes.length, nodes[root]!.edges, (i) => nodes[i]!.edges);

  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (node.skip) continue;
    const m = manifests.get(i);
    const name = node.isRoot ? (m?.name ?? node.name ?? (dir === '' ? undefined : baseName(dir))) : (m?.name ?? node.name);
    if (name === undefined || !isValidName(name)) {
      if (!node.isRoot) col.warn(`${node.entry?.descriptors[0] ?? '?'}: no usable package name: skipped`, node.entry?.line);
      continue;
    }
    const e = node.entry;
    node.purl = col.add({
      name,
      version: m?.version ?? node.version,
      scope: node.isRoot ? 'required' : (scopes[i] ?? 'required'),
      isRoot: node.isRoot,
      hashes: integrityHashes(e?.integrity),
      metadata: { ...e?.metadata, integrity: e?.integrity },
      ...(e?.line === undefined ? {} : { location: { path, line: e.line } }),
    });
  }

  // Relationships; edges into a contracted node continue to its dependencies.
  const targets = (start: number): Set<string> => {
    const out = new Set<string>();
    const seen = new Set<number>();
    const stack = [start];
    while (stack.length > 0) {
      const at = stack.pop()!;
      if (seen.has(at)) continue;
      seen.add(at);
      const n = nodes[at]!;
      if (!n.skip) {
        if (n.purl !== undefined) out.add(n.purl);
      } else for (const e of n.edges) stack.push(e.to);
    }
    return out;
  };
  for (const node of nodes) {
    if (node.purl === undefined) continue;
    for (const e of node.edges) {
      for (const to of targets(e.to)) col.edge(node.purl, to);
    }
  }
  return col.result();
}
