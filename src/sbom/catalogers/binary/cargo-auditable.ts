/**
 * Rust binaries built with cargo-auditable: the `.dep-v0` ELF section holds the crate graph as
 * zlib-compressed JSON (rust-secure-code/cargo-auditable PARSING.md and
 * cargo-auditable.schema.json):
 *
 *   {"format": 1, "packages": [{"name", "version", "source", "kind"?, "dependencies"?: [index...], "root"?}]}
 *
 * `source` is "crates.io", "git", "local", "registry" or another string (URLs are redacted);
 * `kind` is "build" or "runtime" (the default; a crate both build and runtime is "runtime");
 * `dependencies` index into `packages`. Checks, after auditable-serde's VersionInfo
 * (validation.rs): at most one root, no cycles; and every index in range. Broken data is a
 * FileParseError (a warning naming the file): the section's presence says the file is meant to
 * be an auditable binary.
 *
 * What is reported: every crate as `pkg:cargo/name@version`, whatever its source, as syft and
 * trivy do (a git or other-registry crate's URL is redacted in the data, so the `vcs_url` or
 * `repository_url` the Cargo.lock cataloger adds cannot be known; the source is kept in
 * metadata); a local crate gets the same purl as the Cargo.lock cataloger gives a local crate,
 * so the binary's root merges with the workspace it was built from. The root package is the
 * root. Build-time crates (`kind: build`: build scripts, proc macros and what they use) are
 * not in the binary: syft and trivy leave them out; Vouch keeps them with scope `dev` (build or
 * test only), which `--no-dev` drops, giving syft's and trivy's list.
 * Relationships follow `dependencies`.
 */
import { inflateSync } from 'node:zlib';
import { VouchError } from '../../../core/index.ts';
import type { Relationship, Warning } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import { FileParseError, type PackageInput, type ParseContext, type ParseResult } from '../../generic/index.ts';
import { ElfFormatError, readSection } from './elf.ts';
import { CARGO_AUDITABLE_SECTION, probeElf } from './probe.ts';

/** PARSING.md: "8 MiB should be more than enough to hold any legitimate audit data" (decompressed). */
export const MAX_AUDIT_JSON_BYTES = 8 * 1024 * 1024;
/** The compressed section cannot usefully be larger than what it may expand to. */
const MAX_SECTION_BYTES = MAX_AUDIT_JSON_BYTES;
/** Most dependency edges accepted from one binary. */
const MAX_EDGES = 1_000_000;

interface AuditPackage {
  readonly name: string;
  readonly version: string;
  readonly source: string;
  readonly build: boolean;
  readonly dependencies: readonly number[];
  readonly root: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parser for any file: the crates of a cargo-auditable ELF binary; nothing for other files. */
export async function parseCargoAuditable(path: string, ctx: ParseContext): Promise<ParseResult> {
  const probed = await probeElf(path, ctx);
  const sec = probed?.elf.sections.get(CARGO_AUDITABLE_SECTION);
  if (!probed || !sec) return { packages: [] };
  if (sec.size > MAX_SECTION_BYTES) throw new FileParseError(`${CARGO_AUDITABLE_SECTION} section of ${sec.size} bytes is over the ${MAX_SECTION_BYTES}-byte limit`);
  let compressed: Buffer;
  try {
    compressed = await readSection(probed.src, sec, MAX_SECTION_BYTES);
  } catch (err) {
    if (err instanceof ElfFormatError) throw new FileParseError(`${CARGO_AUDITABLE_SECTION}: ${err.message}`);
    throw err;
  }
  const limit = Math.min(MAX_AUDIT_JSON_BYTES, ctx.limits.maxArchiveEntryBytes);
  return auditablePackages(inflateAuditData(compressed, limit), path);
}

/** zlib-decompress the section, refusing to produce more than `limit` bytes (decompression bombs). */
export function inflateAuditData(compressed: Buffer, limit: number): string {
  let json: Buffer;
  try {
    json = inflateSync(compressed, { maxOutputLength: limit });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new VouchError('LIMIT_EXCEEDED', `${CARGO_AUDITABLE_SECTION}: decompresses to more than ${limit} bytes`, { cause: err });
    }
    throw new FileParseError(`${CARGO_AUDITABLE_SECTION}: not zlib data: ${(err as Error).message}`, undefined, err);
  }
  // PARSING.md: well-formed audit data is UTF-8; rejecting anything else is valid.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch (err) {
    throw new FileParseError(`${CARGO_AUDITABLE_SECTION}: not UTF-8`, undefined, err);
  }
}

