/**
 * OS packages: dpkg (Debian, Ubuntu, distroless), apk (Alpine, Wolfi) and rpm (Red Hat family,
 * SUSE, Azure Linux) databases, with purls qualified by the distribution found beside them
 * (os-release; ./distro.ts).
 *
 * The catalogers' `select` lists, besides the databases, the other files their parsers read
 * (the distro identity files and, for dpkg, the copyright files), so an image source can
 * fetch them all in one pass over its layers.
 */
import type { FileResolver } from '../../source/resolver.ts';
import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { APK_DIRS, APK_GLOBS, parseApkInstalled } from './apk.ts';
import { DISTRO_FILES, distroFilesAt, rootOf } from './distro.ts';
import { DPKG_DIR, DPKG_GLOBS, DPKG_STATUS_D_GLOBS, dpkgCompanions, parseDpkgStatus, parseDpkgStatusD } from './dpkg.ts';
import { RPM_MANIFEST_DIR, RPM_MANIFEST_GLOBS, RPMDB_DIRS, RPMDB_GLOBS } from './rpm/globs.ts';

export { detectDistro, detectDistroAt, DISTRO_FILES, parseOsRelease, distroFromOsRelease } from './distro.ts';
export { parseDpkgStatus, parseDpkgStatusD } from './dpkg.ts';
export { parseApkInstalled } from './apk.ts';
export { licensesFromCopyright } from './dep5.ts';

/**
 * A cataloger whose `select` also names the files its parsers read beside the databases of
 * each root filesystem (`rootOfDb`: a database path → its root prefix).
 */
function withCompanions(
  inner: Cataloger,
  rootOfDb: (db: string) => string,
  companions: (resolver: FileResolver, root: string) => readonly string[],
  mayBeCompanion: (path: string) => boolean,
): Cataloger {
  return {
    name: inner.name,
    select(resolver) {
      const dbs = inner.select(resolver);
      const out = new Set(dbs);
      for (const root of new Set(dbs.map(rootOfDb))) for (const c of companions(resolver, root)) out.add(c);
      return [...out];
    },
    // What select() adds, told from the path alone (an image keeps these while indexing its layers).
    wants: (path, info) => inner.wants?.(path, info) || (mayBeCompanion(path) ? 'read' : false),
    catalog: (ctx) => inner.catalog(ctx),
  };
}

/** A path distroFilesAt() may list, under any root. */
function mayBeDistroFile(path: string): boolean {
  return DISTRO_FILES.some((f) => f !== 'bin/busybox' && (path === f || path.endsWith(`/${f}`)));
}

/** A path distroFilesAt() or dpkgCompanions() may list, under any root. */
function mayBeDpkgCompanion(path: string): boolean {
  return /(?:^|\/)usr\/share\/doc\/[^/]+\/copyright$/.test(path) || mayBeDistroFile(path);
}

export const dpkgCataloger: Cataloger = withCompanions(
  genericCataloger('dpkg-db-cataloger', [
    { globs: DPKG_GLOBS, parse: parseDpkgStatus },
    { globs: DPKG_STATUS_D_GLOBS, parse: parseDpkgStatusD },
  ]),
  (db) => rootOf(db, DPKG_DIR),
  (resolver, root) => [...distroFilesAt(resolver, root), ...dpkgCompanions(resolver, root)],
  mayBeDpkgCompanion,
);

export const apkCataloger: Cataloger = withCompanions(
  genericCataloger('apk-db-cataloger', [{ globs: APK_GLOBS, parse: parseApkInstalled }]),
  (db) => rootOf(db, APK_DIRS),
  distroFilesAt,
  mayBeDistroFile,
);

export const rpmCataloger: Cataloger = withCompanions(
  genericCataloger('rpm-db-cataloger', [
    // rpm's parsers (and their libraries) are loaded only when a source holds an rpm database.
    { globs: RPMDB_GLOBS, load: async () => (await import('./rpm/index.ts')).parseRpmdb },
    { globs: RPM_MANIFEST_GLOBS, load: async () => (await import('./rpm/manifest.ts')).parseRpmManifest },
  ]),
  (db) => rootOf(db, [RPM_MANIFEST_DIR, ...RPMDB_DIRS]),
  distroFilesAt,
  mayBeDistroFile,
);

export const catalogers: readonly Cataloger[] = [dpkgCataloger, apkCataloger, rpmCataloger];
