/**
 * Signing keys: generate, encrypt (cosign's envelope), load and import. A `SigningKey` is the one
 * interface signing needs (house rule 5): a KMS or hardware key implements the same three members.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { VouchError } from '../core/index.ts';
import {
  decryptKeyEnvelope,
  encryptKeyEnvelope,
  isEncryptedKeyPem,
  keyAlgorithm,
  MAX_KEY_BYTES,
  publicKeyPem,
  readPem,
  type KeyAlgorithm,
} from '../formats/sigstore/index.ts';

export type { KeyAlgorithm };

export interface SigningKey {
  readonly algorithm: KeyAlgorithm;
  /** PEM `PUBLIC KEY` (what `cosign.pub` holds). */
  readonly publicKeyPem: string;
  readonly publicKey: KeyObject;
  /** Sign the message itself: ECDSA and RSA (PKCS#1 v1.5) over SHA-256, as cosign does; Ed25519 pure. Returns DER for ECDSA. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Sign a SHA-256 digest already computed (ECDSA and RSA only; Ed25519 needs the message). */
  signDigest?(sha256: Uint8Array): Promise<Uint8Array>;
}

export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'ecdsa-p256';

export interface GeneratedKeyPair {
  /** cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` PEM. */
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** Generate a key pair and encrypt its private half with `password` (may be empty, as cosign allows). */
export function generateKeyPair(options: { password: string; algorithm?: KeyAlgorithm }): GeneratedKeyPair {
  const algorithm = options.algorithm ?? DEFAULT_KEY_ALGORITHM;
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  switch (algorithm) {
    case 'ecdsa-p256':
      pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      break;
    case 'ecdsa-p384':
      pair = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
      break;
    case 'ecdsa-p521':
      pair = generateKeyPairSync('ec', { namedCurve: 'secp521r1' });
      break;
    case 'ed25519':
      pair = generateKeyPairSync('ed25519');
      break;
    case 'rsa':
      pair = generateKeyPairSync('rsa', { modulusLength: 3072 });
      break;
  }
  return { privateKeyPem: encryptPrivateKey(pair.privateKey, options.password), publicKeyPem: publicKeyPem(pair.publicKey) };
}

/** A private key (KeyObject or unencrypted PEM) → cosign's encrypted PEM. */
export function encryptPrivateKey(key: KeyObject | string, password: string): string {
  const obj = typeof key === 'string' ? parsePlainPrivateKey(key) : key;
  keyAlgorithm(obj);
  return encryptKeyEnvelope(obj.export({ format: 'der', type: 'pkcs8' }), password);
}

/** Unencrypted PEM private keys: PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`. */
function parsePlainPrivateKey(pemText: string): KeyObject {
  const pem = readPem(pemText);
  if (!pem) throw new VouchError('KEY_INVALID', 'private key: no PEM block found');
  try {
    switch (pem.type) {
      case 'PRIVATE KEY':
        return createPrivateKey({ key: pem.der, format: 'der', type: 'pkcs8' });
      case 'EC PRIVATE KEY':
        return createPrivateKey({ key: pem.der, format: 'der', type: 'sec1' });
      case 'RSA PRIVATE KEY':
        return createPrivateKey({ key: pem.der, format: 'der', type: 'pkcs1' });
      case 'ENCRYPTED PRIVATE KEY':
        throw new VouchError('KEY_INVALID', 'PKCS#8-encrypted keys are not supported: decrypt it first (openssl pkcs8 -in KEY -out plain.pem)');
      default:
        throw new VouchError('KEY_INVALID', `private key: unsupported PEM type "${pem.type}"`);
    }
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('KEY_INVALID', `private key: cannot parse ${pem.type}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Load a private key: cosign's encrypted PEM (needs `password`; `ENCRYPTED COSIGN PRIVATE KEY` too)
 * or an unencrypted PKCS#8/SEC1/PKCS#1 PEM (password ignored). Throws KEY_PASSWORD, KEY_INVALID or
 * PASSWORD_REQUIRED.
 */
export function loadPrivateKey(pem: string | Uint8Array, password?: string): SigningKey {
  return signingKeyFrom(privateKeyObject(pem, password));
}

/**
 * `import-key-pair`: any private key `loadPrivateKey` reads → cosign's encrypted PEM under
 * `newPassword`, with its public key.
 */
export function importKeyPair(pem: string | Uint8Array, options: { password?: string; newPassword: string }): GeneratedKeyPair & { algorithm: KeyAlgorithm } {
  const key = privateKeyObject(pem, options.password);
  const algorithm = keyAlgorithm(key);
  return { privateKeyPem: encryptPrivateKey(key, options.newPassword), publicKeyPem: publicKeyPem(createPublicKey(key)), algorithm };
}

function privateKeyObject(pem: string | Uint8Array, password?: string): KeyObject {
  if (pem.length > MAX_KEY_BYTES) throw new VouchError('KEY_INVALID', `private key: over ${MAX_KEY_BYTES} bytes`);
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  let key: KeyObject;
  if (isEncryptedKeyPem(text)) {
    if (password === undefined) throw new VouchError('PASSWORD_REQUIRED', 'the private key is encrypted and no password was given', { hint: 'set VOUCH_PASSWORD or COSIGN_PASSWORD' });
    const der = decryptKeyEnvelope(text, password);
    try {
      // cosign parses the plaintext strictly as PKCS#8 (x509.ParsePKCS8PrivateKey); so do we.
      key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch (err) {
      throw new VouchError('KEY_INVALID', 'parsing private key: the decrypted key is not PKCS#8 (an old SEC1 EC key?); re-import it with `vouch import-key-pair`', { cause: err });
    }
  } else {
    key = parsePlainPrivateKey(text);
  }
  return key;
}

const NOBLE = { 'ecdsa-p256': p256, 'ecdsa-p384': p384, 'ecdsa-p521': p521 } as const;

/** RFC 8017 §9.2 note 1: the DER DigestInfo prefix for SHA-256. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** Wrap a private KeyObject as a SigningKey. */
export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  if (privateKey.type !== 'private') throw new VouchError('KEY_INVALID', 'not a private key');
  const algorithm = keyAlgorithm(privateKey);
  const publicKey = createPublicKey(privateKey);
  const pub = publicKeyPem(publicKey);
  const hash = algorithm === 'ed25519' ? null : 'sha256';
  const base = {
    algorithm,
    publicKeyPem: pub,
    publicKey,
    sign: (data: Uint8Array) => Promise.resolve(new Uint8Array(nodeSign(hash, data, privateKey))),
  };
  if (algorithm === 'ed25519') return base;
  if (algorithm === 'rsa') {
    return {
      ...base,
      // node:crypto cannot sign a precomputed digest with RSA through sign(); PKCS#1 v1.5 padding over DigestInfo is the same signature.
      signDigest: async (sha256: Uint8Array) => {
        const { privateEncrypt, constants } = await import('node:crypto');
        return new Uint8Array(privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, sha256])));
      },
    };
  }
  // node:crypto has no prehashed ECDSA; @noble/curves signs the digest itself (prehash: false).
  const curve = NOBLE[algorithm];
  const jwk = privateKey.export({ format: 'jwk' });
  const d = Buffer.from(jwk.d ?? '', 'base64url');
  return {
    ...base,
    signDigest: (sha256: Uint8Array) => Promise.resolve(curve.sign(sha256, d, { prehash: false, format: 'der', lowS: false })),
  };
}
