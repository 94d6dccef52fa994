/**
 * `vouch serve log` (dist/, SQLite) killed with SIGKILL during a burst of writes: after a restart every
 * acknowledged entry is there at its index, proofs verify, and the new checkpoint is consistent with
 * every checkpoint handed out before the crash. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { burst, checkLog, distBuilt, entries, kill9, serveLog, stop } from './log-helpers.ts';

const work = mkdtempSync(join(tmpdir(), 'vouch-log-crash-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('kill -9 during a burst of writes loses no acknowledged entry and forks nothing (SQLite)', { skip: distBuilt() ? false : 'run `npm run build` first' }, async () => {
  const data = join(work, 'data');
  let server = await serveLog(['--data', data]);
  const all = entries('crash', 1200);
  let killed: Promise<void> | undefined;
  let url = server.url;
  const first = await burst(
    () => [url],
    all.slice(0, 600),
    16,
    (count) => {
      if (count === 250) killed = kill9(server);
    },
    1,
  );
  await killed;
  assert.ok(first.acks.length >= 250, `acknowledged ${first.acks.length}`);
  server = await serveLog(['--data', data]);
  url = server.url;
  try {
    const afterCrash = await checkLog(server.url, first.acks, first.checkpoints);
    assert.ok(afterCrash.size >= first.acks.length);
    // The log goes on from where it was: more writes, and the pre-crash checkpoints still hold.
    const second = await burst(() => [url], all.slice(600, 700), 8, () => undefined);
    assert.equal(second.failed, 0);
    const final = await checkLog(server.url, [...first.acks, ...second.acks], [...first.checkpoints, ...second.checkpoints]);
    assert.equal(final.size, afterCrash.size + second.acks.length);
  } finally {
    await stop(server);
  }
});
