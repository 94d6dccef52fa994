/**
 * C2SP signed notes (https://github.com/C2SP/C2SP/blob/main/signed-note.md) carrying
 * tlog-checkpoint bodies (https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md):
 *
 *   <origin>\n<tree size, decimal>\n<base64 root hash>\n[extension lines]\n
 *   \n
 *   — <key name> <base64(key id[4] ‖ signature)>\n   (one line per signature)
 *
 * Key ids: Ed25519 keys use SHA-256(name ‖ 0x0A ‖ 0x01 ‖ raw key)[:4] (signed-note §"Signature
 * types", type 0x01). ECDSA keys, as Rekor v1 signs them, use SHA-256(SPKI DER)[:4], which is also
 * the first four bytes of Rekor's log ID; sigstore-js looks keys up by that prefix.
 */
import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export const MAX_NOTE_BYTES = 1_000_000;
const MAX_SIGNATURES = 100;

export interface NoteSignature {
  readonly name: string;
  readonly keyId: Buffer;
  readonly signature: Buffer;
}

export interface SignedNote {
  /** The signed text, ending in a newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  /** Extension lines after the root hash (without their newlines). */
  readonly extensions: readonly string[];
}

export class NoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoteError';
  }
}

/** The key id a signed note line carries for this key and name. */
const keyIdCache = new WeakMap<KeyObject, Map<string, Buffer>>();

export function noteKeyId(name: string, key: KeyObject): Buffer {
  let byName = keyIdCache.get(key);
  if (byName === undefined) {
    byName = new Map();
    keyIdCache.set(key, byName);
  }
  let id = byName.get(name);
  if (id === undefined) {
    id = noteKeyIdUncached(name, key);
    if (byName.size < 16) byName.set(name, id);
  }
  return id;
}

function noteKeyIdUncached(name: string, key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ed25519') {
    const raw = key.export({ format: 'der', type: 'spki' }).subarray(-32);
    return createHash('sha256').update(Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0x0a, 0x01]), raw])).digest().subarray(0, 4);
  }
  return createHash('sha256').update(key.export({ format: 'der', type: 'spki' })).digest().subarray(0, 4);
}

/** The text a checkpoint signs. */
export function formatCheckpoint(c: Checkpoint): string {
  if (c.origin === '' || /[\n]/.test(c.origin)) throw new NoteError('checkpoint origin must be one non-empty line');
  const ext = c.extensions.map((l) => `${l}\n`).join('');
  return `${c.origin}\n${c.size}\n${c.rootHash.toString('base64')}\n${ext}`;
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new NoteError('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError('checkpoint has fewer than 3 lines');
  const [origin, sizeLine, rootLine] = lines as [string, string, string];
  if (origin === '') throw new NoteError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw new NoteError('checkpoint tree size is not a decimal number');
  const rootHash = Buffer.from(rootLine, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootLine) throw new NoteError('checkpoint root hash is not 32 bytes of base64');
  const extensions = lines.slice(3);
  if (extensions.some((l) => l === '')) throw new NoteError('checkpoint has an empty extension line');
  return { origin, size: Number(sizeLine), rootHash, extensions };
}

export function formatSignedNote(note: SignedNote): string {
  const sigs = note.signatures.map((s) => `\u2014 ${s.name} ${Buffer.concat([s.keyId, s.signature]).toString('base64')}\n`).join('');
  return `${note.text}\n${sigs}`;
}

/** Parse a signed note (signed-note §"Format"): text, a blank line, then signature lines. */
export function parseSignedNote(envelope: string): SignedNote {
  if (envelope.length > MAX_NOTE_BYTES) throw new NoteError('signed note is too large');
  const split = envelope.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('signed note has no blank line before its signatures');
  const text = envelope.slice(0, split + 1);
  const sigBlock = envelope.slice(split + 2);
  if (!sigBlock.endsWith('\n')) throw new NoteError('signed note must end with a newline');
  const lines = sigBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError('signed note has too many signatures');
  const signatures = lines.map((line) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (m === null) throw new NoteError(`malformed signature line: ${line.slice(0, 80)}`);
    const raw = Buffer.from(m[2]!, 'base64');
    if (raw.length < 5) throw new NoteError('signature line too short');
    return { name: m[1]!, keyId: raw.subarray(0, 4), signature: raw.subarray(4) };
  });
  if (signatures.length === 0) throw new NoteError('signed note has no signatures');
  return { text, signatures };
}

/** Verify one signature of `note` by `name`/`key` (key id matched first). */
export function verifyNoteSignature(note: SignedNote, name: string, key: KeyObject): boolean {
  const keyId = noteKeyId(name, key);
  const data = Buffer.from(note.text, 'utf8');
  return note.signatures.some((s) => {
    if (s.name !== name || !s.keyId.equals(keyId)) return false;
    try {
      return cryptoVerify(key.asymmetricKeyType === 'ed25519' ? null : digestFor(key), data, key, s.signature);
    } catch {
      return false;
    }
  });
}

/** The hash ECDSA/RSA signatures use with this key: SHA-384 for P-384, SHA-512 for P-521, else SHA-256. */
const digestCache = new WeakMap<KeyObject, string>();

export function digestFor(key: KeyObject): string {
  let d = digestCache.get(key);
  if (d === undefined) {
    d = digestForUncached(key);
    digestCache.set(key, d);
  }
  return d;
}

function digestForUncached(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return 'sha384';
  if (curve === 'secp521r1') return 'sha512';
  return 'sha256';
}
