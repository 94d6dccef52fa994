/**
 * Entry checking (signature verification, canonicalization) on a small pool of worker threads, so
 * the event loop keeps serving HTTP and committing batches while signatures are verified:
 * prehashed ECDSA for hashedrekord (~0.3 ms an entry, see formats/tlog/entries.ts). Falls back to the
 * calling thread when no worker can start (or `size` is 0).
 */
import { Worker } from 'node:worker_threads';
import { canonicalizeProposedEntry, EntryError, type CanonicalEntry } from '../../formats/tlog/index.ts';

interface Pending {
  readonly worker: Worker;
  readonly resolve: (v: CanonicalEntry) => void;
  readonly reject: (e: Error) => void;
}

interface Reply {
  id: number;
  ok?: { kind: CanonicalEntry['kind']; apiVersion: string; body: Uint8Array; indexKeys: string[] };
  error?: string;
  entryError?: boolean;
}

export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;

  constructor(size: number) {
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    for (let i = 0; i < size; i++) {
      try {
        const w = new Worker(new URL(`./verify-worker${ext}`, import.meta.url));
        w.unref();
        w.on('message', (m: Reply) => this.settle(m));
        w.on('error', () => this.drop(w));
        w.on('exit', () => this.drop(w));
        this.workers.push(w);
      } catch {
        break;
      }
    }
  }

  private settle(m: Reply): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.ok !== undefined) p.resolve({ ...m.ok, body: Buffer.from(m.ok.body) });
    else p.reject(m.entryError === true ? new EntryError(m.error ?? 'invalid entry') : new Error(m.error ?? 'verification failed'));
  }

  private drop(w: Worker): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    // Requests sent to a dead worker are lost: fail them rather than hang.
    for (const [id, p] of this.pending) {
      if (p.worker !== w) continue;
      this.pending.delete(id);
      p.reject(new Error('verification worker stopped'));
    }
  }

  canonicalize(proposed: unknown): Promise<CanonicalEntry> {
    if (this.workers.length === 0) {
      try {
        return Promise.resolve(canonicalizeProposedEntry(proposed));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const w = this.workers[this.turn++ % this.workers.length]!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: w, resolve, reject });
      try {
        w.postMessage({ id, proposed });
      } catch (err) {
        this.pending.delete(id);
        reject(new EntryError(`the entry cannot be read: ${(err as Error).message}`));
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new Error('the log is shutting down'));
    this.pending.clear();
  }
}
