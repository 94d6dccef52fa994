/**
 * Cargo.lock, every format version Cargo has written (cargo src/cargo/core/resolver/encode.rs):
 * - v1 (no `version` key): dependencies spelt `name version (source)`, checksums in a
 *   `[metadata]` table as `"checksum name version (source)" = "<sha256>"`;
 * - v2 (no `version` key either): `checksum` on each `[[package]]`, dependencies shortened to
 *   `name` when one package has that name, `name version` when several versions do, and
 *   `name version (source)` when several sources do;
 * - v3 (`version = 3`): as v2; v4 (`version = 4`): as v3, with percent-encoded git URLs.
 * A hybrid v2 file with a leftover `[metadata]` table is read too.
 *
 * Packages without `source` are the local crates (workspace members and path dependencies);
 * the local crates no other package depends on are the roots. Cargo.lock does not record
 * dev-dependencies separately, so every package has the required scope.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import type { Hash, Relationship, Warning } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';

/** The index crates.io packages come from, in its git and sparse spellings. */
const CRATES_IO = new Set(['registry+https://github.com/rust-lang/crates.io-index', 'sparse+https://index.crates.io/']);

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

interface Crate {
  readonly name: string;
  readonly version: string;
  /** '' for a local crate. */
  readonly source: string;
  readonly checksum: string | undefined;
  readonly dependencies: readonly string[];
  readonly purl: string;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * purl-spec cargo: `pkg:cargo/name@version`. Crates from another registry carry
 * `repository_url`, git crates `vcs_url` (`git+URL@commit`), so that a git checkout and the
 * released crate of the same name and version (both may be in one Cargo.lock) stay apart.
 */
export function cargoPurl(name: string, version: string, source: string): string {
  const qualifiers: Record<string, string> = {};
  if (source.startsWith('git+')) {
    const hash = source.indexOf('#');
    const url = (hash < 0 ? source : source.slice(0, hash)).replace(/\?.*$/, '');
    qualifiers.vcs_url = hash < 0 ? url : `${url}@${source.slice(hash + 1)}`;
  } else if (source !== '' && !CRATES_IO.has(source)) {
    const plus = source.indexOf('+');
    qualifiers.repository_url = plus < 0 ? source : source.slice(plus + 1);
  }
  return buildPurl({ type: 'cargo', name, version, qualifiers });
}

/** The parts of a dependency reference: `name`, `name version`, `name version (source)`. */
function parseDependency(dep: string): { name: string; version?: string; source?: string } | undefined {
  const m = /^(\S+)(?: (\S+))?(?: \((.+)\))?$/.exec(dep.trim());
  if (!m) return undefined;
  return { name: m[1]!, ...(m[2] !== undefined ? { version: m[2] } : {}), ...(m[3] !== undefined ? { source: m[3] } : {}) };
}

/** A dependency's source names the git repository without the `#commit` the package's source ends with. */
function sameSource(pkgSource: string, depSource: string): boolean {
  if (pkgSource === depSource) return true;
  const hash = pkgSource.indexOf('#');
  return hash >= 0 && pkgSource.slice(0, hash) === depSource;
}

function readToml(text: string): Record<string, unknown> {
  try {
    return parseToml(text, { maxDepth: 32 });
  } catch (err) {
    if (err instanceof TomlError) throw new FileParseError(`not TOML: ${err.message.split('\n')[0]}`, err.line, err);
    throw err;
  }
}

export async function parseCargoLock(path: string, ctx: ParseContext): Promise<ParseResult> {
  const doc = readToml(await ctx.readText(path));
  const warnings: Warning[] = [];

  const rawPackages = doc.package ?? [];
  if (!Array.isArray(rawPackages)) throw new FileParseError('`package` must be an array of tables');
  if (doc.version !== undefined && typeof doc.version !== 'number') throw new FileParseError('`version` must be an integer');
  if (doc.metadata !== undefined && !isTable(doc.metadata)) throw new FileParseError('`metadata` must be a table');
  const metadataTable = doc.metadata ?? {};

  const crates: Crate[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of rawPackages.entries()) {
    const where = `[[package]] #${i + 1}`;
    if (!isTable(raw) || typeof raw.name !== 'string' || raw.name === '' || typeof raw.version !== 'string') {
      warnings.push({ location: { path }, message: `${where}: needs string \`name\` and \`version\`: skipped` });
      continue;
    }
    const name = raw.name;
    const version = raw.version;
    const source = typeof raw.source === 'string' ? raw.source : '';
    const key = `${name} ${version} (${source})`;
    if (seen.has(key)) continue;
    seen.add(key);
    let checksum: string | undefined;
    const legacy = metadataTable[`checksum ${key}`];
    for (const c of [raw.checksum, legacy]) {
      if (typeof c === 'string' && SHA256_HEX.test(c)) checksum ??= c.toLowerCase();
    }
    const deps = raw.dependencies ?? [];
    if (!Array.isArray(deps) || !deps.every((d): d is string => typeof d === 'string')) {
      warnings.push({ location: { path }, message: `${where} (${name}): \`dependencies\` must be an array of strings: ignored` });
    }
    crates.push({
      name,
      version,
      source,
      checksum,
      dependencies: Array.isArray(deps) ? deps.filter((d): d is string => typeof d === 'string') : [],
      purl: cargoPurl(name, version, source),
    });
  }

  const byName = new Map<string, Crate[]>();
  for (const c of crates) {
    const list = byName.get(c.name);
    if (list) list.push(c);
    else byName.set(c.name, [c]);
  }

  const relationships: Relationship[] = [];
  const dependedOn = new Set<string>();
  for (const c of crates) {
    for (const d of c.dependencies) {
      const ref = parseDependency(d);
      if (!ref) {
        warnings.push({ location: { path }, message: `${c.name} ${c.version}: malformed dependency ${JSON.stringify(d)}` });
        continue;
      }
      const hits = (byName.get(ref.name) ?? []).filter(
        (t) => (ref.version === undefined || t.version === ref.version) && (ref.source === undefined || sameSource(t.source, ref.source)),
      );
      // No hit: a truncated lock names a crate it does not list. Several: an ambiguous
      // reference Cargo would not write. Neither gives an edge.
      if (hits.length !== 1) continue;
      const target = hits[0]!;
      dependedOn.add(target.purl);
      relationships.push({ from: c.purl, to: target.purl, type: 'depends-on' });
    }
  }

  const packages: PackageInput[] = crates.map((c) => {
    const hashes: Hash[] = c.checksum ? [{ alg: 'SHA-256', value: c.checksum }] : [];
    const local = c.source === '';
    return {
      name: c.name,
      version: c.version,
      type: 'cargo',
      purl: c.purl,
      hashes,
      ...(local && !dependedOn.has(c.purl) ? { isRoot: true } : {}),
      ...(local ? {} : { metadata: { source: c.source } }),
    };
  });
  return { packages, relationships, warnings };
}
