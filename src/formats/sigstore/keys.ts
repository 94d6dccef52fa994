/**
 * Public keys as cosign writes and reads them (`cosign.pub`): PEM `PUBLIC KEY` (PKIX
 * SubjectPublicKeyInfo), PEM `RSA PUBLIC KEY` (PKCS#1), a PEM `CERTIFICATE` (its key), or the same
 * as DER. ECDSA P-256/P-384/P-521, Ed25519 and RSA (2048 bits or more) are accepted.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { VouchError } from '../../core/index.ts';

/** Largest key file read (a 16384-bit RSA certificate is well under this). */
export const MAX_KEY_BYTES = 64 * 1024;

export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa';

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/;

export interface PemBlock {
  readonly type: string;
  readonly der: Buffer;
}

/** The first PEM block of `text`, or undefined when there is none. */
export function readPem(text: string): PemBlock | undefined {
  const m = PEM_RE.exec(text);
  if (!m) return undefined;
  const body = (m[2] ?? '').split(/\r?\n/).filter((l) => !/^[A-Za-z-]+:/.test(l)).join('');
  // Strict base64, as Go's encoding/pem (cosign) decodes it: a stray character means no key.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return undefined;
  return { type: m[1] ?? '', der: Buffer.from(body, 'base64') };
}

export function toPem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** The algorithm family of a key, or a KEY_INVALID error naming what it is. */
export function keyAlgorithm(key: KeyObject): KeyAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ecdsa-p256';
      if (curve === 'secp384r1') return 'ecdsa-p384';
      if (curve === 'secp521r1') return 'ecdsa-p521';
      throw new VouchError('KEY_INVALID', `unsupported elliptic curve ${curve ?? 'unknown'} (P-256, P-384 and P-521 are supported)`);
    }
    case 'ed25519':
      return 'ed25519';
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < 2048) throw new VouchError('KEY_INVALID', `RSA key of ${bits} bits is too small (2048 or more)`);
      return 'rsa';
    }
    default:
      throw new VouchError('KEY_INVALID', `unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (ECDSA, Ed25519 and RSA are supported)`);
  }
}

/** Parse a public key (see the module comment for the forms). Throws KEY_INVALID. */
export function parsePublicKey(input: string | Uint8Array, what = 'public key'): KeyObject {
  if (input.length > MAX_KEY_BYTES) throw new VouchError('KEY_INVALID', `${what}: over ${MAX_KEY_BYTES} bytes`);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  let key: KeyObject;
  try {
    const pem = readPem(text);
    if (pem) {
      if (pem.type === 'PUBLIC KEY') key = createPublicKey({ key: pem.der, format: 'der', type: 'spki' });
      else if (pem.type === 'RSA PUBLIC KEY') key = createPublicKey({ key: pem.der, format: 'der', type: 'pkcs1' });
      else if (pem.type === 'CERTIFICATE') key = new X509Certificate(pem.der).publicKey;
      else throw new VouchError('KEY_INVALID', `${what}: PEM type "${pem.type}" is not a public key`);
    } else if (typeof input !== 'string' && input[0] === 0x30) {
      key = createPublicKey({ key: Buffer.from(input), format: 'der', type: 'spki' });
    } else {
      throw new VouchError('KEY_INVALID', `${what}: not a PEM or DER public key`);
    }
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('KEY_INVALID', `${what}: cannot decode public key: ${(err as Error).message}`, { cause: err });
  }
  keyAlgorithm(key);
  return key;
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'spki' }).toString();
}

/** The key hint Vouch writes in `verificationMaterial.publicKey.hint`: base64 SHA-256 of the SPKI DER. */
export function publicKeyHint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ format: 'der', type: 'spki' })).digest('base64');
}

/** True when both keys are the same public key (SPKI DER equal). */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ format: 'der', type: 'spki' }).equals(b.export({ format: 'der', type: 'spki' }));
}
