/** The sequencer's last lines of defence: a stale sequencer is fenced by the head's compare-and-set; an index is never assigned twice. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../../../src/core/index.ts';
import { leafHash } from '../../../../src/formats/tlog/index.ts';
import { migrate, openDb } from '../../../../src/servers/db/index.ts';
import { LogStore, Sequencer, type LogTables } from '../../../../src/servers/log/index.ts';
import { SqliteWriter } from '../../../../src/servers/log/sqlite-writer.ts';
import { logMigrations } from '../../../../src/servers/log/store.ts';

const work = mkdtempSync(join(tmpdir(), 'vouch-log-seq-'));
after(() => rmSync(work, { recursive: true, force: true }));

function newEntry(text: string) {
  const body = Buffer.from(JSON.stringify({ kind: 'test', text }));
  return { leafHash: leafHash(body).toString('hex'), body, kind: 'test', indexKeys: [`k:${text}`] };
}

for (const where of ['the main connection', 'the SQLite writer thread'] as const) {
  test(`a second sequencer with a stale tree is fenced; what it accepted waits in the pending queue; indices stay unique (batches committed on ${where})`, () => fencing(where === 'the SQLite writer thread'));
}

async function fencing(onWriterThread: boolean): Promise<void> {
  const file = join(work, `log-${onWriterThread ? 'writer' : 'main'}.sqlite`);
  const db = openDb<LogTables>(file);
  await migrate(db, logMigrations('sqlite'));
  const writer = onWriterThread ? await SqliteWriter.open(file, 'FULL') : undefined;
  const store = new LogStore(db.kysely, writer);
  const options = { batchWaitMs: 1, maxBatch: 100, logger: silentLogger, integrateTimeoutMs: 300, pollMs: 20 };
  const a = new Sequencer(store, options);
  await a.start();
  const b = new Sequencer(store, options); // loads the tree at size 0 too
  await b.start();
  try {
    const results = await Promise.all(['a0', 'a1', 'a2', 'a3', 'a4'].map((t) => a.submit(newEntry(t))));
    assert.deepEqual(
      results.map((r) => r.logIndex),
      [0, 1, 2, 3, 4],
    );
    // B still believes the tree is empty: its batch's compare-and-set on size 0 fails.
    await assert.rejects(() => b.submit(newEntry('b0')), /no sequencer integrated the entry in time/);
    assert.equal(b.isSequencer, false);
    const head = await store.head();
    assert.equal(head?.size, 5);
    assert.equal((await store.byIndex(0))?.leafHash, newEntry('a0').leafHash);
    assert.equal((await store.takePending(10)).map((p) => p.leafHash).includes(newEntry('b0').leafHash), true, 'the fenced entry stays queued, durably');
    // A duplicate through the live sequencer is reported, not written again.
    const dup = await a.submit(newEntry('a2'));
    assert.equal(dup.duplicate, true);
    assert.equal(dup.logIndex, 2);
    // The PRIMARY KEY stops a write that reuses an index even when the head's size matches.
    const e = newEntry('x');
    await assert.rejects(() => store.integrate(5, [{ ...e, logIndex: 3, integratedTime: 1 }], [], { size: 6, rootHash: Buffer.alloc(32) }));
    assert.equal((await store.head())?.size, 5, 'the failed transaction rolled back');
    assert.equal(await store.byLeafHash(e.leafHash), undefined, 'nothing of the failed batch was kept');
    if (writer !== undefined) assert.equal(writer.alive, true, 'the writer thread survives a failed batch');
  } finally {
    await a.close();
    await b.close();
    await writer?.close();
    await db.close();
  }
}
