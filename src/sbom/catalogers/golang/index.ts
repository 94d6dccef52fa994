import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { parseGoMod, parseGoSumFile } from './parse.ts';

export { parseGoMod, parseGoSumFile, golangPurl } from './parse.ts';

export const goModCataloger: Cataloger = genericCataloger('go-module-file-cataloger', [
  { globs: ['**/go.mod'], parse: parseGoMod },
  { globs: ['**/go.sum'], parse: parseGoSumFile },
]);

export const catalogers: readonly Cataloger[] = [goModCataloger];
