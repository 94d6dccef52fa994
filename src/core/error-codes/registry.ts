/**
 * Error codes of the registry area. Kept in their own file so each area adds its codes without
 * touching the others'; `core/errors.ts` spreads them into the one closed `ERROR_CODES` table,
 * and docs/errors.md lists them (a test keeps both in sync).
 */
import type { CodeSpec } from './spec.ts';

export const REGISTRY_ERROR_CODES = {
  REGISTRY_API_ERROR: { exit: 3, description: 'The registry management API refused the request: bad input, an unknown user, project, member or robot, or a name already taken.' },
} as const satisfies Record<string, CodeSpec>;
