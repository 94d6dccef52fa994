/**
 * Error codes of the scan area. Kept in their own file so each area adds its codes without
 * touching the others'; `core/errors.ts` spreads them into the one closed `ERROR_CODES` table,
 * and docs/errors.md lists them (a test keeps both in sync).
 */
import type { CodeSpec } from './spec.ts';

export const SCAN_ERROR_CODES = {
  VULNERABILITIES_FOUND: { exit: 1, description: '`vouch scan --fail-on`: a vulnerability at or above the given severity remains after suppression.' },
  DB_MISSING: { exit: 3, description: 'No advisory database at the given or default path; build one with `vouch db import`.' },
  SBOM_INVALID: { exit: 3, description: 'A scanned SBOM is not CycloneDX or SPDX 2.x JSON, or is malformed.' },
  VEX_INVALID: { exit: 3, description: 'A `--vex` document is not OpenVEX, CycloneDX VEX or CSAF VEX JSON, or is malformed.' },
  IGNORE_FILE_INVALID: { exit: 3, description: 'The `.vouchignore` file is not valid YAML of the documented shape (ids, package, expires, reason).' },
} as const satisfies Record<string, CodeSpec>;
