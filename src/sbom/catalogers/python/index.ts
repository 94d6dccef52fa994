/**
 * Python catalogers: pip requirements files, poetry.lock, Pipfile.lock, pdm.lock, uv.lock,
 * pylock.toml (PEP 751) and installed distributions (`*.dist-info`, `*.egg-info`).
 * Every package is `pkg:pypi/<PEP 503 name>@<version>`, so the same distribution found by
 * several of them merges into one. Parsers are loaded on demand (ParserBinding.load): only
 * when a source holds their files.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { INSTALLED_GLOBS, PYLOCK_GLOBS, REQUIREMENTS_GLOBS } from './globs.ts';

export const requirementsCataloger = genericCataloger('python-requirements-cataloger', [{ globs: REQUIREMENTS_GLOBS, load: async () => (await import('./requirements.ts')).parseRequirementsTxt }]);
export const poetryLockCataloger = genericCataloger('python-poetry-lock-cataloger', [{ globs: ['**/poetry.lock'], load: async () => (await import('./poetry.ts')).parsePoetryLock }]);
export const pipfileLockCataloger = genericCataloger('python-pipfile-lock-cataloger', [{ globs: ['**/Pipfile.lock'], load: async () => (await import('./pipfile.ts')).parsePipfileLock }]);
export const pdmLockCataloger = genericCataloger('python-pdm-lock-cataloger', [{ globs: ['**/pdm.lock'], load: async () => (await import('./pdm.ts')).parsePdmLock }]);
export const uvLockCataloger = genericCataloger('python-uv-lock-cataloger', [{ globs: ['**/uv.lock'], load: async () => (await import('./uv.ts')).parseUvLock }]);
export const pylockCataloger = genericCataloger('python-pylock-cataloger', [{ globs: PYLOCK_GLOBS, load: async () => (await import('./pylock.ts')).parsePylock }]);
export const installedCataloger = genericCataloger('python-installed-package-cataloger', [{ globs: INSTALLED_GLOBS, load: async () => (await import('./installed.ts')).parseInstalledMetadata }]);

export const catalogers: readonly Cataloger[] = [
  requirementsCataloger,
  poetryLockCataloger,
  pipfileLockCataloger,
  pdmLockCataloger,
  uvLockCataloger,
  pylockCataloger,
  installedCataloger,
];
