/**
 * The sequencer: assigns indices and integrates entries into the tree in batches.
 *
 * Exactly one replica sequences at a time. SQLite: the one process that owns the file.
 * PostgreSQL: the replica holding `pg_try_advisory_lock(LOCK_KEY)` on a dedicated connection; when
 * that process dies its connection closes, the lock is released, and another replica's next poll
 * takes over (then reloads the tree from the committed head). A sequencer also compare-and-sets the
 * head's size in every batch, so one that lost its lock without noticing cannot write; and
 * `log_index` is a PRIMARY KEY, so no index is ever assigned twice.
 *
 * Durability: a submitter's promise resolves only after the batch's transaction committed. A
 * replica that does not sequence commits the entry to `log_pending` and waits until the
 * sequencer has integrated it.
 */
import pg from 'pg';
import type { Logger } from '../../core/index.ts';
import { CompactRange, emptyRoot } from '../../formats/tlog/index.ts';
import { FencedError, type LogStore, type NewEntry, type TreeHead } from './store.ts';

/** A fixed 64-bit key for pg_advisory locks: "vouchlog" in ASCII. */
const LOCK_KEY = '8534893404451434343';

export interface SequencerOptions {
  /** How long the first entry of a batch waits for others (ms). */
  readonly batchWaitMs: number;
  readonly maxBatch: number;
  /** PostgreSQL URL: elect a sequencer with an advisory lock; undefined (SQLite): always sequence. */
  readonly postgresUrl?: string;
  /** How often a replica that does not sequence tries the lock and polls for its pending entries (ms). */
  readonly pollMs?: number;
  /** How long a write waits for integration before failing with 503 (ms). */
  readonly integrateTimeoutMs?: number;
  readonly logger: Logger;
}

export interface Integrated {
  readonly logIndex: number;
  readonly integratedTime: number;
  /** true when the entry was already in the log (the submitter gets 409). */
  readonly duplicate: boolean;
  /** The committed head that includes the entry, when the sequencer knows it (saves a read). */
  readonly head?: TreeHead;
}

interface Waiter {
  readonly entry: NewEntry;
  readonly resolve: (v: Integrated) => void;
  readonly reject: (e: Error) => void;
}

export class SequencerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SequencerUnavailable';
  }
}

export class Sequencer {
  private readonly store: LogStore;
  private readonly options: SequencerOptions;
  private range: CompactRange | undefined;
  private queue: Waiter[] = [];
  private inflight = new Map<string, Promise<Integrated>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lockClient: pg.Client | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private leader = false;

  constructor(store: LogStore, options: SequencerOptions) {
    this.store = store;
    this.options = options;
  }

  get isSequencer(): boolean {
    return this.leader;
  }

  async start(): Promise<void> {
    await this.store.initHead(emptyRoot());
    if (this.options.postgresUrl === undefined) {
      await this.becomeLeader();
      return;
    }
    await this.tryLock();
    const poll = (): void => {
      this.pollTimer = setTimeout(() => {
        void (async () => {
          if (this.closed) return;
          try {
            if (!this.leader) await this.tryLock();
            else if (this.queue.length === 0) await this.drainPending();
          } catch (err) {
            this.options.logger.warn(`log sequencer: ${(err as Error).message}`);
          }
          if (!this.closed) poll();
        })();
      }, this.options.pollMs ?? 200);
    };
    poll();
  }

