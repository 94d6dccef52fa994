/**
 * Helpers shared by the JavaScript catalogers: type guards for untrusted JSON/YAML, npm
 * purls, SRI integrity → hashes, license fields, and a collector that de-duplicates
 * packages by purl while keeping the best scope.
 */
import { buildPurl } from '../../../formats/purl/index.ts';
import type { Hash, HashAlgorithm, Location, Relationship, Scope, Warning } from '../../../formats/model/index.ts';
import { normalizeLicenses, type PackageInput, type ParseResult } from '../../generic/index.ts';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `true` for JSON `true` and for the YAML failsafe string `'true'`. */
export function flag(v: unknown): boolean {
  return v === true || v === 'true';
}

/** The string-valued entries of an object (a `dependencies` map); other values are ignored. */
export function stringEntries(v: unknown): [string, string][] {
  if (!isObject(v)) return [];
  const out: [string, string][] = [];
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out.push([k, val]);
  return out;
}

/** The keys of an object, or [] (for maps whose values we do not need). */
export function keysOf(v: unknown): string[] {
  return isObject(v) ? Object.keys(v) : [];
}

/** True when a POSIX path has a `node_modules` segment. */
export function inNodeModules(path: string): boolean {
  return path === 'node_modules' || path.startsWith('node_modules/') || path.includes('/node_modules/');
}

/** Last path segment. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Split `name@range` (npm / yarn descriptor) at the `@` that ends the name; a leading `@` is
 * the scope. `name` alone gives an empty range.
 */
export function splitDescriptor(spec: string): { name: string; range: string } {
  const at = spec.indexOf('@', 1);
  return at < 0 ? { name: spec, range: '' } : { name: spec.slice(0, at), range: spec.slice(at + 1) };
}

/** `npm:real-name@range` (an alias, npm and yarn) → the real name and range. */
export function parseNpmAlias(range: string): { name: string; range: string } | undefined {
  if (!range.startsWith('npm:')) return undefined;
  const rest = range.slice(4);
  const r = splitDescriptor(rest);
  return isValidName(r.name) ? r : undefined;
}

const MAX_NAME = 512;

/** A loose validity check of an npm package name (the registry allows legacy names, so we do too). */
export function isValidName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME || name.startsWith('.')) return false;
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    return slash > 1 && slash < name.length - 1 && name.indexOf('/', slash + 1) < 0;
  }
  return !name.includes('/');
}

/** A version that is a real (semver-like) version rather than a URL, path or git reference. */
export function looksLikeVersion(v: string): boolean {
  return /^v?\d/.test(v) && !v.includes('/') && !v.includes(':');
}

