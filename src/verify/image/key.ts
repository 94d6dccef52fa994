/**
 * Verification with a public key alone, for what carries no bundle: the bare signature of a
 * legacy `.sig` layer (over the simple-signing payload) and of a legacy `.att` envelope (over
 * PAE). node:crypto does the work; the hash follows the key as cosign's defaults do (SHA-256,
 * SHA-384 for P-384, SHA-512 for P-521; Ed25519 signs the message itself; RSA PKCS#1 v1.5).
 */
import { type KeyObject, createPublicKey, verify } from 'node:crypto';
import { VouchError } from '../../core/index.ts';

function hashFor(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'ed25519') return null;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return 'sha384';
    if (curve === 'secp521r1') return 'sha512';
  }
  return 'sha256';
}

/** A `verifyRaw` for `ImageVerifier` from a PEM public key (or certificate). */
export function rawKeyVerifier(pem: string | Buffer): (data: Buffer, signature: Buffer) => boolean {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new VouchError('KEY_INVALID', `cannot read the public key: ${(err as Error).message}`, { cause: err });
  }
  const hash = hashFor(key);
  return (data, signature) => {
    try {
      return verify(hash, data, key, signature);
    } catch {
      return false;
    }
  };
}
