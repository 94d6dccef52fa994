import semver from 'semver';
import { schemeFromParser, type VersionScheme } from './scheme.ts';

// SemVer 2.0.0 §11 precedence via node-semver with `loose` off: strict grammar, prerelease
// identifiers compared numerically/ASCII, build metadata ignored.
const strict = (v: string): semver.SemVer | undefined => {
  try {
    return semver.parse(v, { loose: false }) ?? undefined;
  } catch {
    return undefined;
  }
};

/** npm: node-semver, the library npm itself uses. */
export const npmScheme: VersionScheme = schemeFromParser('npm', strict, (a, b) => semver.compare(a, b));

/** crates.io: Cargo follows SemVer 2.0.0 precedence. */
export const cratesScheme: VersionScheme = schemeFromParser('crates.io', strict, (a, b) => semver.compare(a, b));

/**
 * Go modules: `vMAJOR.MINOR.PATCH[-pre][+build]` (golang.org/ref/mod#versions). Pseudo-versions
 * (`v0.0.0-20191109021931-daa7c04131f5`) are SemVer prereleases and order correctly as such;
 * `+incompatible` is build metadata and ignored. The leading `v` is optional here because OSV
 * records omit it.
 */
export const goScheme: VersionScheme = schemeFromParser(
  'Go',
  (v) => strict(v.startsWith('v') ? v.slice(1) : v),
  (a, b) => semver.compare(a, b),
);
