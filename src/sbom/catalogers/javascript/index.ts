/**
 * JavaScript / npm catalogers (after syft's javascript catalogers):
 * - javascript-lock-cataloger: package-lock.json / npm-shrinkwrap.json (v1–v3), yarn.lock
 *   (classic and berry) and pnpm-lock.yaml (v5, v6, v9);
 * - javascript-package-cataloger: installed packages under node_modules.
 * A package found by both is the same purl, so the inventory merges them.
 * Parsers are loaded on demand (ParserBinding.load): only when a source holds their files.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';

export const javascriptLockCataloger: Cataloger = genericCataloger('javascript-lock-cataloger', [
  { globs: ['**/package-lock.json', '**/npm-shrinkwrap.json'], load: async () => (await import('./package-lock.ts')).parsePackageLock },
  { globs: ['**/yarn.lock'], load: async () => (await import('./yarn-lock.ts')).parseYarnLock },
  { globs: ['**/pnpm-lock.yaml'], load: async () => (await import('./pnpm-lock.ts')).parsePnpmLock },
]);

export const javascriptPackageCataloger: Cataloger = genericCataloger('javascript-package-cataloger', [
  { globs: ['**/node_modules/**/package.json'], load: async () => (await import('./node-modules.ts')).parseInstalledPackage },
], { skipUnder: [] });

export const catalogers: readonly Cataloger[] = [javascriptLockCataloger, javascriptPackageCataloger];
