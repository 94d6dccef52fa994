export { buildInventory, DEFAULT_INCLUDE_DEV, type InventoryOptions } from './inventory.ts';
export { ALL_CATALOGERS } from './catalogers/index.ts';
export { parseTarget, type Target } from './target.ts';
export type { Cataloger } from './generic/index.ts';
