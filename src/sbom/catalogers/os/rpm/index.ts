/**
 * Installed rpm packages from the rpm database, in whichever of its three storage formats the
 * file holds (recognised by content, not name):
 *
 *   SQLite        `rpmdb.sqlite`   rpm ≥ 4.16: Fedora ≥ 33, RHEL/Rocky/Alma ≥ 9, Azure Linux   (./sqlite.ts)
 *   NDB           `Packages.db`    SUSE (rpm-ndb)                                               (@snyk/rpm-parser)
 *   Berkeley DB   `Packages`       RHEL/CentOS ≤ 8, Amazon Linux 2                              (./bdb.ts)
 *
 * under `var/lib/rpm/` or `usr/lib/sysimage/rpm/`. Each database yields rpm header blobs,
 * decoded by ./header.ts. When a directory holds more than one format (an old `Packages` left
 * after a conversion to SQLite), only the one rpm uses is read: SQLite, then NDB, then BDB.
 *
 * Each package: name; version `[epoch:]version-release` (rpm's EVR, epoch only when not 0);
 * purl version `version-release` with `epoch` as a qualifier (purl-spec rpm type), `arch`,
 * `upstream` = the source RPM file name (syft's qualifier, matched by grype); the license as
 * declared (normalised to SPDX where possible); vendor, source RPM and modularity label as
 * metadata. `gpg-pubkey` entries are the signing keys rpm imported, not packages: skipped.
 * rpm's own dependency graph (Requires/Provides) is not read.
 */
import { bufferToNdbValues } from '@snyk/rpm-parser/dist/ndb/index.js';
import type { Distro, Warning } from '../../../../formats/model/index.ts';
import { FileParseError, normalizeLicenses, type PackageInput, type ParseContext, type ParseResult } from '../../../generic/index.ts';
import { dirOf, joinPath } from '../../../source/resolver.ts';
import { detectDistroAt, rootOf } from '../distro.ts';
import { osPurl } from '../purl.ts';
import { berkeleyDbValues, isBerkeleyDbHash } from './bdb.ts';
import { RPMDB_DIRS, RPMDB_FILES } from './globs.ts';
import { parseRpmHeader, type RpmHeader } from './header.ts';
import { isSqlite, sqliteBlobs } from './sqlite.ts';

export { parseRpmHeader, type RpmHeader } from './header.ts';

export { RPMDB_DIRS, RPMDB_GLOBS } from './globs.ts';
const DB_FILES = RPMDB_FILES;

const NDB_MAGIC = 0x506d7052; // "RpmP", little-endian

export function rpmVersion(h: Pick<RpmHeader, 'version' | 'release' | 'epoch'>): string {
  const vr = h.release === '' ? h.version : `${h.version}-${h.release}`;
  return h.epoch !== undefined && h.epoch !== 0 ? `${h.epoch}:${vr}` : vr;
}

export function rpmPurl(h: Pick<RpmHeader, 'name' | 'version' | 'release' | 'epoch' | 'arch' | 'sourceRpm'>, distro: Distro | undefined): string {
  const vr = h.release === '' ? h.version : `${h.version}-${h.release}`;
  return osPurl('rpm', distro, h.name, vr, {
    arch: h.arch,
    epoch: h.epoch !== undefined && h.epoch !== 0 ? String(h.epoch) : undefined,
    upstream: h.sourceRpm,
  });
}

export function rpmPackage(h: RpmHeader, distro: Distro | undefined, path: string): PackageInput {
  const metadata: Record<string, string> = { release: h.release };
  if (h.epoch !== undefined) metadata.epoch = String(h.epoch);
  if (h.arch !== undefined) metadata.architecture = h.arch;
  if (h.sourceRpm !== undefined) metadata.sourceRpm = h.sourceRpm;
  if (h.vendor !== undefined && h.vendor !== '') metadata.vendor = h.vendor;
  if (h.modularityLabel !== undefined && h.modularityLabel !== '') metadata.modularityLabel = h.modularityLabel;
  return {
    name: h.name,
    version: rpmVersion(h),
    type: 'rpm',
    purl: rpmPurl(h, distro),
    licenses: h.license === undefined ? [] : normalizeLicenses([h.license]),
    scope: 'required',
    locations: [{ path }],
    metadata,
  };
}

