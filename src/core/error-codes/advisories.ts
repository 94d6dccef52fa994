/**
 * Error codes of the advisory database and matching (scan/db, scan/match, scan/severity). Kept in
 * their own file so each area adds its codes without touching the others'; `core/errors.ts`
 * spreads them into the one closed `ERROR_CODES` table, and docs/errors.md lists them.
 */
import type { CodeSpec } from './spec.ts';

export const ADVISORIES_ERROR_CODES = {
  ADVISORY_DOWNLOAD: {
    exit: 3,
    description: 'An advisory source URL could not be downloaded: an HTTP error, over the size cap, a digest mismatch, or a plain-HTTP URL that is not on this machine.',
  },
  ADVISORY_DB_SCHEMA: {
    exit: 3,
    description: 'The advisory database was built by another Vouch version (schema version differs); run `vouch db import` again to rebuild it from its sources.',
  },
} as const satisfies Record<string, CodeSpec>;
