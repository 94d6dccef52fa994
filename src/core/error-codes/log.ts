/**
 * Error codes of the log area. Kept in their own file so each area adds its codes without
 * touching the others'; `core/errors.ts` spreads them into the one closed `ERROR_CODES` table,
 * and docs/errors.md lists them (a test keeps both in sync).
 */
import type { CodeSpec } from './spec.ts';

export const LOG_ERROR_CODES = {
  LOG_CONFIG: { exit: 2, description: 'The transparency log configuration is invalid (flag or `log:` config section), or the log key does not match the log stored in the database.' },
  LOG_KEY: { exit: 3, description: 'The log signing key cannot be read, decrypted or created.' },
  LOG_ENTRY_REJECTED: { exit: 3, description: 'The transparency log refused the entry: malformed, unsupported kind, or a signature that does not verify.' },
  LOG_NOT_FOUND: { exit: 3, description: 'No such entry in the transparency log (UUID or index).' },
  LOG_SERVER: { exit: 3, description: 'The transparency log answered with an error or a malformed response, or could not be reached.' },
  LOG_PROOF_INVALID: { exit: 1, description: 'A transparency-log inclusion proof, consistency proof, checkpoint signature or signed entry timestamp does not verify.' },
  LOG_FORK: { exit: 1, description: 'The log is not append-only: a new checkpoint is not consistent with one verified before (fork or rewrite).' },
} as const satisfies Record<string, CodeSpec>;
