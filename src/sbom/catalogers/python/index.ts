/**
 * Python catalogers: pip requirements files, poetry.lock, Pipfile.lock, pdm.lock, uv.lock,
 * pylock.toml (PEP 751) and installed distributions (`*.dist-info`, `*.egg-info`).
 * Every package is `pkg:pypi/<PEP 503 name>@<version>`, so the same distribution found by
 * several of them merges into one.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { INSTALLED_GLOBS, parseInstalledMetadata } from './installed.ts';
import { parsePdmLock } from './pdm.ts';
import { parsePipfileLock } from './pipfile.ts';
import { parsePoetryLock } from './poetry.ts';
import { parsePylock, PYLOCK_GLOBS } from './pylock.ts';
import { parseRequirementsTxt, REQUIREMENTS_GLOBS } from './requirements.ts';
import { parseUvLock } from './uv.ts';

export const requirementsCataloger = genericCataloger('python-requirements-cataloger', [{ globs: REQUIREMENTS_GLOBS, parse: parseRequirementsTxt }]);
export const poetryLockCataloger = genericCataloger('python-poetry-lock-cataloger', [{ globs: ['**/poetry.lock'], parse: parsePoetryLock }]);
export const pipfileLockCataloger = genericCataloger('python-pipfile-lock-cataloger', [{ globs: ['**/Pipfile.lock'], parse: parsePipfileLock }]);
export const pdmLockCataloger = genericCataloger('python-pdm-lock-cataloger', [{ globs: ['**/pdm.lock'], parse: parsePdmLock }]);
export const uvLockCataloger = genericCataloger('python-uv-lock-cataloger', [{ globs: ['**/uv.lock'], parse: parseUvLock }]);
export const pylockCataloger = genericCataloger('python-pylock-cataloger', [{ globs: PYLOCK_GLOBS, parse: parsePylock }]);
export const installedCataloger = genericCataloger('python-installed-package-cataloger', [{ globs: INSTALLED_GLOBS, parse: parseInstalledMetadata }]);

export const catalogers: readonly Cataloger[] = [
  requirementsCataloger,
  poetryLockCataloger,
  pipfileLockCataloger,
  pdmLockCataloger,
  uvLockCataloger,
  pylockCataloger,
  installedCataloger,
];

export { parseRequirementsTxt } from './requirements.ts';
export { parsePoetryLock } from './poetry.ts';
export { parsePipfileLock } from './pipfile.ts';
export { parsePdmLock } from './pdm.ts';
export { parseUvLock } from './uv.ts';
export { parsePylock } from './pylock.ts';
export { parseInstalledMetadata } from './installed.ts';
