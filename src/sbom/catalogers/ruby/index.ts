import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { parseGemfileLock } from './gemfile-lock.ts';

export { gemPurl, parseGemfileLock } from './gemfile-lock.ts';

export const gemfileLockCataloger: Cataloger = genericCataloger('ruby-gemfile-cataloger', [
  { globs: ['**/Gemfile.lock', '**/gems.locked'], parse: parseGemfileLock },
]);

export const catalogers: readonly Cataloger[] = [gemfileLockCataloger];
