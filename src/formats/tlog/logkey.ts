/**
 * A log's signing key: Rekor's log ID, the signed entry timestamp (SET) and checkpoint signing.
 *
 * - Log ID = SHA-256 of the key's SPKI DER (Rekor v1 `pkg/api/public_key.go`), hex in the REST API.
 * - SET = signature over RFC 8785 canonical JSON of `{body, integratedTime, logID, logIndex}`
 *   (Rekor v1 `pkg/api/entries.go` `signEntry`): body base64, logID hex, logIndex the global index.
 */
import { createHash, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { digestFor, formatCheckpoint, formatSignedNote, noteKeyId, type Checkpoint } from './note.ts';

export type LogKeyAlgorithm = 'ecdsa-p256' | 'ed25519';

export function logIdOf(publicKey: KeyObject): Buffer {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest();
}

export function keyAlgorithm(key: KeyObject): LogKeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  throw new Error(`log keys are ECDSA P-256 or Ed25519, not ${key.asymmetricKeyType ?? 'unknown'}`);
}

export function signWith(key: KeyObject, data: Buffer): Buffer {
  return cryptoSign(key.asymmetricKeyType === 'ed25519' ? null : digestFor(key), data, key);
}

export function verifyWith(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return cryptoVerify(key.asymmetricKeyType === 'ed25519' ? null : digestFor(key), data, key, signature);
  } catch {
    return false;
  }
}

export interface SetPayload {
  /** base64 of the canonicalized entry body. */
  readonly body: string;
  readonly integratedTime: number;
  /** hex */
  readonly logID: string;
  readonly logIndex: number;
}

export function setPayloadBytes(p: SetPayload): Buffer {
  return Buffer.from(canonicalize({ body: p.body, integratedTime: p.integratedTime, logID: p.logID, logIndex: p.logIndex })!, 'utf8');
}

export function verifySet(publicKey: KeyObject, p: SetPayload, set: Buffer): boolean {
  return verifyWith(publicKey, setPayloadBytes(p), set);
}

export class LogSigner {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly algorithm: LogKeyAlgorithm;
  readonly logId: Buffer;

  constructor(privateKey: KeyObject) {
    if (privateKey.type !== 'private') throw new Error('a log signer needs a private key');
    this.privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
    this.algorithm = keyAlgorithm(this.publicKey);
    this.logId = logIdOf(this.publicKey);
  }

  publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  signSet(p: SetPayload): Buffer {
    return signWith(this.privateKey, setPayloadBytes(p));
  }

  /** The whole signed checkpoint note, one signature by `name`. */
  signCheckpoint(c: Checkpoint, name: string): string {
    const text = formatCheckpoint(c);
    const signature = signWith(this.privateKey, Buffer.from(text, 'utf8'));
    return formatSignedNote({ text, signatures: [{ name, keyId: noteKeyId(name, this.publicKey), signature }] });
  }
}
