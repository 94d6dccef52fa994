/**
 * The log's domain service: accept entries (verified, canonicalized, deduplicated), read them with
 * proofs, checkpoints and SETs exactly as Rekor v1 returns them (openapi.yaml `LogEntry`,
 * `LogInfo`, `ConsistencyProof`).
 */
import {
  canonicalizeProposedEntry,
  consistencyProof,
  EntryError,
  entryUuid,
  inclusionProof,
  leafHash,
  treeRoot,
  type LogSigner,
} from '../../formats/tlog/index.ts';
import type { Sequencer } from './sequencer.ts';
import type { VerifyPool } from './verify-pool.ts';
import type { LogStore, StoredEntry, TreeHead } from './store.ts';

export interface LogEntryJson {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: {
    inclusionProof: { checkpoint: string; hashes: string[]; logIndex: number; rootHash: string; treeSize: number };
    signedEntryTimestamp: string;
  };
}

export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

export interface Identity {
  /** The checkpoint origin line, `<host> - <treeID>` as Rekor v1 writes it. */
  readonly origin: string;
  /** The signer name on the signature line (`<host>`). */
  readonly name: string;
}

export class TransparencyLog {
  readonly store: LogStore;
  readonly signer: LogSigner;
  readonly sequencer: Sequencer;
  readonly treeId: bigint;
  private readonly identity: () => Identity;
  private readonly verifier: VerifyPool | undefined;
  private cachedCheckpoint: { size: number; root: string; origin: string; note: string } | undefined;

  constructor(store: LogStore, signer: LogSigner, sequencer: Sequencer, treeId: bigint, identity: () => Identity, verifier?: VerifyPool) {
    this.verifier = verifier;
    this.store = store;
    this.signer = signer;
    this.sequencer = sequencer;
    this.treeId = treeId;
    this.identity = identity;
  }

  get treeIdHex(): string {
    return this.treeId.toString(16).padStart(16, '0');
  }

  uuid(leafHex: string): string {
    return entryUuid(this.treeIdHex, leafHex);
  }

  /** Verify and integrate a proposed entry. Duplicate → 409 with the existing entry's UUID. */
  async add(proposed: unknown): Promise<{ uuid: string; entry: LogEntryJson }> {
    let canonical;
    try {
      canonical = this.verifier === undefined ? canonicalizeProposedEntry(proposed) : await this.verifier.canonicalize(proposed);
    } catch (err) {
      if (err instanceof EntryError) throw new HttpError(400, `error processing entry: ${err.message}`);
      throw err;
    }
    const leaf = leafHash(canonical.body).toString('hex');
    // Duplicates are found by the sequencer (in the batch's transaction), not by an extra read here.
    const result = await this.sequencer.submit({ leafHash: leaf, body: canonical.body, kind: canonical.kind, indexKeys: canonical.indexKeys });
    if (result.duplicate) throw this.conflict(leaf);
    const stored: StoredEntry = { logIndex: result.logIndex, leafHash: leaf, body: canonical.body, integratedTime: result.integratedTime };
    return { uuid: this.uuid(leaf), entry: await this.render(stored, result.head) };
  }

  private conflict(leaf: string): HttpError {
    const uuid = this.uuid(leaf);
    return new HttpError(409, `an equivalent entry already exists in the transparency log with UUID ${uuid}`, { location: `/api/v1/log/entries/${uuid}` });
  }

  async head(): Promise<TreeHead> {
    const head = await this.store.head();
    if (head === undefined) throw new Error('the log has no tree head');
    return head;
  }

  checkpoint(head: TreeHead): string {
    const { origin, name } = this.identity();
    const root = head.rootHash.toString('hex');
    const c = this.cachedCheckpoint;
    if (c !== undefined && c.size === head.size && c.root === root && c.origin === origin) return c.note;
    const note = this.signer.signCheckpoint({ origin, size: head.size, rootHash: head.rootHash, extensions: [] }, name);
    if (c === undefined || head.size >= c.size) this.cachedCheckpoint = { size: head.size, root, origin, note };
    return note;
  }

  /** The entry as Rekor returns it, with an inclusion proof against the current head. */
  async render(e: StoredEntry, head?: TreeHead): Promise<LogEntryJson> {
    const h = head ?? (await this.head());
    const proof = await inclusionProof(e.logIndex, h.size, this.store.readNodes);
    const logID = this.signer.logId.toString('hex');
    const body = e.body.toString('base64');
    const set = this.signer.signSet({ body, integratedTime: e.integratedTime, logID, logIndex: e.logIndex });
    return {
      body,
      integratedTime: e.integratedTime,
      logID,
      logIndex: e.logIndex,
      verification: {
        inclusionProof: { checkpoint: this.checkpoint(h), hashes: proof.map((p) => p.toString('hex')), logIndex: e.logIndex, rootHash: h.rootHash.toString('hex'), treeSize: h.size },
        signedEntryTimestamp: set.toString('base64'),
      },
    };
  }

  async getByUuid(uuid: string): Promise<StoredEntry | undefined> {
    const m = /^(?:([0-9a-f]{16}))?([0-9a-f]{64})$/.exec(uuid);
    if (m === null) throw new HttpError(400, `${uuid.slice(0, 100)} is not a valid entry UUID (64 or 80 hex digits)`);
    if (m[1] !== undefined && m[1] !== this.treeIdHex) return undefined;
    return this.store.byLeafHash(m[2]!);
  }

  async info(): Promise<{ rootHash: string; treeSize: number; signedTreeHead: string; treeID: string; inactiveShards: [] }> {
    const head = await this.head();
    return { rootHash: head.rootHash.toString('hex'), treeSize: head.size, signedTreeHead: this.checkpoint(head), treeID: this.treeId.toString(), inactiveShards: [] };
  }

  async consistency(first: number, last: number): Promise<{ rootHash: string; hashes: string[] }> {
    const head = await this.head();
    if (last > head.size) throw new HttpError(400, `lastSize ${last} is beyond the tree size ${head.size}`);
    if (first > last) throw new HttpError(400, `firstSize ${first} is greater than lastSize ${last}`);
    const [proof, root] = await Promise.all([consistencyProof(first, last, this.store.readNodes), last === head.size ? head.rootHash : treeRoot(last, this.store.readNodes)]);
    return { rootHash: root.toString('hex'), hashes: proof.map((p) => p.toString('hex')) };
  }
}