  private async tryLock(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.postgresUrl });
    client.on('error', () => this.loseLeadership('lock connection failed'));
    try {
      await client.connect();
      const r = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`);
      if (r.rows[0]?.ok !== true) {
        await client.end();
        return;
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    client.on('end', () => this.loseLeadership('lock connection closed'));
    this.lockClient = client;
    try {
      await this.becomeLeader();
    } catch (err) {
      this.loseLeadership(`cannot load the tree: ${(err as Error).message}`);
      throw err;
    }
  }

  private async becomeLeader(): Promise<void> {
    const head = await this.store.head();
    if (head === undefined) throw new Error('the log has no tree head');
    const range = await CompactRange.load(head.size, this.store.readNodes);
    if (!range.root().equals(head.rootHash)) throw new Error(`the stored nodes do not hash to the stored root at size ${head.size}`);
    this.range = range;
    this.leader = true;
    this.options.logger.info(`log: sequencing from tree size ${head.size}`);
    await this.drainPending();
  }

  private loseLeadership(why: string): void {
    if (!this.leader && this.lockClient === undefined) return;
    if (this.leader) this.options.logger.warn(`log: no longer sequencing (${why})`);
    this.leader = false;
    this.range = undefined;
    const client = this.lockClient;
    this.lockClient = undefined;
    void client?.end().catch(() => undefined);
    // Entries waiting here go through the pending table to whoever sequences next.
    const waiting = this.queue;
    this.queue = [];
    for (const w of waiting) this.viaPending(w.entry).then(w.resolve, w.reject);
  }

  /** Integrate `entry`; resolves once it is committed to the log. */
  submit(entry: NewEntry): Promise<Integrated> {
    if (this.closed) return Promise.reject(new SequencerUnavailable('the log is shutting down'));
    const same = this.inflight.get(entry.leafHash);
    if (same !== undefined) return same.then((r) => ({ ...r, duplicate: true }));
    const p = this.leader ? this.enqueue(entry) : this.viaPending(entry);
    this.inflight.set(entry.leafHash, p);
    const clear = (): void => {
      this.inflight.delete(entry.leafHash);
    };
    p.then(clear, clear);
    return p;
  }

  private enqueue(entry: NewEntry): Promise<Integrated> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.schedule(0);
      else this.schedule(this.options.batchWaitMs);
    });
  }

  private schedule(ms: number): void {
    if (this.flushing !== undefined) return; // the running flush picks the queue up when done
    if (this.timer !== undefined) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.queue.length > 0) this.schedule(0);
      });
    }, ms);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    try {
      const results = await this.integrate(batch.map((w) => w.entry));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (err instanceof FencedError) {
        this.loseLeadership(err.message);
        for (const w of batch) this.viaPending(w.entry).then(w.resolve, w.reject);
        return;
      }
      this.options.logger.warn(`log: integrating a batch of ${batch.length} failed: ${(err as Error).message}`);
      // The transaction rolled back: nothing was acknowledged. Reload the tree before the next batch.
      if (this.leader) {
        try {
          const head = await this.store.head();
          this.range = await CompactRange.load(head!.size, this.store.readNodes);
        } catch {
          this.loseLeadership('cannot reload the tree');
        }
      }
      for (const w of batch) w.reject(new SequencerUnavailable('the log could not store the entry'));
    }
  }

  /** One transaction: skip what is already in the log, assign indices, write entries + nodes + head. */
  private async integrate(entries: readonly NewEntry[]): Promise<Integrated[]> {
    const range = this.range;
    if (range === undefined) throw new FencedError();
    const existing = await this.store.existing(entries.map((e) => e.leafHash));
    const next = range.clone();
    const integratedTime = Math.floor(Date.now() / 1000);
    const rows: (NewEntry & { logIndex: number; integratedTime: number })[] = [];
    const nodes: ReturnType<CompactRange['append']> = [];
    const seen = new Map<string, number>();
    for (const e of entries) {
      if (existing.has(e.leafHash) || seen.has(e.leafHash)) continue;
      seen.set(e.leafHash, next.size);
      rows.push({ ...e, logIndex: next.size, integratedTime });
      nodes.push(...next.append(Buffer.from(e.leafHash, 'hex')));
    }
    const head: TreeHead = { size: next.size, rootHash: next.root() };
    if (rows.length > 0) await this.store.integrate(range.size, rows, nodes, head);
    else if (existing.size > 0) await this.store.dropPending([...existing]);
    this.range = next;
    return Promise.all(
      entries.map(async (e) => {
        const index = seen.get(e.leafHash);
        if (index !== undefined && rows[index - range.size]?.leafHash === e.leafHash) {
          seen.delete(e.leafHash);
          return { logIndex: index, integratedTime, duplicate: false, head };
        }
        const found = await this.store.byLeafHash(e.leafHash);
        if (found === undefined) throw new Error('entry vanished');
        return { logIndex: found.logIndex, integratedTime: found.integratedTime, duplicate: true };
      }),
    );
  }

  /** Integrate what other replicas queued in `log_pending`. */
  private async drainPending(): Promise<void> {
    if (!this.leader || this.flushing !== undefined) return;
    const pending = await this.store.takePending(this.options.maxBatch);
    if (pending.length === 0) return;
    const run = this.integrate(pending).then(
      () => undefined,
      (err: unknown) => {
        if (err instanceof FencedError) this.loseLeadership(err.message);
        else this.options.logger.warn(`log: integrating pending entries failed: ${(err as Error).message}`);
      },
    );
    this.flushing = run.finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.schedule(0);
    });
    await this.flushing;
  }

  /** Not the sequencer: commit to `log_pending`, then wait until the entry is in the log. */
  private async viaPending(entry: NewEntry): Promise<Integrated> {
    const already = await this.store.byLeafHash(entry.leafHash);
    if (already !== undefined) return { logIndex: already.logIndex, integratedTime: already.integratedTime, duplicate: true };
    await this.store.addPending(entry);
    const deadline = Date.now() + (this.options.integrateTimeoutMs ?? 30_000);
    const poll = this.options.pollMs ?? 200;
    for (;;) {
      if (this.closed) throw new SequencerUnavailable('the log is shutting down');
      const found = await this.store.byLeafHash(entry.leafHash);
      if (found !== undefined) return { logIndex: found.logIndex, integratedTime: found.integratedTime, duplicate: false };
      if (this.leader && this.flushing === undefined) await this.drainPending();
      if (Date.now() > deadline) throw new SequencerUnavailable('no sequencer integrated the entry in time; it stays queued');
      await new Promise((r) => setTimeout(r, Math.min(poll, 25)));
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.queue.length > 0) this.flushing = this.flush().finally(() => (this.flushing = undefined));
    }
    await this.flushing;
    this.closed = true;
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    for (const w of this.queue.splice(0)) w.reject(new SequencerUnavailable('the log is shutting down'));
    const client = this.lockClient;
    this.lockClient = undefined;
    this.leader = false;
    await client?.end().catch(() => undefined);
  }
}