/** Registry tarball URLs are `<registry>/<name>/-/<file>.tgz` (npm registry API): the name in it is the real one. */
export function nameFromRegistryUrl(url: string): string | undefined {
  const q = url.search(/[?#]/);
  const path = q < 0 ? url : url.slice(0, q);
  if (!/^https?:\/\//i.test(path) || !path.endsWith('.tgz')) return undefined;
  const segs = path.split('/').slice(3);
  const dash = segs.lastIndexOf('-');
  if (dash < 1 || dash !== segs.length - 2) return undefined;
  let last: string;
  try {
    last = decodeURIComponent(segs[dash - 1]!);
  } catch {
    return undefined;
  }
  const prev = segs[dash - 2];
  const name = last.startsWith('@') ? last : prev?.startsWith('@') ? `${prev}/${last}` : last;
  return isValidName(name) ? name : undefined;
}

/** pkg:npm purl: the scope is the namespace (purl-spec types/npm-definition.json). Undefined when the name is unusable. */
export function npmPurl(name: string, version: string): string | undefined {
  if (!isValidName(name)) return undefined;
  let namespace: string | undefined;
  let local = name;
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    namespace = name.slice(0, slash);
    local = name.slice(slash + 1);
  }
  try {
    return buildPurl({ type: 'npm', namespace, name: local, version });
  } catch {
    return undefined;
  }
}

const SRI_ALGS: Readonly<Record<string, { alg: HashAlgorithm; bytes: number }>> = {
  md5: { alg: 'MD5', bytes: 16 },
  sha1: { alg: 'SHA-1', bytes: 20 },
  sha256: { alg: 'SHA-256', bytes: 32 },
  sha384: { alg: 'SHA-384', bytes: 48 },
  sha512: { alg: 'SHA-512', bytes: 64 },
};

/**
 * Subresource Integrity (W3C SRI §3.1: space-separated `alg-base64[?options]`) → hex hashes.
 * Tokens of unknown algorithms or with a digest of the wrong length are skipped.
 */
export function integrityHashes(integrity: string | undefined): Hash[] {
  if (integrity === undefined) return [];
  const out: Hash[] = [];
  for (const token of integrity.trim().split(/\s+/)) {
    const m = /^([a-z0-9]+)-([A-Za-z0-9+/_-]+={0,2})(?:\?.*)?$/i.exec(token);
    if (!m) continue;
    const spec = SRI_ALGS[m[1]!.toLowerCase()];
    if (!spec) continue;
    const bytes = Buffer.from(m[2]!, 'base64');
    if (bytes.length !== spec.bytes) continue;
    out.push({ alg: spec.alg, value: bytes.toString('hex') });
  }
  return out;
}

const licenseCache = new Map<string, string[]>();

/**
 * Declared licenses of a package.json or lockfile entry: `license` as a string, as a legacy
 * `{type, url}` object or as an array of either; the legacy `licenses` array likewise.
 */
export function declaredLicenses(license: unknown, licenses?: unknown): string[] {
  // Most packages declare one of a few dozen strings: normalise each once.
  if (typeof license === 'string' && licenses === undefined) {
    let hit = licenseCache.get(license);
    if (!hit) {
      hit = normalizeLicenses([license]);
      if (licenseCache.size < 10_000) licenseCache.set(license, hit);
    }
    return [...hit];
  }
  const raw: string[] = [];
  const take = (v: unknown, depth: number): void => {
    if (typeof v === 'string') raw.push(v);
    else if (isObject(v)) {
      const t = v['type'] ?? v['name'];
      if (typeof t === 'string') raw.push(t);
    } else if (Array.isArray(v) && depth === 0) {
      for (const x of v.slice(0, 64)) take(x, 1);
    }
  };
  take(license, 0);
  take(licenses, 0);
  return normalizeLicenses(raw);
}

const SCOPE_RANK: Readonly<Record<Scope, number>> = { required: 0, optional: 1, dev: 2 };

export function betterScope(a: Scope, b: Scope): Scope {
  return SCOPE_RANK[b] < SCOPE_RANK[a] ? b : a;
}

export function worseScope(a: Scope, b: Scope): Scope {
  return SCOPE_RANK[b] > SCOPE_RANK[a] ? b : a;
}

export interface CollectInput {
  readonly name: string;
  readonly version: string;
  readonly scope: Scope;
  readonly isRoot?: boolean;
  readonly licenses?: readonly string[];
  readonly hashes?: readonly Hash[];
  readonly metadata?: Readonly<Record<string, string | undefined>>;
  readonly location?: Location;
}

interface Collected {
  name: string;
  version: string;
  purl: string;
  scope: Scope;
  isRoot: boolean;
  licenses: Set<string>;
  hashes: Map<string, Hash>;
  metadata: Record<string, string>;
  location: Location | undefined;
}

/**
 * Gathers one file's packages and relationships: the same purl reported twice (the same
 * name@version at two places in a tree) is one package with the best scope of both.
 */
export class Collector {
  private readonly byPurl = new Map<string, Collected>();
  private readonly rels = new Map<string, Relationship>();
  readonly warnings: Warning[] = [];
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Add a package; returns its purl, or undefined (with a warning) when no purl can be built. */
  add(p: CollectInput): string | undefined {
    const purl = npmPurl(p.name, p.version);
    if (purl === undefined) {
      this.warn(`skipped a package with an unusable name ${JSON.stringify(p.name.slice(0, 100))}`);
      return undefined;
    }
    let c = this.byPurl.get(purl);
    if (!c) {
      c = {
        name: p.name,
        version: p.version,
        purl,
        scope: p.scope,
        isRoot: false,
        licenses: new Set(),
        hashes: new Map(),
        metadata: {},
        location: p.location,
      };
      this.byPurl.set(purl, c);
    } else {
      c.scope = betterScope(c.scope, p.scope);
    }
    if (p.isRoot === true) c.isRoot = true;
    for (const l of p.licenses ?? []) c.licenses.add(l);
    for (const h of p.hashes ?? []) c.hashes.set(`${h.alg}:${h.value}`, h);
    for (const [k, v] of Object.entries(p.metadata ?? {})) if (v !== undefined && v !== '' && !(k in c.metadata)) c.metadata[k] = v;
    return purl;
  }

  edge(from: string | undefined, to: string | undefined): void {
    if (from === undefined || to === undefined || from === to) return;
    const key = `${from}\u0000${to}`;
    if (!this.rels.has(key)) this.rels.set(key, { from, to, type: 'depends-on' });
  }

  warn(message: string, line?: number): void {
    if (this.warnings.length >= 100) return;
    this.warnings.push({ location: line === undefined ? { path: this.path } : { path: this.path, line }, message });
  }

  get size(): number {
    return this.byPurl.size;
  }

  result(): ParseResult {
    const packages: PackageInput[] = [];
    for (const c of this.byPurl.values()) {
      packages.push({
        name: c.name,
        version: c.version,
        type: 'npm',
        purl: c.purl,
        scope: c.scope,
        licenses: [...c.licenses],
        hashes: [...c.hashes.values()],
        locations: [c.location ?? { path: this.path }],
        ...(c.isRoot ? { isRoot: true } : {}),
        ...(Object.keys(c.metadata).length > 0 ? { metadata: c.metadata } : {}),
      });
    }
    return { packages, relationships: [...this.rels.values()], warnings: this.warnings };
  }
}

/** How a dependency edge is declared. */
export type DepKind = 'prod' | 'optional' | 'dev';

export interface DepEdge {
  readonly to: number;
  readonly kind: DepKind;
}

const KIND_RANK: Readonly<Record<DepKind, number>> = { prod: 0, optional: 1, dev: 2 };
const LEVEL_SCOPE: readonly Scope[] = ['required', 'optional', 'dev'];

/**
 * Scope of every node reachable from the roots: the best over all paths of the worst edge
 * on the path (a package needed by a dev dependency only is dev; one reached through an
 * optional edge only is optional). Three buckets of breadth-first search, so linear in
 * nodes + edges. Nodes that are not reachable get `undefined`.
 */
export function reachScopes(
  nodeCount: number,
  rootEdges: Iterable<DepEdge>,
  edgesOf: (node: number) => Iterable<DepEdge>,
): (Scope | undefined)[] {
  const level = new Int8Array(nodeCount).fill(-1);
  const buckets: number[][] = [[], [], []];
  for (const e of rootEdges) buckets[KIND_RANK[e.kind]]!.push(e.to);
  for (let l = 0; l < 3; l++) {
    const queue = buckets[l]!;
    for (let i = 0; i < queue.length; i++) {
      const x = queue[i]!;
      if (level[x] !== -1) continue;
      level[x] = l;
      for (const e of edgesOf(x)) {
        if (level[e.to] !== -1) continue;
        buckets[Math.max(l, KIND_RANK[e.kind])]!.push(e.to);
      }
    }
  }
  return Array.from(level, (l) => (l < 0 ? undefined : LEVEL_SCOPE[l]));
}

/** Line (1-based) of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
