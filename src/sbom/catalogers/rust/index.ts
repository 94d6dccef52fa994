// The parser is loaded on demand (ParserBinding.load): only when a source holds its files.
import { genericCataloger, type Cataloger } from '../../generic/index.ts';

export const cargoLockCataloger: Cataloger = genericCataloger('rust-cargo-lock-cataloger', [
  { globs: ['**/Cargo.lock'], load: async () => (await import('./cargo-lock.ts')).parseCargoLock },
]);

export const catalogers: readonly Cataloger[] = [cargoLockCataloger];
