/**
 * JavaScript / npm catalogers (after syft's javascript catalogers):
 * - javascript-lock-cataloger: package-lock.json / npm-shrinkwrap.json (v1–v3), yarn.lock
 *   (classic and berry) and pnpm-lock.yaml (v5, v6, v9);
 * - javascript-package-cataloger: installed packages under node_modules.
 * A package found by both is the same purl, so the inventory merges them.
 */
import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { parseInstalledPackage } from './node-modules.ts';
import { parsePackageLock } from './package-lock.ts';
import { parsePnpmLock } from './pnpm-lock.ts';
import { parseYarnLock } from './yarn-lock.ts';

export { installedFolder, parseInstalledPackage } from './node-modules.ts';
export { parsePackageLock } from './package-lock.ts';
export { parsePnpmLock } from './pnpm-lock.ts';
export { parseYarnLock } from './yarn-lock.ts';

export const javascriptLockCataloger: Cataloger = genericCataloger('javascript-lock-cataloger', [
  { globs: ['**/package-lock.json', '**/npm-shrinkwrap.json'], parse: parsePackageLock },
  { globs: ['**/yarn.lock'], parse: parseYarnLock },
  { globs: ['**/pnpm-lock.yaml'], parse: parsePnpmLock },
]);

export const javascriptPackageCataloger: Cataloger = genericCataloger('javascript-package-cataloger', [
  { globs: ['**/node_modules/**/package.json'], parse: parseInstalledPackage },
], { skipUnder: [] });

export const catalogers: readonly Cataloger[] = [javascriptLockCataloger, javascriptPackageCataloger];
