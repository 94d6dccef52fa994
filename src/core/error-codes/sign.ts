/**
 * Error codes of the sign area. Kept in their own file so each area adds its codes without
 * touching the others'; `core/errors.ts` spreads them into the one closed `ERROR_CODES` table,
 * and docs/errors.md lists them (a test keeps both in sync).
 *
 * Verification failures exit 1 (a gate failed); malformed input (a bundle, key, trusted root or
 * policy that cannot be read) exits 3, or 2 when it came from the command line.
 */
import type { CodeSpec } from './spec.ts';

export const SIGN_ERROR_CODES = {
  KEY_PASSWORD: { exit: 2, description: 'The password does not decrypt the private key (wrong password); nothing was written.' },
  PASSWORD_REQUIRED: { exit: 2, description: 'A password is needed and none was given: set VOUCH_PASSWORD (or COSIGN_PASSWORD), run on a terminal, or pass `--no-password`.' },
  KEY_INVALID: { exit: 3, description: 'A private or public key cannot be read: not PEM, unsupported type or curve, or a malformed encrypted-key envelope.' },
  KEY_EXISTS: { exit: 2, description: 'A key file would be overwritten; pass `--force` to replace it.' },
  SIGN_FAILED: { exit: 3, description: 'Signing failed: the key, the certificate provider or the transparency log refused.' },
  BUNDLE_INVALID: { exit: 3, description: 'The bundle is malformed: not JSON, truncated, over the size cap, an unknown media type or version, or missing required fields.' },
  TRUSTED_ROOT_INVALID: { exit: 3, description: 'The trusted root cannot be read or is malformed.' },
  TRUSTED_ROOT_EXPIRED: { exit: 3, description: 'The embedded Sigstore TUF root has expired and cannot be refreshed offline; pass `--trusted-root trusted_root.json`.' },
  VERIFY_SIGNATURE: { exit: 1, description: 'Verification failed: the signature does not match the content and the key.' },
  VERIFY_DIGEST: { exit: 1, description: 'Verification failed: the artifact digest does not match the bundle (message digest or in-toto subject).' },
  VERIFY_KEY: { exit: 1, description: 'Verification failed: no trusted key for the bundle, or the key is not valid at the signing time.' },
  VERIFY_CHAIN: { exit: 1, description: 'Verification failed: the certificate does not chain to a trusted CA, or its CT proof (SCT) is missing or invalid.' },
  VERIFY_IDENTITY: { exit: 1, description: 'Verification failed: the certificate identity or OIDC issuer is not the one required.' },
  VERIFY_TLOG: { exit: 1, description: 'Verification failed: the transparency-log entry is missing, does not match the signature, or its inclusion proof or checkpoint is invalid.' },
  VERIFY_SET: { exit: 1, description: 'Verification failed: the transparency log\'s signed entry timestamp (inclusion promise) is invalid.' },
  VERIFY_TIME: { exit: 1, description: 'Verification failed: no trusted timestamp, or a timestamp outside the certificate\'s or authority\'s validity.' },
  VERIFY_UNSUPPORTED: { exit: 1, description: 'Verification cannot be done as asked, e.g. an Ed25519 message signature checked against a digest only (the file is needed).' },
  POLICY_INVALID: { exit: 2, description: 'A policy (condition list) is malformed: unknown operator, bad path, bad regex, or over a size or depth limit.' },
  POLICY_FAILED: { exit: 1, description: 'The verified attestation does not satisfy the policy conditions.' },
  NO_SIGNATURES: { exit: 1, description: 'No signature or attestation of the image was found (referrers, referrers tag, legacy .sig/.att tags).' },
} as const satisfies Record<string, CodeSpec>;
