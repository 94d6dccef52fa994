/**
 * Where rpm databases and the rpm manifest of CBL-Mariner/Azure Linux distroless images live,
 * apart from their parsers so that os/index.ts can name them without loading the parsers (and
 * their libraries) on sources that hold no such files.
 */
export const RPMDB_DIRS: readonly string[] = ['var/lib/rpm/', 'usr/lib/sysimage/rpm/'];
/** Database file names, best first (sqlite, ndb, Berkeley DB). */
export const RPMDB_FILES = ['rpmdb.sqlite', 'Packages.db', 'Packages'] as const;
export const RPMDB_GLOBS: readonly string[] = RPMDB_DIRS.flatMap((d) => RPMDB_FILES.map((f) => `**/${d}${f}`));
export const RPM_MANIFEST_DIR = 'var/lib/rpmmanifest/';
export const RPM_MANIFEST_GLOBS: readonly string[] = [`**/${RPM_MANIFEST_DIR}container-manifest-2`];
