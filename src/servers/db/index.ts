/**
 * The servers' metadata database: one Kysely instance over embedded SQLite (`node:sqlite`, the
 * default: nothing to install) or PostgreSQL (`pg`, for several replicas). Services write their
 * queries once with Kysely and run on both; `migrate` applies their schema migrations in order.
 *
 * Kysely ships a SQLite dialect for better-sqlite3's API only; `node:sqlite` is close enough that
 * the small adapter below is all it takes (better-sqlite3 would compile from source here: see
 * FIELD-NOTES).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import { VouchError } from '../../core/index.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface VouchDb<Schema> {
  readonly kysely: Kysely<Schema>;
  readonly dialect: Dialect;
  /** Where it is, with any password removed: safe to log. */
  readonly location: string;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** PostgreSQL pool size (default 10). */
  readonly poolSize?: number;
  /** SQLite: `FULL` (default) makes every commit durable on power loss; `NORMAL` only on a crash. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/**
 * `postgres://…` or `postgresql://…` → PostgreSQL; `sqlite:PATH`, a plain path or `:memory:` →
 * SQLite (WAL mode, foreign keys on, a 5 s busy timeout).
 */
export function openDb<Schema>(url: string, options: OpenDbOptions = {}): VouchDb<Schema> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    return { kysely, dialect: 'postgres', location: redactUrl(url), close: () => kysely.destroy() };
  }
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (path === '') throw new VouchError('USAGE', 'empty SQLite database path');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let database: DatabaseSync;
  try {
    database = new DatabaseSync(path);
    database.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'FULL'};
      PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;`);
  } catch (err) {
    throw new VouchError('IO_ERROR', `cannot open the database ${path}: ${(err as Error).message}`, { cause: err });
  }
  const kysely = new Kysely<Schema>({ dialect: new SqliteDialect({ database: adaptSqlite(database) }) });
  return { kysely, dialect: 'sqlite', location: path, close: () => kysely.destroy() };
}

/** Apply `migrations` (applied in name order, each once, recorded in `kysely_migration`). */
export async function migrate<Schema>(db: VouchDb<Schema>, migrations: Readonly<Record<string, Migration>>): Promise<void> {
  const migrator = new Migrator({
    db: db.kysely as Kysely<unknown>,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new VouchError('IO_ERROR', `database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

const STATEMENT_CACHE = 256;

/** node:sqlite → Kysely's SqliteDatabase. Prepared statements are cached by their SQL text. */
function adaptSqlite(database: DatabaseSync) {
  const cache = new Map<string, StatementSync>();
  const prepare = (sql: string): StatementSync => {
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      stmt = database.prepare(sql);
      if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      const stmt = prepare(sql);
      const reader = stmt.columns().length > 0;
      return {
        reader,
        all: (params: readonly unknown[]) => stmt.all(...params.map(toSqlite)),
        run: (params: readonly unknown[]) => stmt.run(...params.map(toSqlite)),
        iterate: (params: readonly unknown[]) => stmt.iterate(...params.map(toSqlite)),
      };
    },
  };
}

function toSqlite(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  return value as SQLInputValue;
}
