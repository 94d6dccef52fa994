import { genericCataloger, type Cataloger } from '../../generic/index.ts';
import { parseCargoLock } from './cargo-lock.ts';

export { cargoPurl, parseCargoLock } from './cargo-lock.ts';

export const cargoLockCataloger: Cataloger = genericCataloger('rust-cargo-lock-cataloger', [
  { globs: ['**/Cargo.lock'], parse: parseCargoLock },
]);

export const catalogers: readonly Cataloger[] = [cargoLockCataloger];
