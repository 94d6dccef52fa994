// The parser is loaded on demand (ParserBinding.load): only when a source holds its files.
import { genericCataloger, type Cataloger } from '../../generic/index.ts';

export const gemfileLockCataloger: Cataloger = genericCataloger('ruby-gemfile-cataloger', [
  { globs: ['**/Gemfile.lock', '**/gems.locked'], load: async () => (await import('./gemfile-lock.ts')).parseGemfileLock },
]);

export const catalogers: readonly Cataloger[] = [gemfileLockCataloger];
