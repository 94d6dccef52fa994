import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { dbStatus, importOsv, type SourceReport } from '../../../../src/scan/db/index.ts';
import { makeZip } from '../../../helpers/zip.ts';

const OSV = '/work/shared/data/osv';
const GHSA = join(OSV, 'ghsa-sample');

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-osvdb-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Advisory ids per ecosystem and withdrawn count, worked out from the raw GHSA sample files. */
function ghsaExpected(): { perEco: Map<string, Set<string>>; withdrawn: Set<string> } {
  const perEco = new Map<string, Set<string>>();
  const withdrawn = new Set<string>();
  for (const eco of ['npm', 'Maven']) {
    for (const f of readdirSync(join(GHSA, eco)).filter((x) => x.endsWith('.json'))) {
      const a = JSON.parse(readFileSync(join(GHSA, eco, f), 'utf8')) as { id: string; withdrawn?: string; affected: { package: { ecosystem: string } }[] };
      if (a.withdrawn !== undefined) withdrawn.add(a.id);
      for (const x of a.affected) {
        const set = perEco.get(x.package.ecosystem) ?? new Set<string>();
        set.add(a.id);
        perEco.set(x.package.ecosystem, set);
      }
    }
  }
  return { perEco, withdrawn };
}

const adv = (id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ id, modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'PyPI', name: 'Django_Rest.Framework' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0' }] }] }], ...extra });

test('imports the real Go, crates.io and PyPI all.zip archives and the GHSA sample with their counts; re-import is skipped', async () => {
  const dir = tmp();
  const db = join(dir, 'osv.db');
  const sources = [join(OSV, 'Go-all.zip'), join(OSV, 'crates.io-all.zip'), join(OSV, 'PyPI-all.zip'), GHSA];
  const at = new Date('2026-01-02T03:04:05Z');
  const report = await importOsv(sources, db, { now: () => at });
  assert.equal(report.written, true);
  assert.deepEqual(
    report.sources.map((s) => [s.kind, s.status, s.advisories, s.skipped]),
    [['zip', 'imported', 4291, 0], ['zip', 'imported', 1206, 0], ['zip', 'imported', 2661, 0], ['folder', 'imported', 170, 0]],
  );
  for (const s of report.sources) assert.match(s.sha256 ?? '', /^[0-9a-f]{64}$/);

  const status = dbStatus(db, { now: () => new Date(at.getTime() + 60_000) });
  assert.equal(status.builtAt, at.toISOString());
  assert.equal(status.ageMs, 60_000);
  assert.equal(status.advisories, 4291 + 1206 + 2661 + 170);
  const counts = new Map(status.ecosystems.map((e) => [e.ecosystem, e.advisories]));
  // Numbers of the data README: one advisory per zip entry, each naming its ecosystem.
  assert.equal(counts.get('Go'), 4291);
  assert.equal(counts.get('crates.io'), 1206);
  assert.equal(counts.get('PyPI'), 2661);
  const { perEco, withdrawn } = ghsaExpected();
  for (const [eco, ids] of perEco) assert.equal(counts.get(eco), ids.size, eco);
  assert.equal(status.ecosystems.find((e) => e.ecosystem === 'npm')?.withdrawn, [...withdrawn].filter((id) => perEco.get('npm')?.has(id)).length);
  assert.equal(status.sources.length, 4);

  // PyPI names are stored PEP 503-normalised; others as OSV spells them.
  const sql = new DatabaseSync(db, { readOnly: true });
  try {
    const names = sql.prepare("SELECT name FROM affected WHERE ecosystem = 'PyPI'").all().map((r) => String(r.name));
    assert.ok(names.length >= 2661);
    for (const n of names) assert.equal(n, n.toLowerCase().replace(/[-_.]+/g, '-'));
    assert.ok(sql.prepare("SELECT 1 FROM affected WHERE ecosystem = 'Go' AND name = 'stdlib'").get());
    const alias = sql.prepare('SELECT advisory_id FROM aliases WHERE alias LIKE ? LIMIT 1').get('CVE-%');
    assert.ok(alias);
  } finally {
    sql.close();
  }

  const again = await importOsv(sources, db);
  assert.equal(again.written, false);
  assert.deepEqual(again.sources.map((s) => s.status), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  assert.equal(dbStatus(db).builtAt, at.toISOString());
  assert.deepEqual(readdirSync(dir), ['osv.db']);
});

test('a changed folder is re-imported alone; its removed advisories go', async () => {
  const dir = tmp();
  const db = join(dir, 'osv.db');
  const folder = join(dir, 'adv');
  cpSync(join(GHSA, 'Maven'), folder, { recursive: true });
  const one = join(dir, 'one.json');
  writeFileSync(one, adv('PYSEC-1'));
  await importOsv([folder, one], db);
  assert.equal(dbStatus(db).advisories, 51);
  const victim = readdirSync(folder).find((f) => f.endsWith('.json')) ?? '';
  rmSync(join(folder, victim));
  const r = await importOsv([folder, one], db);
  assert.deepEqual(r.sources.map((s) => [s.status, s.advisories]), [['imported', 49], ['unchanged', 0]]);
  assert.equal(dbStatus(db).advisories, 50);
  const sql = new DatabaseSync(db, { readOnly: true });
  try {
    assert.equal(sql.prepare('SELECT id FROM advisories WHERE id = ?').get(victim.replace(/\.json$/, '')), undefined);
    assert.equal(sql.prepare("SELECT name FROM affected WHERE advisory_id = 'PYSEC-1'").get()?.name, 'django-rest-framework');
  } finally {
    sql.close();
  }
});

test('malformed advisories, a zip bomb and a lying header are reported and skipped; the rest imports', async () => {
  const dir = tmp();
  const zip = join(dir, 'PyPI-all.zip');
  writeFileSync(
    zip,
    makeZip([
      { name: 'GOOD-1.json', data: adv('GOOD-1') },
      { name: 'BAD-JSON.json', data: '{"id": "BAD-JSON", ' },
      { name: 'BAD-SHAPE.json', data: JSON.stringify({ id: 'BAD-SHAPE', modified: 1 }) },
      { name: 'BOMB.json', data: Buffer.alloc(8 * 1024 * 1024, 0x20) },
      { name: 'HUGE.json', data: Buffer.alloc(2048, 0x20), claimedSize: 17 * 1024 * 1024 },
      { name: 'LIAR.json', data: Buffer.alloc(2 * 1024 * 1024, 0x20), claimedSize: 100 },
      { name: 'README.txt', data: 'not an advisory' },
      { name: 'GOOD-2.json', data: adv('GOOD-2', { withdrawn: '2024-02-01T00:00:00Z' }) },
    ]),
  );
  const warnings: string[] = [];
  const r = await importOsv([zip], join(dir, 'osv.db'), { logger: { debug() {}, info() {}, warn: (m) => warnings.push(m) } });
  const s = r.sources[0] as SourceReport;
  assert.equal(s.status, 'imported');
  assert.equal(s.advisories, 2);
  assert.equal(s.skipped, 5);
  const byEntry = new Map(s.problems.map((p) => [p.location.split('!')[1], p.error]));
  assert.match(byEntry.get('BAD-JSON.json') ?? '', /JSON/);
  assert.match(byEntry.get('BAD-SHAPE.json') ?? '', /\$\.modified/);
  assert.match(byEntry.get('BOMB.json') ?? '', /zip bomb/);
  assert.match(byEntry.get('HUGE.json') ?? '', /over the 16777216-byte limit/);
  assert.match(byEntry.get('LIAR.json') ?? '', /zip bomb/);
  assert.equal(warnings.length, 5);
  const st = dbStatus(join(dir, 'osv.db'));
  assert.deepEqual(st.ecosystems, [{ ecosystem: 'PyPI', advisories: 2, withdrawn: 1 }]);
});

test('a corrupt or truncated zip and a missing path are reported as failed sources; others import', async () => {
  const dir = tmp();
  const corrupt = join(dir, 'corrupt.zip');
  writeFileSync(corrupt, Buffer.from('PK\u0003\u0004 this is not really a zip archive at all'));
  const truncated = join(dir, 'truncated.zip');
  writeFileSync(truncated, readFileSync(join(OSV, 'crates.io-all.zip')).subarray(0, 200_000));
  const one = join(dir, 'one.json');
  writeFileSync(one, adv('PYSEC-2'));
  const db = join(dir, 'osv.db');
  const r = await importOsv([corrupt, truncated, join(dir, 'missing'), one], db);
  assert.deepEqual(r.sources.map((s) => s.status), ['failed', 'failed', 'failed', 'imported']);
  for (const s of r.sources.slice(0, 3)) assert.ok(s.problems.length > 0);
  const st = dbStatus(db);
  assert.equal(st.advisories, 1);
  // Failed sources are not recorded, so the next import tries them again.
  assert.deepEqual(st.sources.map((s) => s.source), [one]);
});

test('an interrupted import leaves the previous database intact and no temporary file', async () => {
  const dir = tmp();
  const db = join(dir, 'osv.db');
  await importOsv([join(GHSA, 'npm')], db, { now: () => new Date('2025-01-01T00:00:00Z') });
  const before = readFileSync(db);
  const controller = new AbortController();
  let n = 0;
  await assert.rejects(
    importOsv([join(OSV, 'Go-all.zip'), join(GHSA, 'npm')], db, {
      force: true,
      signal: controller.signal,
      onAdvisory: () => {
        if (++n === 500) controller.abort(new Error('interrupted'));
      },
    }),
    /interrupted/,
  );
  assert.deepEqual(readFileSync(db), before);
  assert.deepEqual(readdirSync(dir), ['osv.db']);
  // The archive was closed when the import stopped (Linux: /proc lists open descriptors).
  if (existsSync('/proc/self/fd')) {
    const open = readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } });
    assert.ok(!open.some((target) => target.endsWith('Go-all.zip')), 'Go-all.zip still open');
  }
  const st = dbStatus(db);
  assert.equal(st.builtAt, '2025-01-01T00:00:00.000Z');
  assert.equal(st.ecosystems.find((e) => e.ecosystem === 'Go'), undefined);
  assert.equal(st.advisories, 120);
});

