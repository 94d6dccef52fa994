/**
 * .NET catalogers: NuGet lock files, .deps.json manifests of built apps, and legacy
 * packages.config. Each is one genericCataloger binding globs to a plain parser function.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { parseDepsJson } from './deps-json.ts';
import { parsePackagesConfig } from './packages-config.ts';
import { parsePackagesLock } from './packages-lock.ts';

export const nugetLockCataloger = genericCataloger('dotnet-packages-lock', [{ globs: ['**/packages.lock.json'], parse: parsePackagesLock }]);
export const depsJsonCataloger = genericCataloger('dotnet-deps-json', [{ globs: ['**/*.deps.json'], parse: parseDepsJson }]);
export const packagesConfigCataloger = genericCataloger('dotnet-packages-config', [{ globs: ['**/packages.config'], parse: parsePackagesConfig }]);

export const catalogers: readonly Cataloger[] = [nugetLockCataloger, depsJsonCataloger, packagesConfigCataloger];

export { parseDepsJson, parsePackagesConfig, parsePackagesLock };