/** The header blobs of an rpmdb in any of its formats, plus what could not be read. */
export async function rpmdbBlobs(data: Buffer, maxRows: number): Promise<{ blobs: Buffer[]; warnings: string[] }> {
  if (data.length === 0) throw new FileParseError('empty rpm database');
  if (isSqlite(data)) return { blobs: sqliteBlobs(data, maxRows), warnings: [] };
  if (data.length >= 32 && data.readUInt32LE(0) === NDB_MAGIC) {
    try {
      return { blobs: await bufferToNdbValues(data), warnings: [] };
    } catch (err) {
      throw new FileParseError(`unreadable NDB rpm database: ${(err as Error).message}`);
    }
  }
  if (isBerkeleyDbHash(data)) {
    const r = berkeleyDbValues(data);
    const warnings: string[] = [];
    if (r.missingPages > 0) warnings.push(`the database is truncated: ${r.missingPages} pages missing, packages on them not read`);
    if (r.skipped > 0) warnings.push(`${r.skipped} damaged entries skipped`);
    return { blobs: r.blobs, warnings };
  }
  throw new FileParseError('not an rpm database (neither SQLite, NDB nor Berkeley DB)');
}

/** `Packages` when `rpmdb.sqlite` is beside it, and so on: rpm no longer reads it. */
function supersededBy(path: string, ctx: ParseContext): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const rank = DB_FILES.indexOf(name as (typeof DB_FILES)[number]);
  for (const better of DB_FILES.slice(0, Math.max(0, rank))) {
    const p = joinPath(dirOf(path), better);
    if (p !== undefined && ctx.resolver.get(p)) return p;
  }
  return undefined;
}

/** An rpmdb file. */
export async function parseRpmdb(path: string, ctx: ParseContext): Promise<ParseResult> {
  const newer = supersededBy(path, ctx);
  if (newer !== undefined) {
    ctx.logger.debug(`rpm: ${path} skipped: ${newer} is the database rpm uses`);
    return { packages: [] };
  }
  const { blobs, warnings: notes } = await rpmdbBlobs(await ctx.resolver.read(path), ctx.limits.maxPackagesPerFile);
  const distro = await detectDistroAt(ctx.resolver, rootOf(path, RPMDB_DIRS));
  const packages: PackageInput[] = [];
  let bad = 0;
  let firstError = '';
  for (const blob of blobs) {
    let h: RpmHeader;
    try {
      h = parseRpmHeader(blob);
    } catch (err) {
      bad++;
      firstError ||= (err as Error).message;
      continue;
    }
    if (h.name === 'gpg-pubkey') continue;
    packages.push(rpmPackage(h, distro, path));
  }
  if (blobs.length > 0 && packages.length === 0 && bad === blobs.length) {
    throw new FileParseError(`no readable package header (${firstError})`);
  }
  const warnings: Warning[] = notes.map((m) => ({ location: { path }, message: `rpm: ${m}` }));
  if (bad > 0) warnings.push({ location: { path }, message: `rpm: ${bad} unreadable package headers skipped (${firstError})` });
  if (path.endsWith('rpmdb.sqlite') && (await nonEmpty(ctx, `${path}-wal`))) {
    warnings.push({ location: { path }, message: 'rpm: rpmdb.sqlite-wal is not empty; packages installed since its last checkpoint may be missing' });
  }
  return { packages, warnings };
}

async function nonEmpty(ctx: ParseContext, path: string): Promise<boolean> {
  if (!ctx.resolver.get(path)) return false;
  try {
    return (await ctx.resolver.read(path, 0)).length > 0;
  } catch {
    return true; // over the 0-byte limit: not empty
  }
}
