/**
 * The log's storage over Kysely (SQLite or PostgreSQL, the same queries):
 *
 * - `log_entries`  one row per integrated entry; `log_index` PRIMARY KEY and `leaf_hash` UNIQUE
 *                  are the last line of defence against an index assigned twice or a duplicate.
 * - `log_nodes`    every complete subtree hash, written once (id = index·64 + level), so any proof
 *                  is one `IN (…)` read of O(log n) rows.
 * - `log_tree`     the one tree head row (size, root); the sequencer updates it with a
 *                  compare-and-set on the size it knows (fencing a sequencer that lost its lock).
 * - `log_pending`  entries accepted by a replica that is not sequencing (PostgreSQL): committed
 *                  there before the sequencer integrates them, so an acknowledged entry survives.
 * - `log_index_keys` search keys (artifact digests, key hashes, e-mails) → leaf hashes.
 * - `log_meta`     tree ID and log ID, fixed at first start.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { NodeId } from '../../formats/tlog/index.ts';

export interface LogTables {
  log_meta: { key: string; value: string };
  log_entries: { log_index: number | string | bigint; leaf_hash: string; body: Uint8Array; integrated_time: number | string | bigint; kind: string };
  log_nodes: { id: number | string | bigint; hash: Uint8Array };
  log_tree: { id: number; size: number | string | bigint; root_hash: Uint8Array; updated_at: number | string | bigint };
  log_pending: { leaf_hash: string; body: Uint8Array; kind: string; index_keys: string; created_at: number | string | bigint };
  log_index_keys: { key: string; leaf_hash: string };
}

export type LogDb = Kysely<LogTables>;

export function logMigrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    '0001_log': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('log_meta').ifNotExists().addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();
        await db.schema
          .createTable('log_entries')
          .ifNotExists()
          .addColumn('log_index', 'bigint', (c) => c.primaryKey())
          .addColumn('leaf_hash', 'text', (c) => c.notNull().unique())
          .addColumn('body', sql.raw(blob), (c) => c.notNull())
          .addColumn('integrated_time', 'bigint', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createTable('log_nodes').ifNotExists().addColumn('id', 'bigint', (c) => c.primaryKey()).addColumn('hash', sql.raw(blob), (c) => c.notNull()).execute();
        await db.schema
          .createTable('log_tree')
          .ifNotExists()
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('root_hash', sql.raw(blob), (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('log_pending')
          .ifNotExists()
          .addColumn('leaf_hash', 'text', (c) => c.primaryKey())
          .addColumn('body', sql.raw(blob), (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('index_keys', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('log_index_keys')
          .ifNotExists()
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('leaf_hash', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('log_index_keys_pk', ['key', 'leaf_hash'])
          .execute();
      },
    },
  };
}

export function nodeKey(id: NodeId): number {
  return id.index * 64 + id.level;
}

export interface StoredEntry {
  readonly logIndex: number;
  readonly leafHash: string;
  readonly body: Buffer;
  readonly integratedTime: number;
}

export interface TreeHead {
  readonly size: number;
  readonly rootHash: Buffer;
}

export interface NewEntry {
  readonly leafHash: string;
  readonly body: Buffer;
  readonly kind: string;
  readonly indexKeys: readonly string[];
}

const CHUNK = 400;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

function toEntry(r: { log_index: unknown; leaf_hash: string; body: Uint8Array; integrated_time: unknown }): StoredEntry {
  return { logIndex: Number(r.log_index), leafHash: r.leaf_hash, body: Buffer.from(r.body), integratedTime: Number(r.integrated_time) };
}

/** Commits a batch somewhere other than `db`'s connection (SQLite: a writer thread, sqlite-writer.ts). */
export interface BatchWriter {
  readonly alive: boolean;
  integrate(oldSize: number, entries: readonly (NewEntry & { logIndex: number; integratedTime: number })[], nodes: readonly { id: NodeId; hash: Buffer }[], head: TreeHead): Promise<void>;
}

/**
 * Tree nodes kept in memory. A stored node never changes (a subtree hash is written once, in the
 * transaction that completes it), so a node is cached only once committed — read back, or written
 * by a batch whose transaction succeeded — and never goes stale. Proofs for fresh entries then
 * need no read at all; the oldest nodes are dropped first (Map order) past the cap.
 */
const NODE_CACHE_SIZE = 1 << 18;

export class LogStore {
  readonly db: LogDb;
  private readonly writer: BatchWriter | undefined;
  private readonly nodeCache = new Map<number, Buffer>();

  constructor(db: LogDb, writer?: BatchWriter) {
    this.db = db;
    this.writer = writer;
  }

