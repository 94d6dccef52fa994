/**
 * .NET catalogers: NuGet lock files, .deps.json manifests of built apps, and legacy
 * packages.config. Each is one genericCataloger binding globs to a plain parser function,
 * loaded on demand (ParserBinding.load): only when a source holds its files.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';

export const nugetLockCataloger = genericCataloger('dotnet-packages-lock', [{ globs: ['**/packages.lock.json'], load: async () => (await import('./packages-lock.ts')).parsePackagesLock }]);
export const depsJsonCataloger = genericCataloger('dotnet-deps-json', [{ globs: ['**/*.deps.json'], load: async () => (await import('./deps-json.ts')).parseDepsJson }]);
export const packagesConfigCataloger = genericCataloger('dotnet-packages-config', [{ globs: ['**/packages.config'], load: async () => (await import('./packages-config.ts')).parsePackagesConfig }]);

export const catalogers: readonly Cataloger[] = [nugetLockCataloger, depsJsonCataloger, packagesConfigCataloger];