test('the same advisory from two sources: the later `modified` wins', async () => {
  const dir = tmp();
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  writeFileSync(a, adv('DUP-1', { modified: '2024-05-01T00:00:00Z', summary: 'newer' }));
  writeFileSync(b, adv('DUP-1', { modified: '2023-05-01T00:00:00Z', summary: 'older' }));
  const db = join(dir, 'osv.db');
  await importOsv([a, b], db);
  const sql = new DatabaseSync(db, { readOnly: true });
  try {
    assert.equal(sql.prepare("SELECT summary FROM advisories WHERE id = 'DUP-1'").get()?.summary, 'newer');
    assert.equal(sql.prepare("SELECT COUNT(*) AS n FROM affected WHERE advisory_id = 'DUP-1'").get()?.n, 1);
  } finally {
    sql.close();
  }
});

test('dbStatus on a missing or foreign file is a clear error', () => {
  const dir = tmp();
  assert.throws(() => dbStatus(join(dir, 'nope.db')), { code: 'TARGET_NOT_FOUND' });
  const other = join(dir, 'other.db');
  const sql = new DatabaseSync(other);
  sql.exec('CREATE TABLE t (x)');
  sql.close();
  assert.throws(() => dbStatus(other), { code: 'PARSE_ERROR' });
  assert.ok(existsSync(other));
});