/** Validate the audit JSON text and turn it into packages and relationships. */
export function auditablePackages(text: string, path: string): ParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FileParseError(`${CARGO_AUDITABLE_SECTION}: not JSON: ${(err as Error).message}`, undefined, err);
  }
  if (!isRecord(doc) || !Array.isArray(doc.packages)) throw new FileParseError(`${CARGO_AUDITABLE_SECTION}: want an object with a "packages" array`);
  const format = doc.format;
  if (format !== undefined && !(typeof format === 'number' && Number.isSafeInteger(format) && format >= 0)) {
    throw new FileParseError(`${CARGO_AUDITABLE_SECTION}: "format" must be a non-negative integer`);
  }
  const raw: unknown[] = doc.packages;
  const list: AuditPackage[] = [];
  let edges = 0;
  for (const [i, p] of raw.entries()) {
    const where = `${CARGO_AUDITABLE_SECTION}: packages[${i}]`;
    if (!isRecord(p)) throw new FileParseError(`${where} is not an object`);
    const { name, version, source, kind, dependencies, root } = p;
    if (typeof name !== 'string' || name === '') throw new FileParseError(`${where}: "name" must be a non-empty string`);
    if (typeof version !== 'string' || version === '') throw new FileParseError(`${where} (${name}): "version" must be a non-empty string`);
    if (typeof source !== 'string') throw new FileParseError(`${where} (${name}): "source" must be a string`);
    if (kind !== undefined && kind !== 'build' && kind !== 'runtime') throw new FileParseError(`${where} (${name}): "kind" must be "build" or "runtime"`);
    if (root !== undefined && typeof root !== 'boolean') throw new FileParseError(`${where} (${name}): "root" must be a boolean`);
    const deps = dependencies ?? [];
    if (!Array.isArray(deps)) throw new FileParseError(`${where} (${name}): "dependencies" must be an array`);
    for (const d of deps) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d >= raw.length) {
        throw new FileParseError(`${where} (${name}): dependency ${JSON.stringify(d)} is not the index of a package`);
      }
    }
    edges += deps.length;
    if (edges > MAX_EDGES) throw new VouchError('LIMIT_EXCEEDED', `${CARGO_AUDITABLE_SECTION}: more than ${MAX_EDGES} dependency edges`);
    list.push({ name, version, source, build: kind === 'build', dependencies: deps as number[], root: root === true });
  }
  if (list.filter((p) => p.root).length > 1) throw new FileParseError(`${CARGO_AUDITABLE_SECTION}: more than one root package`);
  if (hasCycle(list)) throw new FileParseError(`${CARGO_AUDITABLE_SECTION}: the dependency graph has a cycle`);

  const warnings: Warning[] = [];
  const purls: (string | undefined)[] = list.map((p) => {
    try {
      return buildPurl({ type: 'cargo', name: p.name, version: p.version });
    } catch (err) {
      if (!(err instanceof VouchError)) throw err;
      warnings.push({ location: { path }, message: `cargo-auditable: crate ${JSON.stringify(p.name)} skipped: ${err.message}` });
      return undefined;
    }
  });
  const packages: PackageInput[] = [];
  const byPurl = new Map<string, number>();
  for (const [i, p] of list.entries()) {
    const purl = purls[i];
    if (purl === undefined) continue;
    const prev = byPurl.get(purl);
    if (prev !== undefined) {
      // The same name and version from two sources (crates.io and git, say): one purl, the
      // strongest kind wins, the root stays the root.
      const q = packages[prev]!;
      packages[prev] = { ...q, scope: q.scope === 'required' || !p.build ? 'required' : 'dev', ...(p.root || q.isRoot === true ? { isRoot: true } : {}) };
      continue;
    }
    byPurl.set(purl, packages.length);
    const metadata: Record<string, string> = { source: p.source };
    if (p.root && format !== undefined) metadata.auditableFormat = String(format);
    packages.push({
      name: p.name,
      version: p.version,
      type: 'cargo',
      purl,
      scope: p.build ? 'dev' : 'required',
      ...(p.root ? { isRoot: true } : {}),
      metadata,
    });
  }
  const relationships: Relationship[] = [];
  for (const [i, p] of list.entries()) {
    const from = purls[i];
    if (from === undefined) continue;
    for (const d of p.dependencies) {
      const to = purls[d];
      if (to !== undefined && to !== from) relationships.push({ from, to, type: 'depends-on' });
    }
  }
  return { packages, relationships, warnings };
}

/** Kahn's algorithm: true when some packages can never be taken off (they are on a cycle). */
function hasCycle(list: readonly AuditPackage[]): boolean {
  const indegree = new Array<number>(list.length).fill(0);
  for (const p of list) for (const d of p.dependencies) indegree[d]!++;
  const ready: number[] = [];
  for (const [i, n] of indegree.entries()) if (n === 0) ready.push(i);
  let taken = 0;
  while (ready.length > 0) {
    const i = ready.pop()!;
    taken++;
    for (const d of list[i]!.dependencies) if (--indegree[d]! === 0) ready.push(d);
  }
  return taken !== list.length;
}
