import type { Cataloger } from '../../generic/index.ts';

export const catalogers: readonly Cataloger[] = [];
