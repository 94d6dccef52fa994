/**
 * Error codes of the advisory database and matching (scan/db, scan/match, scan/severity). Kept in
 * their own file so each area adds its codes without touching the others'; `core/errors.ts`
 * spreads them into the one closed `ERROR_CODES` table, and docs/errors.md lists them.
 */
import type { CodeSpec } from './spec.ts';

export const ADVISORIES_ERROR_CODES = {} as const satisfies Record<string, CodeSpec>;
