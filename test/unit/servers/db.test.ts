import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { migrate, openDb, type VouchDb } from '../../../src/servers/db/index.ts';
import { startPostgres, type Postgres } from '../../helpers/postgres.ts';

interface Schema {
  item: { id: number; name: string; flag: number; data: Uint8Array | null };
}

function migrations(dialect: 'sqlite' | 'postgres') {
  return {
    '0001_item': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('item')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('flag', 'integer', (c) => c.notNull())
          .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob')
          .execute();
      },
    },
  };
}

async function exercise(db: VouchDb<Schema>): Promise<void> {
  await migrate(db, migrations(db.dialect));
  // Applying again is a no-op.
  await migrate(db, migrations(db.dialect));
  await db.kysely.insertInto('item').values({ id: 1, name: 'a', flag: 1, data: new Uint8Array([1, 2, 3]) }).execute();
  await assert.rejects(db.kysely.insertInto('item').values({ id: 2, name: 'a', flag: 0, data: null }).execute(), /unique|UNIQUE/);
  // A failed transaction leaves nothing behind.
  await assert.rejects(
    db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ id: 3, name: 'c', flag: 0, data: null }).execute();
      throw new Error('boom');
    }),
    /boom/,
  );
  const rows = await db.kysely.selectFrom('item').selectAll().orderBy('id').execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.name, 'a');
  assert.deepEqual([...rows[0]!.data!], [1, 2, 3]);
  // Concurrent transactions on one handle do not interleave.
  await Promise.all(
    [10, 11, 12, 13].map((id) =>
      db.kysely.transaction().execute(async (trx) => {
        await trx.insertInto('item').values({ id, name: `n${id}`, flag: 0, data: null }).execute();
        await trx.updateTable('item').set({ flag: id }).where('id', '=', id).execute();
      }),
    ),
  );
  const count = await db.kysely.selectFrom('item').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 5);
}

describe('servers/db on SQLite', () => {
  test('migrations, constraints, rollback and concurrent transactions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-db-'));
    const db = openDb<Schema>(`sqlite:${join(dir, 'meta', 'x.sqlite')}`);
    try {
      await exercise(db);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('servers/db on PostgreSQL', () => {
  let pg: Postgres | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.destroy());
  test('the same behaviour on a real PostgreSQL', async (t) => {
    if (pg === undefined) return t.skip('PostgreSQL is not installed (.ci/run installs it)');
    const db = openDb<Schema>(pg.createDatabase('dbtest'));
    try {
      assert.ok(!db.location.includes('secret'));
      await exercise(db);
    } finally {
      await db.close();
    }
  });
});
