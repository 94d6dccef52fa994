/**
 * A Rekor v1 client that trusts nothing it has not verified: every entry's SET, inclusion proof
 * and checkpoint signature, every consistency proof. The log's public key is pinned by the caller
 * (`publicKey`) or fetched once from `/api/v1/log/publicKey` (trust on first use: the monitor
 * stores it in its state file and refuses a different one later).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { VouchError } from '../../core/index.ts';
import {
  leafHash,
  logIdOf,
  noteKeyId,
  parseCheckpoint,
  parseSignedNote,
  verifyConsistency,
  verifyInclusion,
  verifyNoteSignature,
  verifySet,
  type Checkpoint,
} from '../../formats/tlog/index.ts';

export const DEFAULT_REKOR_CLIENT = { timeoutMs: 30_000, maxResponseBytes: 32 * 1024 * 1024 } as const;

export interface RekorClientOptions {
  readonly baseUrl: string;
  /** Pin the log key; otherwise fetched from the log on first use. */
  readonly publicKey?: KeyObject;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly fetch?: typeof fetch;
}

export interface LogEntry {
  readonly uuid: string;
  readonly body: Buffer;
  readonly integratedTime: number;
  readonly logID: string;
  readonly logIndex: number;
  readonly inclusionProof: { readonly logIndex: number; readonly treeSize: number; readonly rootHash: Buffer; readonly hashes: readonly Buffer[]; readonly checkpoint: string };
  readonly signedEntryTimestamp: Buffer;
  /** The entry as the server sent it (Rekor JSON). */
  readonly raw: Record<string, unknown>;
}

export interface VerifiedCheckpoint extends Checkpoint {
  /** The whole signed note. */
  readonly note: string;
  /** The signer name whose signature verified. */
  readonly name: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): VouchError {
  return new VouchError('LOG_SERVER', `malformed log response: ${message}`);
}

