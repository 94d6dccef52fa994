/**
 * Helpers shared by the Python catalogers: PEP 503 names, pypi purls, hashes, TOML reading,
 * type guards for parsed documents, and the lockfile dependency graph (edges and scopes).
 */
import { parse as parseTomlText, TomlError } from 'smol-toml';
import type { Hash, HashAlgorithm, Relationship, Scope, Warning } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import { FileParseError, type PackageInput } from '../../generic/index.ts';

/** Deepest nesting of inline tables/arrays accepted in a TOML lockfile (real ones use 3 or 4). */
export const MAX_TOML_DEPTH = 32;
/** Most hashes kept for one package (a package with wheels for every platform has ~100). */
export const MAX_HASHES_PER_PACKAGE = 512;
/** Most edge visits one graph walk may cost (hostile files can make every name match every node). */
export const MAX_GRAPH_STEPS = 250_000;

// ---------------------------------------------------------------------------------------------
// Names and purls

/**
 * PEP 503 normalised name: runs of `-`, `_`, `.` become one `-`, lower case
 * (https://peps.python.org/pep-0503/#normalized-names). Used in purls and for matching.
 */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** PEP 508 project name (https://peps.python.org/pep-0508/#names). */
const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export function isValidName(name: string): boolean {
  return NAME_RE.test(name);
}

/** `pkg:pypi/<pep503-name>@<version>`: the purl-spec pypi type lower-cases and uses `-`; we also fold `.` (PEP 503). */
export function pypiPurl(name: string, version: string): string {
  return buildPurl({ type: 'pypi', name: normalizeName(name), version });
}

export interface PackageFields {
  readonly name: string;
  readonly version: string;
  readonly scope?: Scope;
  readonly hashes?: readonly Hash[];
  readonly licenses?: readonly string[];
  readonly isRoot?: boolean;
  readonly line?: number;
  readonly path: string;
  readonly extraLocations?: readonly string[];
  readonly metadata?: Readonly<Record<string, string | undefined>>;
}

/** One pypi PackageInput; empty metadata values are dropped. */
export function pypiPackage(f: PackageFields): PackageInput {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.metadata ?? {})) if (v !== undefined && v !== '') metadata[k] = v;
  const locations = [f.line === undefined ? { path: f.path } : { path: f.path, line: f.line }, ...(f.extraLocations ?? []).map((path) => ({ path }))];
  return {
    name: f.name,
    version: f.version,
    type: 'pypi',
    purl: pypiPurl(f.name, f.version),
    locations,
    ...(f.scope ? { scope: f.scope } : {}),
    ...(f.hashes && f.hashes.length > 0 ? { hashes: f.hashes } : {}),
    ...(f.licenses && f.licenses.length > 0 ? { licenses: f.licenses } : {}),
    ...(f.isRoot ? { isRoot: true } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Hashes

const HASH_ALGS: Readonly<Record<string, { alg: HashAlgorithm; hexLength: number }>> = {
  md5: { alg: 'MD5', hexLength: 32 },
  sha1: { alg: 'SHA-1', hexLength: 40 },
  sha256: { alg: 'SHA-256', hexLength: 64 },
  sha384: { alg: 'SHA-384', hexLength: 96 },
  sha512: { alg: 'SHA-512', hexLength: 128 },
};

/** A hash from an algorithm name and a hex digest; undefined unless both are well-formed. */
export function makeHash(algorithm: string, hex: string): Hash | undefined {
  const spec = HASH_ALGS[algorithm.toLowerCase().replace('-', '')];
  if (!spec) return undefined;
  const value = hex.trim().toLowerCase();
  if (value.length !== spec.hexLength || !/^[0-9a-f]+$/.test(value)) return undefined;
  return { alg: spec.alg, value };
}

/** `sha256:<hex>` (pip, Pipfile.lock, poetry, uv, pdm) → Hash. */
export function parseHashString(s: unknown): Hash | undefined {
  if (typeof s !== 'string') return undefined;
  const i = s.indexOf(':');
  if (i <= 0) return undefined;
  return makeHash(s.slice(0, i), s.slice(i + 1));
}

/** Collects unique hashes, bounded. */
export class HashSet {
  private readonly seen = new Map<string, Hash>();
  add(h: Hash | undefined): void {
    if (h && this.seen.size < MAX_HASHES_PER_PACKAGE) this.seen.set(`${h.alg}:${h.value}`, h);
  }
  values(): Hash[] {
    return [...this.seen.values()];
  }
}

// ---------------------------------------------------------------------------------------------
// Type guards for parsed JSON/TOML

export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function tables(v: unknown): Table[] {
  return Array.isArray(v) ? v.filter(isTable) : [];
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Parse a TOML document; syntax errors become FileParseError with the line. */
export function parseToml(text: string): Table {
  try {
    return parseTomlText(text, { maxDepth: MAX_TOML_DEPTH, unsafeKeyBehaviour: 'drop' });
  } catch (err) {
    if (err instanceof TomlError) {
      throw new FileParseError(`invalid TOML: ${err.message.split('\n')[0] ?? 'syntax error'}`, err.line, err);
    }
    throw new FileParseError(`invalid TOML: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
}

// ---------------------------------------------------------------------------------------------
// Lockfile dependency graph

/** A reference from one locked package to another, as lockfiles record it. */
export interface DepRef {
  readonly name: string;
  /** Exact locked version when the lockfile disambiguates (uv, pylock). */
  readonly version?: string | undefined;
  /** Extras of the target that this edge activates (uv `extra = [...]`, `pkg[extra]`). */
  readonly extras?: readonly string[] | undefined;
}

export interface LockNode {
  readonly pkg: PackageInput;
  readonly deps: readonly DepRef[];
  /** extra name → the dependencies it adds (uv `[package.optional-dependencies]`). */
  readonly extraDeps?: ReadonlyMap<string, readonly DepRef[]>;
}

const SCOPE_ORDER: readonly Scope[] = ['required', 'optional', 'dev'];

/**
 * The packages of one lockfile with their edges. Resolves a DepRef to the locked packages of
 * that (normalised) name, narrowed by version when given; emits `depends-on` relationships
 * and derives scopes by reachability from the project's direct dependencies.
 */
export class LockGraph {
  private readonly nodes: LockNode[] = [];
  private readonly byName = new Map<string, LockNode[]>();
  private steps = 0;
  /** Set when MAX_GRAPH_STEPS ran out: edges or scopes are incomplete. */
  truncated = false;

  private step(): boolean {
    if (this.steps >= MAX_GRAPH_STEPS) {
      this.truncated = true;
      return false;
    }
    this.steps++;
    return true;
  }

  /** A warning for `path` when the graph was cut short. */
  truncationWarning(path: string): Warning[] {
    return this.truncated ? [{ location: { path }, message: `dependency graph larger than ${MAX_GRAPH_STEPS} steps: incomplete` }] : [];
  }

  add(node: LockNode): void {
    this.nodes.push(node);
    const key = normalizeName(node.pkg.name);
    const list = this.byName.get(key);
    if (list) list.push(node);
    else this.byName.set(key, [node]);
  }

  all(): readonly LockNode[] {
    return this.nodes;
  }

  resolve(ref: DepRef): LockNode[] {
    const list = this.byName.get(normalizeName(ref.name)) ?? [];
    if (ref.version === undefined || list.length <= 1) return list;
    const exact = list.filter((n) => n.pkg.version === ref.version);
    return exact.length > 0 ? exact : list;
  }

  /** `depends-on` edges for every node's dependencies and extras; `extraFrom` adds edges from a node not in the graph (the root). */
  relationships(extraFrom: readonly { from: string; refs: readonly DepRef[] }[] = []): Relationship[] {
    this.steps = 0;
    const out = new Map<string, Relationship>();
    const link = (from: string, refs: readonly DepRef[]): void => {
      for (const ref of refs) {
        for (const target of this.resolve(ref)) {
          if (!this.step()) return;
          if (target.pkg.purl === from) continue;
          out.set(`${from}\u0000${target.pkg.purl}`, { from, to: target.pkg.purl, type: 'depends-on' });
        }
      }
    };
    for (const n of this.nodes) {
      link(n.pkg.purl, n.deps);
      for (const refs of n.extraDeps?.values() ?? []) link(n.pkg.purl, refs);
    }
    for (const e of extraFrom) link(e.from, e.refs);
    return [...out.values()];
  }

  /**
   * Scope of each node reachable from `starts`: every node reached through required edges is
   * 'required'; of the rest, those reached from optional starts are 'optional', then 'dev'.
   * Following an edge that names extras also follows the target's dependencies for those extras.
   * Returns purl → scope for the reached nodes only.
   */
  reachableScopes(starts: readonly { ref: DepRef; scope: Scope }[]): Map<string, Scope> {
    this.steps = 0;
    const scopes = new Map<string, Scope>();
    const visited = new Set<string>();
    for (const scope of SCOPE_ORDER) {
      const queue: { node: LockNode; extras: readonly string[] }[] = [];
      for (const s of starts) if (s.scope === scope) for (const n of this.resolve(s.ref)) queue.push({ node: n, extras: s.ref.extras ?? [] });
      while (queue.length > 0) {
        const { node, extras } = queue.pop()!;
        const purl = node.pkg.purl;
        const next: DepRef[] = [];
        if (!visited.has(purl)) {
          visited.add(purl);
          next.push(...node.deps);
        }
        for (const extra of extras) {
          const key = `${purl}\u0000[${normalizeName(extra)}]`;
          if (visited.has(key)) continue;
          visited.add(key);
          next.push(...(node.extraDeps?.get(normalizeName(extra)) ?? []));
        }
        if (!scopes.has(purl)) scopes.set(purl, scope);

        for (const ref of next) {
          for (const t of this.resolve(ref)) {
            if (!this.step()) return scopes;
            const extras = ref.extras ?? [];
            if (visited.has(t.pkg.purl) && extras.length === 0) continue;
            queue.push({ node: t, extras });
          }
        }
      }
    }
    return scopes;
  }
}

/** The smaller of two scopes in the order required < optional < dev. */
export function widerScope(a: Scope, b: Scope): Scope {
  return SCOPE_ORDER.indexOf(a) <= SCOPE_ORDER.indexOf(b) ? a : b;
}