  async meta(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('log_meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  /** Set `key` unless it exists (first writer wins); return the stored value. */
  async metaInit(key: string, value: string): Promise<string> {
    await this.db.insertInto('log_meta').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return (await this.meta(key))!;
  }

  async head(): Promise<TreeHead | undefined> {
    const row = await this.db.selectFrom('log_tree').select(['size', 'root_hash']).where('id', '=', 1).executeTakeFirst();
    return row === undefined ? undefined : { size: Number(row.size), rootHash: Buffer.from(row.root_hash) };
  }

  async initHead(emptyRoot: Buffer): Promise<void> {
    await this.db
      .insertInto('log_tree')
      .values({ id: 1, size: 0, root_hash: emptyRoot, updated_at: Date.now() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  private cacheNode(id: number, hash: Buffer): void {
    if (this.nodeCache.size >= NODE_CACHE_SIZE) this.nodeCache.delete(this.nodeCache.keys().next().value!);
    this.nodeCache.set(id, hash);
  }

  readonly readNodes = async (ids: readonly NodeId[]): Promise<Buffer[]> => {
    const byId = new Map<number, Buffer>();
    const missing: number[] = [];
    for (const k of new Set(ids.map(nodeKey))) {
      const hit = this.nodeCache.get(k);
      if (hit === undefined) missing.push(k);
      else byId.set(k, hit);
    }
    if (missing.length > 0) {
      const rows = await this.db.selectFrom('log_nodes').select(['id', 'hash']).where('id', 'in', missing).execute();
      for (const r of rows) {
        const hash = Buffer.from(r.hash);
        byId.set(Number(r.id), hash);
        this.cacheNode(Number(r.id), hash);
      }
    }
    return ids.map((id) => {
      const h = byId.get(nodeKey(id));
      if (h === undefined) throw new Error(`tree node ${id.level}/${id.index} is missing from the store`);
      return h;
    });
  };

  async byLeafHash(leafHash: string): Promise<StoredEntry | undefined> {
    const r = await this.db.selectFrom('log_entries').select(['log_index', 'leaf_hash', 'body', 'integrated_time']).where('leaf_hash', '=', leafHash).executeTakeFirst();
    return r === undefined ? undefined : toEntry(r);
  }

  async byIndex(index: number): Promise<StoredEntry | undefined> {
    const r = await this.db.selectFrom('log_entries').select(['log_index', 'leaf_hash', 'body', 'integrated_time']).where('log_index', '=', index).executeTakeFirst();
    return r === undefined ? undefined : toEntry(r);
  }

  async search(key: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('log_index_keys').select('leaf_hash').where('key', '=', key).limit(limit).execute();
    return rows.map((r) => r.leaf_hash);
  }

  /** Queue an entry for the sequencer (a replica that is not sequencing). */
  async addPending(e: NewEntry): Promise<void> {
    await this.db
      .insertInto('log_pending')
      .values({ leaf_hash: e.leafHash, body: e.body, kind: e.kind, index_keys: JSON.stringify(e.indexKeys), created_at: Date.now() })
      .onConflict((oc) => oc.column('leaf_hash').doNothing())
      .execute();
  }

  async takePending(limit: number): Promise<NewEntry[]> {
    const rows = await this.db.selectFrom('log_pending').selectAll().orderBy('created_at').limit(limit).execute();
    return rows.map((r) => ({ leafHash: r.leaf_hash, body: Buffer.from(r.body), kind: r.kind, indexKeys: JSON.parse(r.index_keys) as string[] }));
  }

  /**
   * Integrate a batch in one transaction: entries, new nodes, search keys and the new head,
   * with a compare-and-set on the old size. Entries already in the log are skipped and returned.
   * Throws `FencedError` when the head moved (another sequencer wrote).
   */
  async integrate(
    oldSize: number,
    entries: readonly (NewEntry & { logIndex: number; integratedTime: number })[],
    nodes: readonly { id: NodeId; hash: Buffer }[],
    newHead: TreeHead,
  ): Promise<void> {
    // The writer thread runs this same transaction; if it is gone, the main connection does.
    if (this.writer?.alive === true) await this.writer.integrate(oldSize, entries, nodes, newHead);
    else await this.integrateHere(oldSize, entries, nodes, newHead);
    // Committed: these nodes are now final.
    for (const n of nodes) this.cacheNode(nodeKey(n.id), n.hash);
  }

  private async integrateHere(
    oldSize: number,
    entries: readonly (NewEntry & { logIndex: number; integratedTime: number })[],
    nodes: readonly { id: NodeId; hash: Buffer }[],
    newHead: TreeHead,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('log_tree')
        .set({ size: newHead.size, root_hash: newHead.rootHash, updated_at: Date.now() })
        .where('id', '=', 1)
        .where('size', '=', oldSize)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new FencedError();
      for (const part of chunks(entries)) {
        await trx
          .insertInto('log_entries')
          .values(part.map((e) => ({ log_index: e.logIndex, leaf_hash: e.leafHash, body: e.body, integrated_time: e.integratedTime, kind: e.kind })))
          .execute();
      }
      for (const part of chunks(nodes)) {
        await trx
          .insertInto('log_nodes')
          .values(part.map((n) => ({ id: nodeKey(n.id), hash: n.hash })))
          .execute();
      }
      const keys = entries.flatMap((e) => e.indexKeys.map((key) => ({ key, leaf_hash: e.leafHash })));
      for (const part of chunks(keys)) {
        await trx
          .insertInto('log_index_keys')
          .values(part)
          .onConflict((oc) => oc.columns(['key', 'leaf_hash']).doNothing())
          .execute();
      }
      const hashes = entries.map((e) => e.leafHash);
      for (const part of chunks(hashes)) await trx.deleteFrom('log_pending').where('leaf_hash', 'in', part).execute();
    });
  }

  /** Leaf hashes among `hashes` that are already integrated. */
  async existing(hashes: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunks(hashes)) {
      const rows = await this.db.selectFrom('log_entries').select('leaf_hash').where('leaf_hash', 'in', part).execute();
      for (const r of rows) out.add(r.leaf_hash);
    }
    return out;
  }

  async dropPending(hashes: readonly string[]): Promise<void> {
    for (const part of chunks(hashes)) await this.db.deleteFrom('log_pending').where('leaf_hash', 'in', part).execute();
  }
}

export class FencedError extends Error {
  constructor() {
    super('the tree head moved: another sequencer is writing');
    this.name = 'FencedError';
  }
}
