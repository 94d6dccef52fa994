/** `vouch db import | status` as a user runs them, on the real OSV data in ../shared/data/osv. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SHARED_DATA } from '../helpers/catalog.ts';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const OSV = join(SHARED_DATA, 'osv');
const work = mkdtempSync(join(tmpdir(), 'vouch-cli-db-'));
after(() => rmSync(work, { recursive: true, force: true }));

function vouch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', VOUCH_CACHE_DIR: join(work, 'cache'), ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('import builds the index in the cache folder; status counts per ecosystem; re-import of an unchanged source is skipped', () => {
  const first = vouch(['db', 'import', join(OSV, 'crates.io-all.zip'), join(OSV, 'ghsa-sample'), '--json']);
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout) as { written: boolean; sources: { status: string; advisories: number }[] };
  assert.equal(report.written, true);
  assert.deepEqual(
    report.sources.map((s) => s.status),
    ['imported', 'imported'],
  );
  const status = JSON.parse(vouch(['db', 'status', '--json']).stdout) as { db: string; advisories: number; ecosystems: { ecosystem: string; advisories: number }[] };
  assert.equal(status.db, join(work, 'cache', 'db', 'advisories.sqlite'));
  const counts = Object.fromEntries(status.ecosystems.map((e) => [e.ecosystem, e.advisories]));
  assert.equal(counts['crates.io'], 1206);
  assert.equal(counts.npm, 120);
  const again = JSON.parse(vouch(['db', 'import', join(OSV, 'crates.io-all.zip'), '--json']).stdout) as { written: boolean; sources: { status: string }[] };
  assert.equal(again.written, false);
  assert.equal(again.sources[0]?.status, 'unchanged');
  assert.match(vouch(['db', 'status']).stdout, /crates\.io\s+1206/);
});

test('an unreadable source exits 3 and leaves the index as it was; a malformed advisory is a warning', () => {
  const db = join(work, 'own.sqlite');
  assert.equal(vouch(['db', 'import', join(OSV, 'ghsa-sample'), '--db', db, '-q']).code, 0);
  const bad = join(work, 'bad');
  rmSync(bad, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', bad]);
  writeFileSync(join(bad, 'GHSA-bad.json'), '{"id": "GHSA-bad", "modified": 12}');
  writeFileSync(join(bad, 'not-a-zip.zip'), 'PK\u0003\u0004 truncated');
  const r = vouch(['db', 'import', bad, join(bad, 'not-a-zip.zip'), '--db', db]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /GHSA-bad\.json/);
  assert.match(r.stderr, /could not be read.*\[IO_ERROR\]/);
  const status = JSON.parse(vouch(['db', 'status', '--db', db, '--json']).stdout) as { advisories: number };
  assert.equal(status.advisories, 170, 'the sample is still there');
});

test('usage errors and a missing index', () => {
  assert.equal(vouch(['db', 'frobnicate']).code, 2);
  assert.equal(vouch(['db', 'import']).code, 2);
  const missing = vouch(['db', 'status', '--db', join(work, 'none.sqlite')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no advisory database .* \[TARGET_NOT_FOUND\]/);
  assert.match(vouch(['db', '--help']).stdout, /Examples:/);
});

test('the Debian tracker export and a URL source: status lists the distro releases and the age', async () => {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:http');
  const { readFileSync } = await import('node:fs');
  const tracker = new URL('../fixtures/debian-tracker/tracker.json', import.meta.url).pathname;
  const server = createServer((req, res) => {
    if (req.url === '/crates.zip') res.end(readFileSync(join(OSV, 'crates.io-all.zip')));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  // spawn, not spawnSync: the server in this process must keep answering.
  const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', VOUCH_CACHE_DIR: join(work, 'cache2') } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  try {
    const db = join(work, 'distro.sqlite');
    const r = await run(['db', 'import', tracker, `http://127.0.0.1:${port}/crates.zip`, '--db', db, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { sources: { source: string; kind: string; status: string }[] };
    assert.deepEqual(report.sources.map((s) => [s.kind, s.status]), [['debian-tracker', 'imported'], ['zip', 'imported']]);
    assert.equal(report.sources[1]?.source, `http://127.0.0.1:${port}/crates.zip`);
    const text = await run(['db', 'status', '--db', db]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Debian:12\s+13\s/);
    assert.match(text.stdout, /Debian:11\s+8\s/);
    assert.match(text.stdout, /crates\.io\s+1206\s/);
    assert.match(text.stdout, /built \S+ \(\d+ minutes? ago\)/);
    const bad = await run(['db', 'import', `http://127.0.0.1:${port}/crates.zip#sha256=${'0'.repeat(64)}`, '--db', db]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /differs from the pinned/);
    assert.match(bad.stderr, /\[ADVISORY_DOWNLOAD\]/);
  } finally {
    server.close();
  }
});
