/**
 * Worker thread: the SQLite batch commit of the log (see sqlite-writer.ts). node:sqlite is
 * synchronous, so a commit with `synchronous = FULL` blocks its thread for the fsync; here that is
 * this thread, not the event loop that serves HTTP. The transaction is the same as
 * `LogStore.integrate`: compare-and-set the head on the old size, insert entries, nodes and search
 * keys, drop them from `log_pending`, COMMIT (durable when this returns).
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

export interface WriterInit {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
}

export interface WriterRequest {
  readonly id: number;
  readonly oldSize: number;
  readonly entries: readonly { logIndex: number; leafHash: string; body: Uint8Array; integratedTime: number; kind: string; indexKeys: readonly string[] }[];
  readonly nodes: readonly { id: number; hash: Uint8Array }[];
  readonly head: { size: number; rootHash: Uint8Array };
  readonly updatedAt: number;
}

export interface WriterReply {
  readonly id: number;
  readonly ok?: true;
  readonly fenced?: true;
  readonly error?: string;
}

const init = workerData as WriterInit;
const db = new DatabaseSync(init.path);
db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${init.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}; PRAGMA busy_timeout = 5000;`);
const setHead = db.prepare('UPDATE log_tree SET size = ?, root_hash = ?, updated_at = ? WHERE id = 1 AND size = ?');
const addEntry = db.prepare('INSERT INTO log_entries (log_index, leaf_hash, body, integrated_time, kind) VALUES (?, ?, ?, ?, ?)');
const addNode = db.prepare('INSERT INTO log_nodes (id, hash) VALUES (?, ?)');
const addKey = db.prepare('INSERT INTO log_index_keys (key, leaf_hash) VALUES (?, ?) ON CONFLICT (key, leaf_hash) DO NOTHING');
const dropPending = db.prepare('DELETE FROM log_pending WHERE leaf_hash = ?');

function integrate(req: WriterRequest): WriterReply {
  db.exec('BEGIN IMMEDIATE');
  try {
    const updated = setHead.run(req.head.size, req.head.rootHash, req.updatedAt, req.oldSize);
    if (Number(updated.changes) !== 1) {
      db.exec('ROLLBACK');
      return { id: req.id, fenced: true };
    }
    for (const e of req.entries) {
      addEntry.run(e.logIndex, e.leafHash, e.body, e.integratedTime, e.kind);
      for (const k of e.indexKeys) addKey.run(k, e.leafHash);
      dropPending.run(e.leafHash);
    }
    for (const n of req.nodes) addNode.run(n.id, n.hash);
    db.exec('COMMIT');
    return { id: req.id, ok: true };
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    return { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.on('message', (req: WriterRequest | 'close') => {
  if (req === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  parentPort!.postMessage(integrate(req));
});
