// Parsers are loaded on demand (ParserBinding.load): only when a source holds their files.
import { genericCataloger, type Cataloger } from '../../generic/index.ts';

export const composerLockCataloger: Cataloger = genericCataloger('php-composer-lock-cataloger', [
  { globs: ['**/composer.lock'], load: async () => (await import('./composer.ts')).parseComposerLock },
]);

export const composerInstalledCataloger: Cataloger = genericCataloger('php-composer-installed-cataloger', [
  { globs: ['**/vendor/composer/installed.json'], load: async () => (await import('./composer.ts')).parseInstalledJson },
]);

export const catalogers: readonly Cataloger[] = [composerLockCataloger, composerInstalledCataloger];
