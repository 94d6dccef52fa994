/**
 * The Debian tracker export reader: the streaming splitter (values across 1 MiB read chunks,
 * braces and quotes inside strings, escapes), the tracker's states, and bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { looksLikeDebianTracker, trackerPackages, trackerRows, type TrackerItem } from '../../../../src/scan/db/debian.ts';
import { dbStatus, importOsv } from '../../../../src/scan/db/index.ts';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/debian-tracker/tracker.json');

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-tracker-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function collect(path: string, maxBytes = 1 << 30, maxPackages = 1_000_000): Promise<TrackerItem[]> {
  const out: TrackerItem[] = [];
  for await (const item of trackerPackages(path, maxBytes, maxPackages)) out.push(item);
  return out;
}

test('the splitter yields exactly what JSON.parse sees, across read chunks and with tricky strings', async () => {
  const dir = tmp();
  const doc: Record<string, unknown> = {};
  // ~3 MiB: values straddle the 1 MiB read chunks; strings hold braces, quotes, escapes, non-ASCII.
  for (let i = 0; i < 600; i++) {
    doc[`pkg-${i}\u00e9"\\{`] = {
      [`CVE-2024-${1000 + i}`]: { description: `x}{]["\\\n\u2603 ${'a'.repeat(5000)}`, releases: { bookworm: { status: 'open', urgency: 'low' } } },
    };
  }
  doc['num'] = 42;
  doc['str'] = 'plain, with a comma }';
  const path = join(dir, 't.json');
  writeFileSync(path, JSON.stringify(doc, null, 1));
  const items = await collect(path);
  assert.deepEqual(
    items.map((i) => ('value' in i ? [i.name, i.value] : [i.name, i.error])),
    Object.entries(doc),
  );
  assert.ok(looksLikeDebianTracker(readFileSync(FIXTURE, 'utf8').slice(0, 4096)));
  assert.ok(!looksLikeDebianTracker(JSON.stringify({ id: 'GHSA-x', modified: 'y' })));
});

test('bad input: oversized package entries and bad JSON are per-package errors; a broken file throws', async () => {
  const dir = tmp();
  const p1 = join(dir, 'a.json');
  writeFileSync(p1, '{"big": {"CVE-2024-1": {"description": "' + 'b'.repeat(2000) + '"}}, "bad": {"CVE-2024-2": {,}}, "ok": {}}');
  const items = await collect(p1, 1000);
  assert.deepEqual(items.map((i) => i.name), ['big', 'bad', 'ok']);
  assert.match('error' in items[0]! ? items[0].error : '', /over 1000 bytes/);
  assert.match('error' in items[1]! ? items[1].error : '', /bad JSON/);
  assert.deepEqual('value' in items[2]! ? items[2].value : undefined, {});
  for (const text of ['[1, 2]', '{"a": {"CVE-1": {}}', '{"a" {}}', '{"a": {}} trailing', '', '{"a": {}, 7}']) {
    const p = join(dir, 'x.json');
    writeFileSync(p, text);
    await assert.rejects(collect(p), /not a Debian tracker JSON object/, text);
  }
  const many = join(dir, 'm.json');
  writeFileSync(many, '{"a": {}, "b": {}, "c": {}}');
  await assert.rejects(collect(many, 1000, 2), /more than 2 packages/);
});

test('trackerRows: states, release numbers, malformed entries counted', () => {
  const { rows, skipped } = trackerRows('pkg', {
    'CVE-2024-0001': { releases: { bookworm: { status: 'resolved', fixed_version: '1.0-1' }, sid: { status: 'open' }, bullseye: { status: 'resolved', fixed_version: '0' } } },
    'CVE-2024-0002': { releases: { bookworm: { status: 'open', urgency: 'end-of-life' } } },
    'CVE-2024-0003': { releases: { bookworm: { status: 'undetermined' }, trixie: { status: 'weird' }, buster: 'x' } },
    'not-an-issue': { releases: {} },
    'CVE-2024-0004': { releases: { bookworm: { status: 'resolved' } } },
  });
  assert.deepEqual(
    rows.map((r) => [r.advisoryId, r.ecosystem, r.fixed, r.state, r.note]),
    [
      ['DEBIAN-CVE-2024-0001', 'Debian:12', '1.0-1', 'affected', undefined],
      ['DEBIAN-CVE-2024-0002', 'Debian:12', undefined, 'will_not_fix', 'end-of-life'],
      ['DEBIAN-CVE-2024-0003', 'Debian:12', undefined, 'affected', undefined],
    ],
  );
  assert.equal(skipped, 4); // trixie "weird", buster not an object, the bad issue id, resolved without a version
});

test('a truncated tracker export fails its source and keeps what the index had from it', async () => {
  const dir = tmp();
  const db = join(dir, 'db.sqlite');
  const path = join(dir, 'tracker.json');
  writeFileSync(path, readFileSync(FIXTURE));
  const first = await importOsv([path], db);
  assert.equal(first.sources[0]?.status, 'imported');
  // 14 issues, of which glibc CVE-2023-5156 is "0" in every numbered release: 13 stored.
  assert.equal(first.sources[0]?.advisories, 13);
  const before = dbStatus(db).ecosystems;
  writeFileSync(path, readFileSync(FIXTURE).subarray(0, 3000));
  const second = await importOsv([path], db);
  assert.equal(second.sources[0]?.status, 'failed');
  assert.match(second.sources[0]?.problems.at(-1)?.error ?? '', /unexpected end of file/);
  assert.deepEqual(dbStatus(db).ecosystems, before);
});

test('an id another source already holds (osv.dev spells Debian ids the same) is kept from there, not mixed', async () => {
  const dir = tmp();
  const db = join(dir, 'db.sqlite');
  const osv = join(dir, 'DEBIAN-CVE-2023-4911.json');
  writeFileSync(osv, JSON.stringify({
    id: 'DEBIAN-CVE-2023-4911', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2023-4911'],
    affected: [{ package: { ecosystem: 'Debian:12', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.36-9+deb12u3' }] }] }],
  }));
  const r = await importOsv([osv, FIXTURE], db);
  assert.deepEqual(r.sources.map((s) => s.status), ['imported', 'imported']);
  // bookworm's row for that id is skipped (bullseye's is "0" and never stored).
  assert.equal(r.sources[1]?.skipped, 1);
  assert.match(r.sources[1]?.problems[0]?.error ?? '', /DEBIAN-CVE-2023-4911 is already in the index from another source/);
  assert.equal(r.sources[1]?.advisories, 12);
  // The other source's advisory keeps exactly its own affected row.
  const sql = (await import('node:sqlite')).DatabaseSync;
  const check = new sql(db, { readOnly: true });
  try {
    assert.deepEqual(check.prepare("SELECT ecosystem, name FROM affected WHERE advisory_id = 'DEBIAN-CVE-2023-4911'").all().map((x) => `${String(x.ecosystem)} ${String(x.name)}`), ['Debian:12 glibc']);
  } finally {
    check.close();
  }
});
