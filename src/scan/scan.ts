/**
 * `scan(target, options)`: the library entry point of `vouch scan`.
 *
 *   target ─┬─ sbom:FILE, or a file that is CycloneDX/SPDX JSON ─→ scan/input readSbom ─┐
 *           └─ anything `vouch sbom` accepts ─→ sbom.buildInventory ────────────────────┴→ Inventory
 *   Inventory ─→ scan/match matchPackages (read-only SQLite index) ─→ --only-fixed
 *             ─→ scan/suppress (VEX documents, .vouchignore) ─→ ScanResult (reports in scan/report)
 *
 * The result keeps, per finding, the package's locations (the lockfile or file that declared it,
 * the image layer), so reports can point at them. The database's age is checked against
 * `maxDbAgeDays` and reported (a warning through the logger, never a failure).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { silentLogger, VouchError, type Logger } from '../core/index.ts';
import type { Inventory, Location, SourceDescription, Warning } from '../formats/model/index.ts';
import { parsePurl } from '../formats/purl/index.ts';
import { buildInventory, parseTarget, type InventoryOptions } from '../sbom/index.ts';
import type { DatabaseSync } from 'node:sqlite';
import { advisoryDbBuiltAt, openAdvisoryDb } from './db/index.ts';
import { readSbom, type SbomFormat, type SbomInput, looksLikeSbom, DEFAULT_SBOM_LIMITS } from './input/index.ts';
import { matchPackages, PURL_TYPE_TO_ECOSYSTEM, type Finding, type MatchPackage } from './match/index.ts';
import { severityRank, type FindingSeverity, type SeverityLevel } from './severity/index.ts';
import {
  applySuppressions,
  IGNORE_FILE_NAME,
  parseIgnoreFile,
  parseVex,
  type IgnoreRule,
  type Suppression,
  type VexStatement,
} from './suppress/index.ts';

export const DEFAULT_MAX_DB_AGE_DAYS = 7;
export const SEVERITY_LEVELS: readonly SeverityLevel[] = ['unknown', 'none', 'low', 'medium', 'high', 'critical'];

export interface ScanOptions {
  /** Path of the advisory index (`vouch db import` builds it). */
  readonly db: string;
  /** Options for building the inventory of a non-SBOM target (image flags, excludes, limits...). */
  readonly inventory?: InventoryOptions;
  /** A `.vouchignore` to use; default: `.vouchignore` in the target directory (or a file target's directory), if there. */
  readonly ignoreFile?: string;
  /** OpenVEX / CycloneDX VEX documents (paths). */
  readonly vex?: readonly string[];
  /** Keep only findings that have a fixed version. */
  readonly onlyFixed?: boolean;
  /** Warn when the index was built more than this many days ago (default 7). */
  readonly maxDbAgeDays?: number;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

export interface ScanPackage {
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  readonly type: string;
  readonly locations: readonly Location[];
}

/** One vulnerability in one package. */
export interface ScanMatch {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary?: string;
  readonly severity: FindingSeverity;
  /** Fixed versions above the installed one, sorted; empty = no fix known. */
  readonly fixed: readonly string[];
  /** Distro advisories: the distro's own state. */
  readonly state?: 'affected' | 'will_not_fix';
  readonly note?: string;
  /** OSV ecosystem and name the advisory was matched under. */
  readonly ecosystem: string;
  readonly package: ScanPackage;
}

export interface ScanResult {
  readonly source: SourceDescription;
  /** When the target was an SBOM. */
  readonly sbom?: { readonly format: SbomFormat; readonly specVersion: string; readonly serialNumber?: string };
  readonly db: { readonly path: string; readonly builtAt?: string; readonly ageDays?: number; readonly stale: boolean; readonly maxAgeDays: number };
  /** Packages in the inventory, and how many of them could be looked up. */
  readonly packages: { readonly total: number; readonly matched: number };
  /** Findings that remain (after --only-fixed and suppression), sorted by package then id. */
  readonly matches: readonly ScanMatch[];
  readonly suppressed: readonly { readonly match: ScanMatch; readonly by: Suppression }[];
  /** `.vouchignore` entries past their expiry that matched a finding (which therefore remains). */
  readonly expiredIgnores: readonly IgnoreRule[];
  /** VEX statements that named a remaining finding without suppressing it (affected, under_investigation, not_affected without justification). */
  readonly vexNotApplied: readonly { readonly id: string; readonly purl: string; readonly status: string; readonly document: string }[];
  /** Findings left out by --only-fixed. */
  readonly withoutFix: number;
  /** Packages that could not be matched (purl type without advisories, bad version...). */
  readonly problems: readonly { readonly purl: string; readonly error: string }[];
  readonly warnings: readonly Warning[];
  /** The scanned inventory (for the CycloneDX report); not part of the JSON report. */
  readonly inventory: Inventory;
}

const OS_TYPES = new Set(['deb', 'apk', 'rpm']);

