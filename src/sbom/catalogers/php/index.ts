import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { parseComposerLock, parseInstalledJson } from './composer.ts';

export { composerLicenses, composerPurl, parseComposerLock, parseInstalledJson } from './composer.ts';

export const composerLockCataloger: Cataloger = genericCataloger('php-composer-lock-cataloger', [
  { globs: ['**/composer.lock'], parse: parseComposerLock },
]);

export const composerInstalledCataloger: Cataloger = genericCataloger('php-composer-installed-cataloger', [
  { globs: ['**/vendor/composer/installed.json'], parse: parseInstalledJson },
]);

export const catalogers: readonly Cataloger[] = [composerLockCataloger, composerInstalledCataloger];
