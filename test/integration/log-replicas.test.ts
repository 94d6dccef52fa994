/**
 * Two `vouch serve log` replicas (dist/) on one real PostgreSQL: one sequences (advisory lock), the
 * other queues into the database. The sequencing one is killed with SIGKILL during a burst; the
 * other takes over; every acknowledged entry is there, no index was assigned twice, proofs verify,
 * and the checkpoint is consistent with every one handed out before. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { burst, checkLog, distBuilt, entries, kill9, serveLog, stop, type Served } from './log-helpers.ts';

const work = mkdtempSync(join(tmpdir(), 'vouch-log-pg-'));
let pg: Postgres | undefined;
before(async () => {
  pg = await startPostgres();
});
after(() => {
  pg?.destroy();
  rmSync(work, { recursive: true, force: true });
});

async function health(url: string): Promise<string> {
  const doc = (await (await fetch(`${url}/healthz`)).json()) as { services: { log: { detail: string } } };
  return doc.services.log.detail;
}

test('two replicas on PostgreSQL: killing the sequencing one loses no acknowledged entry; the other takes over', { skip: !distBuilt() ? 'run `npm run build` first' : false }, async (t) => {
  if (pg === undefined) return t.skip('PostgreSQL is not installed');
  const db = pg.createDatabase('vouch_log');
  const keyFile = join(work, 'log-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
  const common = ['--db', db, '--log-key', keyFile, '--log-name', 'log.test', '--public-url', 'http://log.test'];
  let a: Served = await serveLog(['--data', join(work, 'a'), ...common]);
  const b: Served = await serveLog(['--data', join(work, 'b'), ...common]);
  try {
    assert.match(await health(a.url), /sequencing/);
    assert.match(await health(b.url), /standby/);
    const all = entries('replicas', 700);
    let killed: Promise<void> | undefined;
    let alive = [a.url, b.url];
    const first = await burst(
      () => alive,
      all.slice(0, 500),
      12,
      (count) => {
        if (count === 150) {
          killed = kill9(a);
          alive = [b.url];
        }
      },
    );
    await killed;
    assert.ok(first.acks.length >= 150);
    // B took over sequencing and integrated what was queued.
    assert.match(await health(b.url), /sequencing/);
    await checkLog(b.url, first.acks, first.checkpoints);
    // A comes back as a standby; writes through both keep working and stay consistent.
    a = await serveLog(['--data', join(work, 'a'), ...common]);
    assert.match(await health(a.url), /standby/);
    const second = await burst(() => [a.url, b.url], all.slice(500, 600), 6, () => undefined);
    assert.equal(second.failed, 0);
    const final = await checkLog(a.url, [...first.acks, ...second.acks], [...first.checkpoints, ...second.checkpoints]);
    assert.ok(final.size >= first.acks.length + second.acks.length);
  } finally {
    await Promise.all([stop(a), stop(b)]);
  }
});
