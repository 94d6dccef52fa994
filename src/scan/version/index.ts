import { alpineScheme } from './alpine.ts';
import { debianScheme } from './debian.ts';
import { mavenScheme } from './maven.ts';
import { nugetScheme } from './nuget.ts';
import { packagistScheme } from './packagist.ts';
import { pypiScheme } from './pypi.ts';
import { rpmScheme } from './rpm.ts';
import { rubygemsScheme } from './rubygems.ts';
import type { VersionScheme } from './scheme.ts';
import { cratesScheme, goScheme, npmScheme } from './semver.ts';

export { MAX_VERSION_LENGTH, type VersionScheme } from './scheme.ts';
export { rpmvercmp } from './rpm.ts';
export {
  alpineScheme,
  cratesScheme,
  debianScheme,
  goScheme,
  mavenScheme,
  npmScheme,
  nugetScheme,
  packagistScheme,
  pypiScheme,
  rpmScheme,
  rubygemsScheme,
};

/**
 * OSV ecosystem name (https://ossf.github.io/osv-schema/#defined-ecosystems) → scheme.
 * Distro ecosystems may carry a release suffix (`Debian:12`, `Alpine:v3.20`,
 * `Red Hat:enterprise_linux:9::appstream`): the part before the first `:` decides.
 */
const BY_ECOSYSTEM: ReadonlyMap<string, VersionScheme> = new Map([
  ['npm', npmScheme],
  ['crates.io', cratesScheme],
  ['Go', goScheme],
  ['Hex', npmScheme], // Elixir's Version module follows SemVer 2.0.0
  ['PyPI', pypiScheme],
  ['Maven', mavenScheme],
  ['RubyGems', rubygemsScheme],
  ['NuGet', nugetScheme],
  ['Packagist', packagistScheme],
  ['Debian', debianScheme],
  ['Ubuntu', debianScheme],
  ['Alpine', alpineScheme],
  ['Wolfi', alpineScheme],
  ['Chainguard', alpineScheme],
  ['Red Hat', rpmScheme],
  ['AlmaLinux', rpmScheme],
  ['Rocky Linux', rpmScheme],
  ['openSUSE', rpmScheme],
  ['SUSE', rpmScheme],
  ['Mageia', rpmScheme],
  ['openEuler', rpmScheme],
  ['Azure Linux', rpmScheme],
]);

/** The scheme for an OSV ecosystem, or undefined when Vouch has none. */
export function schemeFor(ecosystem: string): VersionScheme | undefined {
  const base = ecosystem.split(':', 1)[0] ?? '';
  return BY_ECOSYSTEM.get(base);
}
