/**
 * The SQLite log's batch writer on its own thread (sqlite-writer-worker.ts): the event loop hands
 * it a batch and awaits the reply, which comes only after COMMIT returned — with the default
 * `synchronous = FULL` in WAL mode, after the WAL was fsynced. So "acknowledged = committed" holds
 * exactly as before, but the fsync no longer stalls HTTP serving, proofs and signing. Readers keep
 * using the main connection (WAL: they see every committed batch).
 */
import { Worker } from 'node:worker_threads';
import type { NodeId } from '../../formats/tlog/index.ts';
import { FencedError, nodeKey, type NewEntry, type TreeHead } from './store.ts';
import type { WriterInit, WriterReply, WriterRequest } from './sqlite-writer-worker.ts';

interface Pending {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private dead: Error | undefined;

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (m: WriterReply) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.ok === true) p.resolve();
      else if (m.fenced === true) p.reject(new FencedError());
      else p.reject(new Error(m.error ?? 'the SQLite writer failed'));
    });
    const fail = (err: Error): void => {
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err: Error) => fail(err));
    worker.on('exit', () => fail(new Error('the SQLite writer thread stopped')));
  }

  /** Start the writer on `path` (the schema must exist); resolves once the thread is running. */
  static async open(path: string, synchronous: 'FULL' | 'NORMAL'): Promise<SqliteWriter> {
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const init: WriterInit = { path, synchronous };
    const worker = new Worker(new URL(`./sqlite-writer-worker${ext}`, import.meta.url), { workerData: init });
    await new Promise<void>((resolve, reject) => {
      worker.once('online', () => resolve());
      worker.once('error', reject);
    });
    return new SqliteWriter(worker);
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  integrate(oldSize: number, entries: readonly (NewEntry & { logIndex: number; integratedTime: number })[], nodes: readonly { id: NodeId; hash: Buffer }[], head: TreeHead): Promise<void> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    const id = this.nextId++;
    const req: WriterRequest = {
      id,
      oldSize,
      entries: entries.map((e) => ({ logIndex: e.logIndex, leafHash: e.leafHash, body: e.body, integratedTime: e.integratedTime, kind: e.kind, indexKeys: e.indexKeys })),
      nodes: nodes.map((n) => ({ id: nodeKey(n.id), hash: n.hash })),
      head: { size: head.size, rootHash: head.rootHash },
      updatedAt: Date.now(),
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    if (this.dead !== undefined) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    await exited;
  }
}
