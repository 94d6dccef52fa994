/**
 * cosign's encrypted private key (sigstore/cosign `pkg/cosign/keys.go`, secure-systems-lab
 * go-securesystemslib `encrypted`): PEM `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign:
 * `ENCRYPTED COSIGN PRIVATE KEY`) around base64 JSON
 * `{kdf:{name:"scrypt",params:{N,r,p},salt}, cipher:{name:"nacl/secretbox",nonce}, ciphertext}`;
 * the ciphertext is XSalsa20-Poly1305 (NaCl secretbox) with a 32-byte scrypt key, over PKCS#8 DER.
 * No library reads this envelope, so it is written here over node:crypto scrypt and @noble/ciphers.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { VouchError } from '../../core/index.ts';
import { readPem, toPem } from './keys.ts';

export const ENCRYPTED_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const LEGACY_ENCRYPTED_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';

/** cosign writes N=32768 r=8 p=1 (go-securesystemslib's default scrypt parameters). */
export const DEFAULT_SCRYPT = Object.freeze({ N: 32768, r: 8, p: 1 });
/** Bounds on what a key file may ask of us, so a hostile envelope cannot demand gigabytes of memory. */
const MAX_SCRYPT_N = 1 << 18;
const MAX_SCRYPT_R = 32;
const MAX_SCRYPT_P = 16;

export interface EncryptedKeyEnvelope {
  readonly kdf: { readonly name: 'scrypt'; readonly params: { readonly N: number; readonly r: number; readonly p: number }; readonly salt: string };
  readonly cipher: { readonly name: 'nacl/secretbox'; readonly nonce: string };
  readonly ciphertext: string;
}

export function isEncryptedKeyPem(text: string): boolean {
  const pem = readPem(text);
  return pem !== undefined && (pem.type === ENCRYPTED_KEY_PEM_TYPE || pem.type === LEGACY_ENCRYPTED_KEY_PEM_TYPE);
}

function deriveKey(password: string, salt: Uint8Array, params: { N: number; r: number; p: number }): Uint8Array {
  return scryptSync(Buffer.from(password, 'utf8'), salt, 32, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p + 1024 * 1024 });
}

/** Encrypt PKCS#8 DER into cosign's envelope, as PEM text. */
export function encryptKeyEnvelope(pkcs8Der: Uint8Array, password: string, scrypt: { N: number; r: number; p: number } = DEFAULT_SCRYPT): string {
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = deriveKey(password, salt, scrypt);
  const ciphertext = xsalsa20poly1305(key, nonce).encrypt(pkcs8Der);
  const envelope: EncryptedKeyEnvelope = {
    kdf: { name: 'scrypt', params: { N: scrypt.N, r: scrypt.r, p: scrypt.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return toPem(ENCRYPTED_KEY_PEM_TYPE, Buffer.from(JSON.stringify(envelope)));
}

function bad(msg: string): VouchError {
  return new VouchError('KEY_INVALID', `encrypted private key: ${msg}`);
}

function isInt(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
}

function b64(v: unknown, name: string): Buffer {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad(`${name} is not base64`);
  return Buffer.from(v, 'base64');
}

/** Parse the envelope JSON of an encrypted-key PEM; throws KEY_INVALID. */
export function parseKeyEnvelope(text: string): EncryptedKeyEnvelope {
  const pem = readPem(text);
  if (!pem || (pem.type !== ENCRYPTED_KEY_PEM_TYPE && pem.type !== LEGACY_ENCRYPTED_KEY_PEM_TYPE)) {
    throw bad(`not an "${ENCRYPTED_KEY_PEM_TYPE}" PEM block`);
  }
  let env: unknown;
  try {
    env = JSON.parse(pem.der.toString('utf8'));
  } catch {
    throw bad('the PEM body is not JSON');
  }
  const e = env as { kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown }; cipher?: { name?: unknown; nonce?: unknown }; ciphertext?: unknown };
  if (typeof e !== 'object' || e === null) throw bad('the PEM body is not a JSON object');
  if (e.kdf?.name !== 'scrypt') throw bad(`unsupported KDF ${JSON.stringify(e.kdf?.name)} (scrypt)`);
  const { N, r, p } = e.kdf.params ?? {};
  if (!isInt(N, MAX_SCRYPT_N) || (N & (N - 1)) !== 0 || N < 2) throw bad(`scrypt N ${JSON.stringify(N)} must be a power of two up to ${MAX_SCRYPT_N}`);
  if (!isInt(r, MAX_SCRYPT_R) || !isInt(p, MAX_SCRYPT_P)) throw bad('scrypt r or p out of range');
  if (e.cipher?.name !== 'nacl/secretbox') throw bad(`unsupported cipher ${JSON.stringify(e.cipher?.name)} (nacl/secretbox)`);
  b64(e.kdf.salt, 'salt');
  if (b64(e.cipher.nonce, 'nonce').length !== 24) throw bad('nonce must be 24 bytes');
  b64(e.ciphertext, 'ciphertext');
  return e as EncryptedKeyEnvelope;
}

/** Decrypt to the plaintext DER (PKCS#8 for current cosign). Wrong password → KEY_PASSWORD. */
export function decryptKeyEnvelope(text: string, password: string): Buffer {
  const env = parseKeyEnvelope(text);
  const key = deriveKey(password, b64(env.kdf.salt, 'salt'), env.kdf.params);
  try {
    return Buffer.from(xsalsa20poly1305(key, b64(env.cipher.nonce, 'nonce')).decrypt(b64(env.ciphertext, 'ciphertext')));
  } catch (err) {
    throw new VouchError('KEY_PASSWORD', 'incorrect password: the private key could not be decrypted', { cause: err });
  }
}
