// Parsers are loaded on demand (ParserBinding.load): only when a source holds their files.
import { genericCataloger, type Cataloger } from '../../generic/index.ts';

export const goModCataloger: Cataloger = genericCataloger('go-module-file-cataloger', [
  { globs: ['**/go.mod'], load: async () => (await import('./parse.ts')).parseGoMod },
  { globs: ['**/go.sum'], load: async () => (await import('./parse.ts')).parseGoSumFile },
]);

export const catalogers: readonly Cataloger[] = [goModCataloger];
