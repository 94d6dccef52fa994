/**
 * Distro matching against the curated Debian tracker sample (test/fixtures/debian-tracker, see its
 * README) imported into the index; purls as the dpkg cataloger writes them for the
 * debian-bookworm test image (source package in `upstream`). Plus OSV's own distro ecosystems
 * (Alpine) and the alias-merge rule on small hand-made advisories.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { dbStatus, importOsv } from '../../../../src/scan/db/index.ts';
import { distroEcosystems, matchPackages, type Finding } from '../../../../src/scan/match/index.ts';

const TRACKER = join(import.meta.dirname, '../../../fixtures/debian-tracker/tracker.json');
let dir: string;
let db: DatabaseSync;
let dbPath: string;

const osv = (id: string, ecosystem: string, name: string, events: Record<string, string>[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ id, modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events }] }], ...extra });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vouch-distro-'));
  const extra = join(dir, 'osv');
  mkdirSync(extra);
  // Alpine, as OSV publishes it (ecosystem "Alpine:v3.18", the origin package, apk versions).
  writeFileSync(join(extra, 'CVE-2023-42363.json'), osv('ALPINE-CVE-2023-42363', 'Alpine:v3.18', 'busybox', [{ introduced: '0' }, { fixed: '1.36.1-r7' }], { aliases: ['CVE-2023-42363'] }));
  // Alias merging: PYSEC-2099-1 ↔ GHSA-aaaa linked directly; PYSEC-2099-2 shares CVE-2099-0001 with them
  // but is PYSEC too and unlinked → separate; GHSA-bbbb and PYSEC-2099-3 share only CVE-2099-0002 (two
  // databases → one vulnerability).
  const range: Record<string, string>[] = [{ introduced: '0' }, { fixed: '2.0' }];
  writeFileSync(join(extra, 'a.json'), osv('PYSEC-2099-1', 'PyPI', 'demo', range, { aliases: ['CVE-2099-0001', 'GHSA-aaaa-aaaa-aaaa'] }));
  writeFileSync(join(extra, 'b.json'), osv('GHSA-aaaa-aaaa-aaaa', 'PyPI', 'demo', range, { aliases: ['CVE-2099-0001'] }));
  writeFileSync(join(extra, 'c.json'), osv('PYSEC-2099-2', 'PyPI', 'demo', range, { aliases: ['CVE-2099-0001'] }));
  writeFileSync(join(extra, 'd.json'), osv('GHSA-bbbb-bbbb-bbbb', 'PyPI', 'demo', range, { aliases: ['CVE-2099-0002'] }));
  writeFileSync(join(extra, 'e.json'), osv('PYSEC-2099-3', 'PyPI', 'demo', range, { aliases: ['CVE-2099-0002'] }));
  dbPath = join(dir, 'db.sqlite');
  const report = await importOsv([TRACKER, extra], dbPath);
  assert.equal(report.sources[0]?.kind, 'debian-tracker');
  assert.deepEqual(report.sources.map((s) => s.status), ['imported', 'imported']);
  db = new DatabaseSync(dbPath, { readOnly: true });
});

after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const findings = (purl: string): Finding[] => {
  const r = matchPackages(db, [{ purl }]);
  assert.deepEqual(r.problems, []);
  return [...r.findings];
};
const ids = (purl: string): string[] => findings(purl).map((f) => f.id).sort();

test('the tracker import: issues per Debian release, sid left out, "0" releases not stored', () => {
  const s = dbStatus(dbPath);
  const byEco = new Map(s.ecosystems.map((e) => [e.ecosystem, e.advisories]));
  // bookworm: 14 issues in the file, all but glibc CVE-2023-5156 (fixed_version "0") → 13.
  assert.equal(byEco.get('Debian:12'), 13);
  // bullseye: apt, glibc 2961 + 1010022 (4911 and 5156 are "0"), gnutls28, perl, shadow, systemd, zlib → 8.
  assert.equal(byEco.get('Debian:11'), 8);
  assert.ok(![...byEco.keys()].some((e) => e.includes('sid')));
});

test('libc6 (source glibc) 2.36-9+deb12u14: backported fixes do not match; the open issue does; "0" does not', () => {
  const purl = 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc';
  // CVE-2023-4911 fixed 2.36-9+deb12u3 and CVE-2024-2961 fixed 2.36-9+deb12u7 (both below u14): not affected,
  // although upstream glibc 2.36 is in both CVEs' ranges. CVE-2023-5156: bookworm "0".
  assert.deepEqual(ids(purl), ['DEBIAN-CVE-2019-1010022']);
  const f = findings(purl)[0]!;
  assert.equal(f.ecosystem, 'Debian:12');
  assert.equal(f.name, 'glibc');
  assert.deepEqual(f.aliases, ['CVE-2019-1010022']);
  assert.deepEqual(f.fixed, []);
  assert.equal(f.state, 'affected');
  assert.deepEqual(f.severity, { level: 'low', source: 'advisory' }); // urgency "unimportant"
});

test('a revision below the Debian fix is affected and the fix is reported', () => {
  const fs = findings('pkg:deb/debian/libc6@2.36-9%2Bdeb12u2?arch=amd64&distro=debian-12&upstream=glibc');
  const f = fs.find((x) => x.id === 'DEBIAN-CVE-2023-4911');
  assert.ok(f);
  assert.deepEqual(f.fixed, ['2.36-9+deb12u3']);
  assert.deepEqual(f.severity, { level: 'high', source: 'advisory' });
  assert.deepEqual(fs.map((x) => x.id).sort(), ['DEBIAN-CVE-2019-1010022', 'DEBIAN-CVE-2023-4911', 'DEBIAN-CVE-2024-2961']);
});

test('nodsa_reason "ignored" → will_not_fix; no-dsa postponed → affected with a note', () => {
  const zlib = findings('pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib');
  assert.deepEqual(zlib.map((f) => [f.id, f.state, f.note]), [['DEBIAN-CVE-2023-45853', 'will_not_fix', 'ignored']]);
  const systemd = findings('pkg:deb/debian/libsystemd0@252.39-1~deb12u2?arch=amd64&distro=debian-12&upstream=systemd');
  assert.deepEqual(systemd.map((f) => [f.id, f.state, f.note]), [['DEBIAN-CVE-2023-7008', 'affected', 'no-dsa: Minor issue']]);
});

test('source name and binNMU source version come from upstream; no upstream means the binary is its own source', () => {
  // tar has no Source field: open CVE-2005-2541 and the TEMP issue match.
  assert.deepEqual(ids('pkg:deb/debian/tar@1.34%2Bdfsg-1.2%2Bdeb12u1?arch=amd64&distro=debian-12'), ['DEBIAN-CVE-2005-2541', 'DEBIAN-TEMP-0290435-0B57B5']);
  // login's source is shadow, fixed at 1:4.13+dfsg1-1+deb12u1 (epoch compared): u2 is not affected, the un-updated release is.
  assert.deepEqual(ids('pkg:deb/debian/login@1:4.13%2Bdfsg1-1%2Bdeb12u2?arch=amd64&distro=debian-12&upstream=shadow'), []);
  assert.deepEqual(ids('pkg:deb/debian/login@1:4.13%2Bdfsg1-1?arch=amd64&distro=debian-12&upstream=shadow'), ['DEBIAN-CVE-2023-29383']);
  // the binary name never matches the source's advisories by itself
  assert.deepEqual(ids('pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12'), []);
  // bullseye's view of the same source: CVE-2023-4911 is "0" there
  assert.ok(!ids('pkg:deb/debian/libc6@2.31-13?arch=amd64&distro=debian-11&upstream=glibc').includes('DEBIAN-CVE-2023-4911'));
});

test('OS packages are never matched against upstream ecosystems, and need a known release', () => {
  const r = matchPackages(db, [{ purl: 'pkg:deb/debian/libc6@2.36-9?arch=amd64&upstream=glibc' }, { purl: 'pkg:deb/debian/libc6@2.36-9?distro=debian-unstable' }]);
  assert.equal(r.findings.length, 0);
  assert.match(r.problems[0]!.error, /names no distro release/);
  assert.match(r.problems[1]!.error, /no advisory ecosystem known/);
});

test('Alpine: origin package and release (ALPINE-CVE-2023-42363 busybox fixed 1.36.1-r7 in v3.18)', () => {
  const purl = (v: string, distro = 'alpine-3.18.4'): string => `pkg:apk/alpine/busybox-binsh@${v}?arch=x86_64&distro=${distro}&upstream=busybox`;
  assert.deepEqual(ids(purl('1.36.1-r6')), ['ALPINE-CVE-2023-42363']);
  assert.deepEqual(ids(purl('1.36.1-r7')), []);
  assert.deepEqual(ids(purl('1.36.1-r6', 'alpine-3.19.0')), []);
});

test('distroEcosystems', () => {
  assert.deepEqual(distroEcosystems('deb', 'debian-12'), ['Debian:12']);
  assert.deepEqual(distroEcosystems('deb', 'debian-12.4'), ['Debian:12']);
  assert.deepEqual(distroEcosystems('apk', 'alpine-3.19.1'), ['Alpine:v3.19']);
  assert.deepEqual(distroEcosystems('deb', 'ubuntu-22.04'), ['Ubuntu:22.04', 'Ubuntu:22.04:LTS', 'Ubuntu:Pro:22.04:LTS']);
  assert.deepEqual(distroEcosystems('rpm', 'rocky-9.3'), ['Rocky Linux:9']);
  assert.deepEqual(distroEcosystems('rpm', 'rhel-9.3'), []);
  assert.deepEqual(distroEcosystems('deb', undefined), []);
});

test('alias merging: directly linked or cross-database advisories are one finding; same-database ones sharing a CVE are not', () => {
  const fs = findings('pkg:pypi/demo@1.0');
  assert.deepEqual(
    fs.map((f) => [f.id, f.aliases]),
    [
      ['PYSEC-2099-1', ['CVE-2099-0001', 'GHSA-aaaa-aaaa-aaaa']],
      ['PYSEC-2099-2', ['CVE-2099-0001']],
      ['PYSEC-2099-3', ['CVE-2099-0002', 'GHSA-bbbb-bbbb-bbbb']],
    ],
  );
});
