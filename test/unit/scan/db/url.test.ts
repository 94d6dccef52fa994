/**
 * URL sources and the schema check. Downloads are served by a local HTTP server on 127.0.0.1
 * (plain HTTP is allowed only to this machine; the real sources are https).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { dbStatus, importOsv, openAdvisoryDb } from '../../../../src/scan/db/index.ts';
import { matchPackages } from '../../../../src/scan/match/index.ts';

const CRATES = '/work/shared/data/osv/crates.io-all.zip';
const TRACKER = join(import.meta.dirname, '../../../fixtures/debian-tracker/tracker.json');
let server: Server;
let base: string;
let requests = 0;

before(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/crates.zip') res.end(readFileSync(CRATES));
    else if (req.url === '/tracker.json') res.end(readFileSync(TRACKER));
    else if (req.url === '/redirect') res.writeHead(302, { location: '/tracker.json' }).end();
    else if (req.url === '/away') res.writeHead(302, { location: 'http://example.invalid/x.zip' }).end();
    else if (req.url === '/endless') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = (): void => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', write);
      };
      res.on('error', () => undefined);
      write();
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-url-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a URL source is downloaded, digest-pinned, imported under its URL, and re-import of the same bytes is unchanged', async () => {
  const dir = tmp();
  const db = join(dir, 'db.sqlite');
  const digest = createHash('sha256').update(readFileSync(CRATES)).digest('hex');
  const r = await importOsv([`${base}/crates.zip#sha256=${digest}`, `${base}/redirect`], db);
  assert.deepEqual(r.sources.map((s) => [s.source, s.status, s.kind]), [
    [`${base}/crates.zip`, 'imported', 'zip'],
    [`${base}/redirect`, 'imported', 'debian-tracker'],
  ]);
  assert.equal(r.sources[0]?.sha256, digest);
  const again = await importOsv([`${base}/crates.zip`], db);
  assert.equal(again.sources[0]?.status, 'unchanged');
  assert.deepEqual(readdirSync(dir).sort(), ['db.sqlite'], 'downloads are removed');
  const sql = openAdvisoryDb(db);
  try {
    assert.ok(matchPackages(sql, [{ purl: 'pkg:cargo/wasmtime@0.33.0' }]).findings.some((f) => f.id === 'RUSTSEC-2022-0096'));
  } finally {
    sql.close();
  }
  assert.ok(dbStatus(db).ecosystems.some((e) => e.ecosystem === 'Debian:12'));
});

test('a wrong pin, an HTTP error, an oversized body, and plain HTTP off this machine fail that source only', async () => {
  const dir = tmp();
  const db = join(dir, 'db.sqlite');
  const before = requests;
  const r = await importOsv(
    [`${base}/crates.zip#sha256=${'0'.repeat(64)}`, `${base}/missing.zip`, `${base}/endless`, 'http://example.invalid/all.zip', `${base}/away`, TRACKER],
    db,
    { limits: { maxDownloadBytes: 4 * 1024 * 1024 } },
  );
  assert.deepEqual(r.sources.map((s) => s.status), ['failed', 'failed', 'failed', 'failed', 'failed', 'imported']);
  const errors = r.sources.map((s) => s.problems[0]?.error ?? '');
  assert.match(errors[0]!, /differs from the pinned/);
  assert.match(errors[1]!, /HTTP 404/);
  assert.match(errors[2]!, /more than 4194304 bytes/);
  assert.match(errors[3]!, /only https/);
  assert.match(errors[4]!, /only https/);
  assert.equal(requests - before, 4, 'the off-machine URL was never requested');
  assert.deepEqual(readdirSync(dir).sort(), ['db.sqlite']);
});

test('an index of another schema version is refused with ADVISORY_DB_SCHEMA; a fresh import rebuilds it', async () => {
  const dir = tmp();
  const db = join(dir, 'db.sqlite');
  await importOsv([TRACKER], db);
  const sql = new DatabaseSync(db);
  sql.exec("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  sql.close();
  assert.throws(() => openAdvisoryDb(db), { code: 'ADVISORY_DB_SCHEMA' });
  assert.throws(() => dbStatus(db), { code: 'ADVISORY_DB_SCHEMA' });
  assert.throws(() => openAdvisoryDb(join(dir, 'none.db')), { code: 'TARGET_NOT_FOUND' });
  const r = await importOsv([TRACKER], db);
  assert.equal(r.sources[0]?.status, 'imported');
  openAdvisoryDb(db).close();
});