function hexBuf(v: unknown, what: string, len?: number): Buffer {
  if (typeof v !== 'string' || !/^([0-9a-f]{2})*$/.test(v)) throw bad(`${what} is not hex`);
  const b = Buffer.from(v, 'hex');
  if (len !== undefined && b.length !== len) throw bad(`${what} is not ${len} bytes`);
  return b;
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${what} is not a non-negative integer`);
  return v;
}

/** Verify a signed checkpoint with `key`: any signature line whose key id matches this key. */
export function verifyCheckpointNote(note: string, key: KeyObject): VerifiedCheckpoint {
  let parsed;
  try {
    parsed = parseSignedNote(note);
  } catch (err) {
    throw new VouchError('LOG_PROOF_INVALID', `checkpoint: ${(err as Error).message}`);
  }
  const sig = parsed.signatures.find((s) => s.keyId.equals(noteKeyId(s.name, key)) && verifyNoteSignature(parsed, s.name, key));
  if (sig === undefined) throw new VouchError('LOG_PROOF_INVALID', 'the checkpoint is not signed by the log key');
  try {
    return { ...parseCheckpoint(parsed.text), note, name: sig.name };
  } catch (err) {
    throw new VouchError('LOG_PROOF_INVALID', `checkpoint: ${(err as Error).message}`);
  }
}

export class RekorClient {
  readonly baseUrl: string;
  private key: KeyObject | undefined;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: RekorClientOptions) {
    let u: URL;
    try {
      u = new URL(options.baseUrl);
    } catch {
      throw new VouchError('USAGE', `not a URL: ${options.baseUrl}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new VouchError('USAGE', `the log URL must be http(s): ${options.baseUrl}`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.key = options.publicKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REKOR_CLIENT.timeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_REKOR_CLIENT.maxResponseBytes;
    this.fetchImpl = options.fetch ?? fetch;
  }

  private async request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; headers: Headers }> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new VouchError('LOG_SERVER', `cannot reach the log at ${this.baseUrl}: ${(err as Error).message}`, { cause: err });
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > this.maxResponseBytes) throw new VouchError('LIMIT_EXCEEDED', `the log's response is over ${this.maxResponseBytes} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    if (response.body !== null) {
      for await (const part of response.body) {
        const chunk = part as Uint8Array;
        size += chunk.length;
        if (size > this.maxResponseBytes) throw new VouchError('LIMIT_EXCEEDED', `the log's response is over ${this.maxResponseBytes} bytes`);
        chunks.push(Buffer.from(chunk));
      }
    }
    return { status: response.status, text: Buffer.concat(chunks).toString('utf8'), headers: response.headers };
  }

  private async json(method: string, path: string, body?: unknown): Promise<{ status: number; doc: unknown; headers: Headers }> {
    const r = await this.request(method, path, body);
    let doc: unknown;
    try {
      doc = JSON.parse(r.text);
    } catch {
      throw new VouchError('LOG_SERVER', `the log answered ${r.status} with a body that is not JSON`);
    }
    if (r.status >= 400 && r.status !== 409) {
      const message = isRecord(doc) && typeof doc.message === 'string' ? doc.message.slice(0, 500) : `HTTP ${r.status}`;
      const code = r.status === 404 ? 'LOG_NOT_FOUND' : r.status === 400 || r.status === 422 ? 'LOG_ENTRY_REJECTED' : 'LOG_SERVER';
      throw new VouchError(code, `the log answered ${r.status}: ${message}`);
    }
    return { status: r.status, doc, headers: r.headers };
  }

  /** The log key: pinned, or fetched once. */
  async publicKey(): Promise<KeyObject> {
    if (this.key !== undefined) return this.key;
    const r = await this.request('GET', '/api/v1/log/publicKey');
    if (r.status !== 200) throw new VouchError('LOG_SERVER', `the log answered ${r.status} for its public key`);
    try {
      this.key = createPublicKey(r.text);
    } catch (err) {
      throw new VouchError('LOG_SERVER', `the log's public key is not a PEM public key: ${(err as Error).message}`);
    }
    return this.key;
  }

  /** Parse and verify one `{uuid: entry}` object. */
  async verifyEntry(doc: unknown, expectedUuid?: string): Promise<LogEntry> {
    if (!isRecord(doc)) throw bad('expected an object {uuid: entry}');
    const pairs = Object.entries(doc);
    if (pairs.length !== 1) throw bad('expected exactly one entry');
    const [uuid, e] = pairs[0]!;
    if (!isRecord(e)) throw bad('entry is not an object');
    if (typeof e.body !== 'string') throw bad('entry.body is not a string');
    const body = Buffer.from(e.body, 'base64');
    const leaf = leafHash(body);
    const key = await this.publicKey();
    const logIndex = int(e.logIndex, 'logIndex');
    const integratedTime = int(e.integratedTime, 'integratedTime');
    const logID = typeof e.logID === 'string' ? e.logID : '';
    if (!/^[0-9a-f]{64}$/.test(uuid.slice(-64)) || uuid.slice(-64) !== leaf.toString('hex')) throw new VouchError('LOG_PROOF_INVALID', `entry ${uuid} is not the hash of its body`);
    if (expectedUuid !== undefined && uuid.slice(-64) !== expectedUuid.slice(-64)) throw new VouchError('LOG_PROOF_INVALID', `asked for ${expectedUuid}, got ${uuid}`);
    if (logID !== logIdOf(key).toString('hex')) throw new VouchError('LOG_PROOF_INVALID', `entry ${uuid} names another log (${logID.slice(0, 16)}…)`);
    const v = e.verification;
    if (!isRecord(v) || typeof v.signedEntryTimestamp !== 'string') throw new VouchError('LOG_PROOF_INVALID', `entry ${uuid} has no signed entry timestamp`);
    const set = Buffer.from(v.signedEntryTimestamp, 'base64');
    if (!verifySet(key, { body: e.body, integratedTime, logID, logIndex }, set)) throw new VouchError('LOG_PROOF_INVALID', `entry ${uuid}: the signed entry timestamp does not verify`);
    const p = v.inclusionProof;
    if (!isRecord(p) || typeof p.checkpoint !== 'string' || !Array.isArray(p.hashes)) throw new VouchError('LOG_PROOF_INVALID', `entry ${uuid} has no inclusion proof`);
    const proof = {
      logIndex: int(p.logIndex, 'inclusionProof.logIndex'),
      treeSize: int(p.treeSize, 'inclusionProof.treeSize'),
      rootHash: hexBuf(p.rootHash, 'inclusionProof.rootHash', 32),
      hashes: p.hashes.slice(0, 128).map((h, i) => hexBuf(h, `inclusionProof.hashes[${i}]`, 32)),
      checkpoint: p.checkpoint,
    };
    if (p.hashes.length > 128) throw bad('inclusion proof too long');
    if (proof.logIndex !== logIndex) throw new VouchError('LOG_PROOF_INVALID', `entry ${uuid}: the proof is for another index`);
    if (!verifyInclusion(proof.logIndex, proof.treeSize, leaf, proof.hashes, proof.rootHash)) throw new VouchError('LOG_PROOF_INVALID', `entry ${uuid}: the inclusion proof does not verify`);
    const cp = verifyCheckpointNote(proof.checkpoint, key);
    if (cp.size !== proof.treeSize || !cp.rootHash.equals(proof.rootHash)) throw new VouchError('LOG_PROOF_INVALID', `entry ${uuid}: the checkpoint is not the tree the proof is for`);
    return { uuid, body, integratedTime, logID, logIndex, inclusionProof: proof, signedEntryTimestamp: set, raw: e };
  }

  /** Upload a proposed entry. A duplicate returns the existing entry with `duplicate: true`. */
  async upload(proposed: unknown): Promise<{ entry: LogEntry; duplicate: boolean }> {
    const r = await this.json('POST', '/api/v1/log/entries', proposed);
    if (r.status === 409) {
      const location = r.headers.get('location') ?? '';
      const uuid = location.split('/').pop() ?? '';
      if (!/^[0-9a-f]{64,80}$/.test(uuid)) throw new VouchError('LOG_SERVER', 'the log answered 409 without the existing entry');
      return { entry: await this.getByUuid(uuid), duplicate: true };
    }
    if (r.status !== 201) throw new VouchError('LOG_SERVER', `the log answered ${r.status} to an upload`);
    return { entry: await this.verifyEntry(r.doc), duplicate: false };
  }

  async getByUuid(uuid: string): Promise<LogEntry> {
    if (!/^[0-9a-f]{64}([0-9a-f]{16})?$/.test(uuid)) throw new VouchError('USAGE', `not an entry UUID: ${uuid}`);
    return this.verifyEntry((await this.json('GET', `/api/v1/log/entries/${uuid}`)).doc, uuid);
  }

  async getByIndex(index: number): Promise<LogEntry> {
    const entry = await this.verifyEntry((await this.json('GET', `/api/v1/log/entries?logIndex=${index}`)).doc);
    if (entry.logIndex !== index) throw new VouchError('LOG_PROOF_INVALID', `asked for index ${index}, got ${entry.logIndex}`);
    return entry;
  }

  /** The current checkpoint, signature verified. */
  async checkpoint(): Promise<VerifiedCheckpoint & { treeId: string }> {
    const { doc } = await this.json('GET', '/api/v1/log');
    if (!isRecord(doc) || typeof doc.signedTreeHead !== 'string') throw bad('log info without signedTreeHead');
    const cp = verifyCheckpointNote(doc.signedTreeHead, await this.publicKey());
    if (doc.treeSize !== cp.size || doc.rootHash !== cp.rootHash.toString('hex')) throw new VouchError('LOG_PROOF_INVALID', 'the log info does not match its own checkpoint');
    return { ...cp, treeId: typeof doc.treeID === 'string' ? doc.treeID : '' };
  }

  /** Prove the tree `old` is a prefix of the tree `next` (RFC 9162 §2.1.4); throws LOG_FORK when not. */
  async proveConsistency(old: { size: number; rootHash: Buffer }, next: { size: number; rootHash: Buffer }): Promise<void> {
    if (next.size < old.size) throw new VouchError('LOG_FORK', `the log shrank from ${old.size} to ${next.size} entries`);
    if (next.size === old.size) {
      if (!next.rootHash.equals(old.rootHash)) throw new VouchError('LOG_FORK', `two different roots for tree size ${old.size}`);
      return;
    }
    if (old.size === 0) return;
    const { doc } = await this.json('GET', `/api/v1/log/proof?firstSize=${old.size}&lastSize=${next.size}`);
    if (!isRecord(doc) || !Array.isArray(doc.hashes) || doc.hashes.length > 128) throw bad('consistency proof');
    const root = hexBuf(doc.rootHash, 'rootHash', 32);
    if (!root.equals(next.rootHash)) throw new VouchError('LOG_FORK', `the log's root for size ${next.size} is not the one in its checkpoint`);
    const hashes = doc.hashes.map((h, i) => hexBuf(h, `hashes[${i}]`, 32));
    if (!verifyConsistency(old.size, next.size, old.rootHash, next.rootHash, hashes)) {
      throw new VouchError('LOG_FORK', `the checkpoint at size ${next.size} is not consistent with the one at size ${old.size}: the log was forked or rewritten`);
    }
  }

  async search(query: { hash?: string; email?: string; publicKeyPem?: string }): Promise<string[]> {
    const body = {
      ...(query.hash === undefined ? {} : { hash: query.hash }),
      ...(query.email === undefined ? {} : { email: query.email }),
      ...(query.publicKeyPem === undefined ? {} : { publicKey: { format: 'x509', content: Buffer.from(query.publicKeyPem).toString('base64') } }),
    };
    const { doc } = await this.json('POST', '/api/v1/index/retrieve', body);
    if (!Array.isArray(doc) || doc.some((u) => typeof u !== 'string')) throw bad('search result is not a list of UUIDs');
    return doc as string[];
  }
}
