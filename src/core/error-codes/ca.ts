/**
 * Error codes of the ca area (servers/ca, servers/oidc-dev, clients/fulcio, `vouch trust-root`).
 * Kept in their own file so each area adds its codes without touching the others';
 * `core/errors.ts` spreads them into the one closed `ERROR_CODES` table, and docs/errors.md lists
 * them (a test keeps both in sync).
 */
import type { CodeSpec } from './spec.ts';

export const CA_ERROR_CODES = {
  CA_CONFIG: { exit: 2, description: 'The CA configuration is wrong: a bad `--oidc-issuer`, an unreadable JWKS file, a bad certificate validity.' },
  CA_KEY_ERROR: { exit: 3, description: 'The CA certificate or key cannot be read, decrypted (`VOUCH_CA_PASSWORD`) or do not match.' },
  CA_TOKEN_REJECTED: { exit: 3, description: 'The OIDC identity token was refused: unknown issuer, bad signature, wrong audience, expired or not yet valid, unverified email.' },
  CA_BAD_REQUEST: { exit: 3, description: 'A signing certificate request is malformed: unsupported key type, failed proof of possession, bad CSR.' },
  CA_REQUEST_FAILED: { exit: 3, description: 'The certificate authority refused the request or could not be reached.' },
  TRUST_ROOT_ERROR: { exit: 3, description: 'The trust root could not be built: the CA chain or the log key could not be fetched or read.' },
} as const satisfies Record<string, CodeSpec>;
