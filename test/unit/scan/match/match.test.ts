/**
 * matchPackages against the real OSV snapshots in /work/shared/data/osv, imported once. Each
 * expected finding below was worked out by reading the advisory file named next to it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { importOsv } from '../../../../src/scan/db/index.ts';
import { matchPackages, type Finding, type MatchPackage } from '../../../../src/scan/match/index.ts';

const OSV = '/work/shared/data/osv';
let dir: string;
let db: DatabaseSync;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vouch-match-'));
  const path = join(dir, 'osv.db');
  await importOsv([join(OSV, 'Go-all.zip'), join(OSV, 'crates.io-all.zip'), join(OSV, 'PyPI-all.zip'), join(OSV, 'ghsa-sample')], path);
  db = new DatabaseSync(path, { readOnly: true });
});

after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const find = (pkg: MatchPackage): Finding[] => {
  const r = matchPackages(db, [pkg]);
  assert.deepEqual(r.problems, []);
  return [...r.findings];
};
const byId = (fs: Finding[], id: string): Finding | undefined => fs.find((f) => f.id === id || f.aliases.includes(id));

test('Go: a pseudo-version before the fix is affected and the fix is reported; the fixed version is not (GO-2021-0238)', () => {
  // GO-2021-0238: golang.org/x/net, SEMVER introduced 0, fixed 0.0.0-20210520170846-37e1c6afe023;
  // aliases CVE-2021-33194, GHSA-83g2-8m93-v3w7.
  const hit = byId(find({ purl: 'pkg:golang/golang.org/x/net@v0.0.0-20210510120150-4163338589ed' }), 'GO-2021-0238');
  assert.ok(hit);
  assert.equal(hit.id, 'GO-2021-0238');
  assert.deepEqual(hit.aliases, ['CVE-2021-33194', 'GHSA-83g2-8m93-v3w7']);
  assert.deepEqual(hit.fixed, ['0.0.0-20210520170846-37e1c6afe023']);
  assert.equal(hit.summary, 'Infinite loop when parsing inputs in golang.org/x/net/html');
  assert.equal(hit.name, 'golang.org/x/net');
  assert.equal(byId(find({ purl: 'pkg:golang/golang.org/x/net@v0.0.0-20210520170846-37e1c6afe023' }), 'GO-2021-0238'), undefined);
});

test('PyPI: a non-normalised name matches; both intervals of one range (PYSEC-2011-4)', () => {
  // PYSEC-2011-4: django, ECOSYSTEM introduced 0, fixed 1.2.7, introduced 1.3, fixed 1.3.1.
  for (const pkg of [{ ecosystem: 'PyPI', name: 'Django', version: '1.2.6' }, { purl: 'pkg:pypi/Django@1.2.6' }, { ecosystem: 'PyPI', name: 'DJANGO', version: '1.2.6' }]) {
    const hit = byId(find(pkg), 'PYSEC-2011-4');
    assert.ok(hit, JSON.stringify(pkg));
    assert.equal(hit.name, 'django');
    assert.deepEqual(hit.fixed, ['1.2.7']);
    assert.deepEqual(hit.aliases, ['CVE-2011-4139']);
  }
  assert.deepEqual(byId(find({ ecosystem: 'PyPI', name: 'Django', version: '1.3' }), 'PYSEC-2011-4')?.fixed, ['1.3.1']);
  assert.equal(byId(find({ ecosystem: 'PyPI', name: 'Django', version: '1.2.7' }), 'PYSEC-2011-4'), undefined);
  assert.equal(byId(find({ ecosystem: 'PyPI', name: 'Django', version: '1.3.1' }), 'PYSEC-2011-4'), undefined);
});

test('crates.io: two RustSec advisories that merely share aliases stay two findings (RUSTSEC-2022-0096, RUSTSEC-2022-0101)', () => {
  // Both list aliases CVE-2022-23636, CVE-2022-31169, GHSA-7f6x-jwh5-m9r4, GHSA-88xq-w8cq-xfg7 for
  // wasmtime, and neither lists the other: 0096 is fixed in 0.33.1 (and 0.34.1), 0101 in 0.38.2.
  const fs = find({ purl: 'pkg:cargo/wasmtime@0.33.0' });
  const a = fs.find((f) => f.id === 'RUSTSEC-2022-0096');
  const b = fs.find((f) => f.id === 'RUSTSEC-2022-0101');
  assert.ok(a && b);
  assert.deepEqual(a.fixed, ['0.33.1']);
  assert.deepEqual(b.fixed, ['0.38.2']);
  assert.deepEqual(a.aliases, ['CVE-2022-23636', 'CVE-2022-31169', 'GHSA-7f6x-jwh5-m9r4', 'GHSA-88xq-w8cq-xfg7']);
  assert.ok(!a.aliases.includes('RUSTSEC-2022-0101') && !b.aliases.includes('RUSTSEC-2022-0096'));
  assert.equal(new Set(fs.map((f) => f.id)).size, fs.length, 'each id reported once');
  // 0.36.0 is past both of 0096's intervals, below 0101's fix: only 0101.
  const later = find({ purl: 'pkg:cargo/wasmtime@0.36.0' }).map((f) => f.id);
  assert.ok(later.includes('RUSTSEC-2022-0101') && !later.includes('RUSTSEC-2022-0096'));
});

test('withdrawn advisories never match (GO-2024-2730: gorilla/sessions, introduced 0, withdrawn)', () => {
  for (const v of ['v1.0.0', 'v1.2.2']) assert.equal(byId(find({ purl: `pkg:golang/github.com/gorilla/sessions@${v}` }), 'GO-2024-2730'), undefined);
});

test('Maven group:artifact and last_affected (GHSA-5mg8-w23w-74h3: guava, last_affected 29.0)', () => {
  const hit = byId(find({ purl: 'pkg:maven/com.google.guava/guava@29.0' }), 'GHSA-5mg8-w23w-74h3');
  assert.ok(hit);
  assert.equal(hit.name, 'com.google.guava:guava');
  assert.deepEqual(hit.fixed, []);
  assert.equal(byId(find({ purl: 'pkg:maven/com.google.guava/guava@30.0' }), 'GHSA-5mg8-w23w-74h3'), undefined);
});

test('npm scoped package (GHSA-67hx-6x53-jw92: @babel/traverse fixed 7.23.2)', () => {
  const hit = byId(find({ purl: 'pkg:npm/%40babel/traverse@7.23.1' }), 'GHSA-67hx-6x53-jw92');
  assert.ok(hit);
  assert.deepEqual(hit.aliases, ['CVE-2023-45133']);
  assert.deepEqual(hit.fixed, ['7.23.2']);
  assert.equal(byId(find({ purl: 'pkg:npm/%40babel/traverse@7.23.2' }), 'GHSA-67hx-6x53-jw92'), undefined);
});

test('packages that cannot be matched are problems; the others go on', () => {
  const r = matchPackages(db, [
    { purl: 'pkg:deb/debian/openssl@3.0.0' },
    { purl: 'not a purl' },
    { purl: 'pkg:npm/left-pad' },
    { ecosystem: 'Nowhere', name: 'x', version: '1' },
    { ecosystem: 'PyPI', name: 'Django', version: '1.2.6' },
  ]);
  assert.equal(r.problems.length, 4);
  assert.match(r.problems[0]!.error, /names no distro release/);
  assert.match(r.problems[2]!.error, /no version/);
  assert.match(r.problems[3]!.error, /no version scheme/);
  assert.ok(byId([...r.findings], 'PYSEC-2011-4'));
});

test('an unreadable version is reported and matches no range', () => {
  const r = matchPackages(db, [{ ecosystem: 'npm', name: '@babel/traverse', version: 'not a version' }]);
  assert.equal(r.findings.length, 0);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.error, /not a valid/);
});

test('Go standard library: the toolchain version as the binary cataloger and syft spell it (GO-2023-2185, GO-2023-2041)', () => {
  // GO-2023-2185 (stdlib): affected[0] introduced 0, fixed 1.20.11, introduced 1.21.0-0, fixed 1.21.4;
  // affected[1] introduced 1.20.11, fixed 1.20.12, introduced 1.21.4, fixed 1.21.5.
  // GO-2023-2041 (stdlib): introduced 0, fixed 1.20.8, introduced 1.21.0-0, fixed 1.21.1.
  const ids = (purl: string): string[] => find({ purl }).map((f) => f.id);
  for (const purl of ['pkg:golang/stdlib@1.21.0', 'pkg:golang/stdlib@go1.21.0', 'pkg:golang/stdlib@go1.21', 'pkg:golang/stdlib@1.21']) {
    const fs = find({ purl });
    assert.ok(fs.every((f) => f.name === 'stdlib' && f.version === '1.21.0'), purl);
    assert.deepEqual(byId(fs, 'GO-2023-2185')?.fixed, ['1.21.4'], purl);
    assert.deepEqual(byId(fs, 'GO-2023-2041')?.fixed, ['1.21.1'], purl);
  }
  // 1.21.4 is past the first entry's fix but inside the second entry's range.
  assert.deepEqual(byId(find({ purl: 'pkg:golang/stdlib@1.21.4' }), 'GO-2023-2185')?.fixed, ['1.21.5']);
  assert.ok(!ids('pkg:golang/stdlib@1.21.5').includes('GO-2023-2185'));
  assert.ok(!ids('pkg:golang/stdlib@1.21.1').includes('GO-2023-2041'));
  // A release candidate sorts before the release: go1.21rc2 → 1.21.0-rc.2 is inside "introduced 1.21.0-0".
  assert.ok(ids('pkg:golang/stdlib@go1.21rc2').includes('GO-2023-2041'));
  assert.equal(find({ purl: 'pkg:golang/stdlib@go1.21rc2' })[0]?.version, '1.21.0-rc.2');
});

test('Go standard library: the exact advisory ids for stdlib 1.21.0, against a plain semver walk of Go-all.zip', async () => {
  const semver = (await import('semver')).default;
  const { zipJsonEntries } = await import('../../../../src/scan/db/zip.ts');
  const expected = new Set<string>();
  for await (const item of zipJsonEntries(join(OSV, 'Go-all.zip'), { maxEntryBytes: 1 << 24, maxRatio: 1000, maxEntries: 100_000 })) {
    if (!('data' in item)) continue;
    const a = JSON.parse(item.data.toString('utf8')) as { id: string; withdrawn?: string; affected: { package: { name: string }; ranges?: { type: string; events: Record<string, string>[] }[] }[] };
    if (a.withdrawn !== undefined) continue;
    for (const aff of a.affected) {
      if (aff.package.name !== 'stdlib') continue;
      for (const r of aff.ranges ?? []) {
        let hit = false;
        for (const e of r.events) {
          if (e.introduced !== undefined && (e.introduced === '0' || semver.gte('1.21.0', e.introduced))) hit = true;
          if (e.fixed !== undefined && semver.gte('1.21.0', e.fixed)) hit = false;
        }
        if (hit) expected.add(a.id);
      }
    }
  }
  assert.ok(expected.size > 10);
  assert.deepEqual(new Set(find({ purl: 'pkg:golang/stdlib@go1.21.0' }).map((f) => f.id)), expected);
});

test('severity: GitHub advisories give the CVSS v4 score when present, else their own rating (ghsa-sample)', () => {
  // GHSA-9cwx-2883-4wfx (vite 5.4.0 – 5.4.6): CVSS_V3 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N (5.3) and
  // CVSS_V4 CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N (6.9, GitHub shows "Moderate 6.9").
  const vite = byId(find({ purl: 'pkg:npm/vite@5.4.5' }), 'GHSA-9cwx-2883-4wfx');
  assert.deepEqual(vite?.severity, { level: 'medium', score: 6.9, vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', source: 'CVSS_V4' });
  // GHSA-2cf5-4w76-r9qv (handlebars < 3.0.8): no vectors, database_specific.severity HIGH.
  assert.deepEqual(byId(find({ purl: 'pkg:npm/handlebars@3.0.7' }), 'GHSA-2cf5-4w76-r9qv')?.severity, { level: 'high', source: 'advisory' });
  // Go advisories carry no severity at all.
  assert.deepEqual(byId(find({ purl: 'pkg:golang/stdlib@1.21.0' }), 'GO-2023-2185')?.severity, { level: 'unknown', source: 'none' });
  assert.equal(byId(find({ purl: 'pkg:golang/stdlib@1.21.0' }), 'GO-2023-2185')?.state, undefined);
});