/** Is this an SBOM target? `sbom:FILE`, or a regular file whose content is CycloneDX/SPDX JSON. */
async function sbomPathOf(target: string): Promise<string | undefined> {
  if (target.startsWith('sbom:')) {
    const p = target.slice(5);
    if (p === '') throw new VouchError('BAD_TARGET', 'sbom: needs a path');
    return p;
  }
  let t;
  try {
    t = await parseTarget(target);
  } catch {
    return undefined; // buildInventory reports the target error itself
  }
  if (t.kind !== 'file') return undefined;
  let fh;
  try {
    fh = await open(t.path, 'r');
    const buf = Buffer.alloc(1024 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return looksLikeSbom(buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '')) ? t.path : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

function readSbomFile(path: string): SbomInput {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new VouchError('TARGET_NOT_FOUND', `${path}: no such file`, { cause: err });
  }
  if (size > DEFAULT_SBOM_LIMITS.maxBytes) throw new VouchError('LIMIT_EXCEEDED', `${path}: SBOM larger than ${DEFAULT_SBOM_LIMITS.maxBytes} bytes`);
  return readSbom(readFileSync(path, 'utf8'), path);
}

function readText(path: string, max: number, code: 'VEX_INVALID' | 'IGNORE_FILE_INVALID'): string {
  try {
    const st = statSync(path);
    if (st.size > max) throw new VouchError(code, `${path}: larger than ${max} bytes`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError(code, `${path}: cannot read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The `.vouchignore` to use: the given one (must exist), else one in the target's directory. */
async function ignoreFileOf(target: string, sbomPath: string | undefined, given: string | undefined): Promise<string | undefined> {
  if (given !== undefined) return given;
  let dir: string | undefined;
  if (sbomPath !== undefined) dir = dirname(sbomPath);
  else {
    const t = await parseTarget(target).catch(() => undefined);
    if (t?.kind === 'directory') dir = t.path;
    else if (t?.kind === 'file') dir = dirname(t.path);
  }
  if (dir === undefined) return undefined;
  const p = join(dir, IGNORE_FILE_NAME);
  return existsSync(p) ? p : undefined;
}

function packageKey(purl: string): string {
  return purl;
}

/** Which packages can be looked up at all (a purl type with advisories and a version). */
function matchable(purl: string, version: string): boolean {
  if (version === '') return false;
  try {
    const t = parsePurl(purl).type;
    return t in PURL_TYPE_TO_ECOSYSTEM || OS_TYPES.has(t);
  } catch {
    return false;
  }
}

export async function scan(target: string, options: ScanOptions): Promise<ScanResult> {
  const now = options.now ?? ((): Date => new Date());
  const maxAgeDays = options.maxDbAgeDays ?? DEFAULT_MAX_DB_AGE_DAYS;

  // The database first: a missing one is a clear error before any (slow) inventory work.
  if (!existsSync(options.db)) {
    throw new VouchError('DB_MISSING', `no advisory database at ${options.db}`, {
      hint: 'build one: vouch db import <OSV all.zip | folder>... (e.g. vouch db import Go-all.zip PyPI-all.zip), or pass --db FILE',
    });
  }
  // Opened once, read-only, schema checked; only its build time is read before matching (counting
  // advisories as `vouch db status` does would cost a scan of the whole index).
  const db = openAdvisoryDb(options.db);
  try {
    return await scanWith(db, target, options, now, maxAgeDays);
  } finally {
    db.close();
  }
}

async function scanWith(db: DatabaseSync, target: string, options: ScanOptions, now: () => Date, maxAgeDays: number): Promise<ScanResult> {
  const logger = options.logger ?? silentLogger;
  const builtAt = advisoryDbBuiltAt(db);
  const built = builtAt === undefined ? NaN : Date.parse(builtAt);
  const ageDays = Number.isNaN(built) ? undefined : (now().getTime() - built) / 86_400_000;
  const stale = ageDays === undefined || ageDays > maxAgeDays;
  if (stale) {
    logger.warn(
      ageDays === undefined
        ? `the advisory database ${options.db} has no build time; it may be out of date`
        : `the advisory database was built ${ageDays.toFixed(1)} days ago (more than ${maxAgeDays}); refresh it with \`vouch db import\``,
    );
  }

  // Read the VEX documents and the ignore file before scanning: a bad one fails fast.
  const vex: VexStatement[] = [];
  for (const v of options.vex ?? []) vex.push(...parseVex(readText(v, 64 * 1024 * 1024, 'VEX_INVALID'), v));

  const sbomPath = await sbomPathOf(target);
  const ignorePath = await ignoreFileOf(target, sbomPath, options.ignoreFile);
  const ignore = ignorePath === undefined ? [] : parseIgnoreFile(readText(ignorePath, 1024 * 1024, 'IGNORE_FILE_INVALID'), ignorePath);
  if (ignorePath !== undefined) logger.debug(`${ignorePath}: ${ignore.length} ignore rule(s)`);

  let inventory: Inventory;
  let sbom: SbomInput | undefined;
  if (sbomPath !== undefined) {
    sbom = readSbomFile(sbomPath);
    inventory = sbom.inventory;
  } else {
    inventory = await buildInventory(target, { logger, ...options.inventory });
  }

  const byPurl = new Map(inventory.packages.map((p) => [packageKey(p.purl), p]));
  const toMatch: MatchPackage[] = inventory.packages.filter((p) => matchable(p.purl, p.version)).map((p) => ({ purl: p.purl }));
  let findings: readonly Finding[];
  let problems: { purl: string; error: string }[];
  {
    const r = matchPackages(db, toMatch);
    findings = r.findings;
    problems = r.problems.map((p) => ({ purl: 'purl' in p.package ? p.package.purl : `${p.package.ecosystem}/${p.package.name}@${p.package.version}`, error: p.error }));
  }

  // One match per (package, id): distro releases with several ecosystems may repeat a finding.
  const seen = new Set<string>();
  let matches: ScanMatch[] = [];
  for (const f of findings) {
    const purl = 'purl' in f.package ? f.package.purl : '';
    const pkg = byPurl.get(packageKey(purl));
    if (pkg === undefined) continue;
    const key = `${purl}\u0000${f.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    matches.push({
      id: f.id,
      aliases: f.aliases,
      ...(f.summary === undefined ? {} : { summary: f.summary }),
      severity: f.severity ?? { level: 'unknown', source: 'none' },
      fixed: f.fixed,
      ...(f.state === undefined ? {} : { state: f.state }),
      ...(f.note === undefined ? {} : { note: f.note }),
      ecosystem: f.ecosystem,
      package: { name: pkg.name, version: pkg.version, purl: pkg.purl, type: pkg.type, locations: pkg.locations },
    });
  }
  matches.sort((a, b) => cmp(a.package.purl, b.package.purl) || cmp(a.id, b.id));

  let withoutFix = 0;
  if (options.onlyFixed === true) {
    const before = matches.length;
    matches = matches.filter((m) => m.fixed.length > 0);
    withoutFix = before - matches.length;
  }

  const image = inventory.source.image;
  const outcome = applySuppressions(
    matches,
    (m) => ({ id: m.id, aliases: m.aliases, purl: m.package.purl, name: m.package.name }),
    { ignore, vex },
    {
      now: now(),
      ...(image === undefined ? {} : { subjectDigests: [image.manifestDigest, image.configDigest], subjectNames: imageNames(image.reference, image.tags ?? []) }),
      ...(sbom?.serialNumber === undefined ? {} : { bomSerial: sbom.serialNumber, bomVersion: sbom.bomVersion ?? 1 }),
      packagePurls: new Set(inventory.packages.map((p) => p.purl)),
    },
  );
  for (const r of outcome.expired) {
    logger.warn(`${r.file}: entry ${r.index} (${r.ids.join(', ')}) expired on ${r.expires ?? '?'}; it no longer suppresses`);
  }

  return {
    source: inventory.source,
    ...(sbom === undefined ? {} : { sbom: { format: sbom.format, specVersion: sbom.specVersion, ...(sbom.serialNumber === undefined ? {} : { serialNumber: sbom.serialNumber }) } }),
    db: { path: options.db, ...(builtAt === undefined ? {} : { builtAt }), ...(ageDays === undefined ? {} : { ageDays: Math.round(ageDays * 100) / 100 }), stale, maxAgeDays },
    packages: { total: inventory.packages.length, matched: toMatch.length },
    matches: outcome.kept,
    suppressed: outcome.suppressed.map((s) => ({ match: s.finding, by: s.by })),
    expiredIgnores: outcome.expired,
    vexNotApplied: outcome.notApplied.map((n) => ({ id: n.finding.id, purl: n.finding.package.purl, status: n.statement.status, document: n.statement.document })),
    withoutFix,
    problems,
    warnings: inventory.warnings,
    inventory,
  };
}

/** Repository names of an image (`registry:5000/team/app:1.0` → `app`), for VEX products named `pkg:oci/app`. */
function imageNames(reference: string, tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const r of [reference, ...tags]) {
    if (r.startsWith('/') || r.startsWith('.')) continue; // a layout or archive path
    const noDigest = r.split('@')[0]!;
    const last = noDigest.split('/').at(-1)!;
    const name = last.split(':')[0]!;
    if (/^[a-z0-9][a-z0-9._-]*$/.test(name)) out.add(name);
  }
  return [...out];
}

/** Parse a `--fail-on` level. */
export function parseSeverityLevel(s: string): SeverityLevel | undefined {
  const l = s.toLowerCase();
  return (SEVERITY_LEVELS as readonly string[]).includes(l) ? (l as SeverityLevel) : undefined;
}

/** The remaining matches at or above `level` (unknown ranks lowest, as in grype). */
export function matchesAtOrAbove(result: ScanResult, level: SeverityLevel): ScanMatch[] {
  const min = severityRank(level);
  return result.matches.filter((m) => severityRank(m.severity.level) >= min);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
