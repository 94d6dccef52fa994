/**
 * `vouch scan` as a user runs it: a database built from the real OSV data in ../shared/data/osv
 * (Go, PyPI, crates.io all.zip + the npm/Maven GHSA sample), real lockfiles that pin vulnerable
 * versions (expected ids worked out by hand from the advisory JSON, see each test), third-party
 * SBOMs from trivy and syft, gates and suppression through the CLI's exit codes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { SHARED_DATA } from '../helpers/catalog.ts';
import { cycloneDxSchema } from '../unit/formats/schemas.ts';
import { sarifErrors } from '../unit/scan/report/sarif-schema.ts';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const OSV = join(SHARED_DATA, 'osv');
const LOCK = join(SHARED_DATA, 'lockfiles');
const work = mkdtempSync(join(tmpdir(), 'vouch-cli-scan-'));
const DB = join(work, 'advisories.sqlite');
after(() => rmSync(work, { recursive: true, force: true }));

/** The compiled CLI as users run it (`npm ci` builds it through `prepare`); VOUCH_DIST_BIN points elsewhere. */
const BIN_DIST = process.env.VOUCH_DIST_BIN ?? new URL('../../dist/cli/bin.js', import.meta.url).pathname;

function vouch(args: string[], env: NodeJS.ProcessEnv = {}, bin = BIN) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', VOUCH_CACHE_DIR: join(work, 'cache'), ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Match { id: string; aliases: string[]; fixed: string[]; package: { purl: string; name: string; locations: { path: string; line?: number }[] } }
interface Report { matches: Match[]; suppressed: { match: Match; by: { kind: string; status?: string; justification?: string; reason?: string } }[]; expiredIgnores: unknown[]; packages: { total: number }; sbom?: { format: string } }

function scanJson(args: string[]): Report {
  const r = vouch(['scan', ...args, '--db', DB, '-o', 'json', '-q']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
}

before(() => {
  const r = vouch(['db', 'import', join(OSV, 'Go-all.zip'), join(OSV, 'PyPI-all.zip'), join(OSV, 'crates.io-all.zip'), join(OSV, 'ghsa-sample'), '--db', DB, '-q']);
  assert.equal(r.code, 0, r.stderr);
});

// requirements_flask.txt pins Flask 2.0.0 and Werkzeug 2.0.0. From PyPI-all.zip: Werkzeug
// PYSEC-2022-203 (introduced 0, fixed 2.1.1), PYSEC-2023-57 and PYSEC-2023-58 (fixed 2.2.3),
// PYSEC-2023-221 (fixed 2.3.8, introduced again 3.0.0 fixed 3.0.1); Flask PYSEC-2023-62 (fixed 2.2.5).
// Not matched: Werkzeug PYSEC-2019-140 (fixed 0.15.3), PYSEC-2017-43, PYSEC-2020-157; Jinja2 3.0.0
// is past every Jinja2 fix (latest 2.11.3); click, MarkupSafe, itsdangerous have none.
const FLASK = join(LOCK, 'python/trivy/pip/requirements_flask.txt');

test('a requirements file with vulnerable pins: exact ids, fixed versions and the declaring line', () => {
  const r = scanJson([`file:${FLASK}`]);
  assert.deepEqual(
    r.matches.map((m) => `${m.package.name} ${m.id} ${m.fixed.join(',')}`),
    ['Flask PYSEC-2023-62 2.2.5', 'Werkzeug PYSEC-2022-203 2.1.1', 'Werkzeug PYSEC-2023-221 2.3.8', 'Werkzeug PYSEC-2023-57 2.2.3', 'Werkzeug PYSEC-2023-58 2.2.3'],
  );
  const werkzeug = r.matches.find((m) => m.package.name === 'Werkzeug')!;
  assert.deepEqual(werkzeug.package.locations, [{ path: 'requirements_flask.txt', line: 6 }]);
  assert.ok(r.matches.find((m) => m.id === 'PYSEC-2023-221')!.aliases.includes('CVE-2023-46136'));
});

test('versions at or past the fix do not match (Werkzeug 2.3.8, Flask 2.2.5)', () => {
  const dir = join(work, 'fixed');
  mkdirSync(dir, { recursive: true });
  // The same project with the two packages moved to the versions the advisories name as fixed.
  writeFileSync(join(dir, 'requirements.txt'), readFileSync(FLASK, 'utf8').replace('Werkzeug==2.0.0', 'Werkzeug==2.3.8').replace('Flask==2.0.0', 'Flask==2.2.5'));
  const r = scanJson([dir]);
  assert.deepEqual(r.matches.map((m) => m.id), []);
  assert.equal(r.packages.total, 6);
});

test('Cargo.lock and package-lock.json: RustSec and GHSA findings', () => {
  // rust/syft/Cargo.lock pins ansi_term 0.12.1: RUSTSEC-2021-0139 (unmaintained; no patched version).
  const cargo = scanJson([`file:${join(LOCK, 'rust/syft/Cargo.lock')}`]);
  assert.deepEqual(cargo.matches.map((m) => `${m.package.purl} ${m.id} [${m.fixed.join(',')}]`), ['pkg:cargo/ansi_term@0.12.1 RUSTSEC-2021-0139 []']);
  // npm/syft/pkg-lock pins minimist 0.0.10: GHSA-vh95-rmgr-6w4m (fixed 0.2.1) and GHSA-xvch-5gv4-984h
  // (fixed 0.2.4), and ansi-regex 3.0.0: GHSA-93q8-gq69-wqmw (introduced 3.0.0, fixed 3.0.1), from ghsa-sample/npm.
  const npm = scanJson([`file:${join(LOCK, 'npm/syft/pkg-lock/package-lock.json')}`]);
  assert.deepEqual(npm.matches.map((m) => `${m.package.purl} ${m.id} ${m.fixed.join(',')}`), [
    'pkg:npm/ansi-regex@3.0.0 GHSA-93q8-gq69-wqmw 3.0.1',
    'pkg:npm/minimist@0.0.10 GHSA-vh95-rmgr-6w4m 0.2.1',
    'pkg:npm/minimist@0.0.10 GHSA-xvch-5gv4-984h 0.2.4',
  ]);
});

test('--fail-on exits 1 when a finding at or above the level remains, 0 otherwise; --only-fixed', () => {
  // minimist GHSA-xvch-5gv4-984h is CVSS 9.8 (critical) in the advisory.
  const lock = `file:${join(LOCK, 'npm/syft/pkg-lock/package-lock.json')}`;
  const fail = vouch(['scan', lock, '--db', DB, '--fail-on', 'critical', '-q']);
  assert.equal(fail.code, 1);
  assert.match(fail.stderr, /1 vulnerability at or above critical \(GHSA-xvch-5gv4-984h\) \[VULNERABILITIES_FOUND\]/);
  assert.match(fail.stdout, /minimist 0\.0\.10/);
  // ansi_term's RUSTSEC advisory has no severity (unknown ranks lowest): --fail-on low passes.
  assert.equal(vouch(['scan', `file:${join(LOCK, 'rust/syft/Cargo.lock')}`, '--db', DB, '--fail-on', 'low', '-q']).code, 0);
  assert.equal(vouch(['scan', `file:${join(LOCK, 'rust/syft/Cargo.lock')}`, '--db', DB, '--fail-on', 'unknown', '-q']).code, 1);
  // and it has no fix: --only-fixed drops it.
  const onlyFixed = scanJson([`file:${join(LOCK, 'rust/syft/Cargo.lock')}`, '--only-fixed']);
  assert.deepEqual(onlyFixed.matches, []);
  assert.equal(vouch(['scan', lock, '--db', DB, '--fail-on', 'severe']).code, 2);
});

test('.vouchignore suppresses until it expires; the report says why and which rule expired', () => {
  const dir = join(work, 'ignored');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'requirements.txt'), readFileSync(FLASK, 'utf8'));
  writeFileSync(
    join(dir, '.vouchignore'),
    [
      'ignore:',
      '  - id: CVE-2023-46136        # an alias of PYSEC-2023-221',
      '    package: pkg:pypi/werkzeug',
      '    expires: 2999-01-01',
      '    reason: multipart parser not used',
      '  - ids: [PYSEC-2023-62]',
      '    package: Flask',
      '    expires: 2020-01-01',
      '    reason: old decision',
      '',
    ].join('\n'),
  );
  const r = scanJson([dir]);
  assert.deepEqual(r.suppressed.map((s) => [s.match.id, s.by.kind, s.by.reason]), [['PYSEC-2023-221', 'ignore', 'multipart parser not used']]);
  assert.ok(r.matches.some((m) => m.id === 'PYSEC-2023-62'), 'the expired rule no longer suppresses');
  assert.equal(r.expiredIgnores.length, 1);
  const table = vouch(['scan', dir, '--db', DB]);
  assert.match(table.stdout, /1 suppressed:\n {2}PYSEC-2023-221 in Werkzeug 2\.0\.0: .*multipart parser not used/);
  assert.match(table.stderr, /entry 2 \(PYSEC-2023-62\) expired on 2020-01-01/);
  writeFileSync(join(dir, 'bad-ignore.yaml'), 'ignore:\n  - reason: no id\n');
  const bad = vouch(['scan', dir, '--db', DB, '--ignore-file', join(dir, 'bad-ignore.yaml')]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /entry 1: no id \[IGNORE_FILE_INVALID\]/);
});

test('third-party SBOMs (trivy, syft; CycloneDX and SPDX) are read by content', () => {
  // trivy's pom-cyclonedx.json (jackson-databind 2.9.1) embeds CVE-2020-9548 and CVE-2021-20190.
  // Our sample DB has Maven GHSAs only for some: GHSA-5949-rw7g-wx7w is CVE-2021-20190; no
  // advisory in ghsa-sample/Maven names CVE-2020-9548, so it cannot be found here.
  const pom = scanJson([join(SHARED_DATA, 'cyclonedx/third-party/trivy/pom-cyclonedx.json')]);
  assert.equal(pom.sbom?.format, 'cyclonedx');
  const sample = readdirSync(join(OSV, 'ghsa-sample/Maven')).map((f) => readFileSync(join(OSV, 'ghsa-sample/Maven', f), 'utf8'));
  for (const cve of ['CVE-2020-9548', 'CVE-2021-20190']) {
    const inSample = sample.some((t) => t.includes(`"${cve}"`) && t.includes('jackson-databind'));
    const found = pom.matches.some((m) => m.aliases.includes(cve) || m.id === cve);
    assert.equal(found, inSample, `${cve}: in the sample db ${inSample}`);
  }
  assert.ok(pom.matches.length >= 1 && pom.matches.every((m) => m.package.purl === 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.1'));
  // The centos-7 SBOMs (trivy, CDX 1.5 and SPDX 2.2) list the same two rpm packages; the OSV sample
  // has no CentOS advisories (trivy's expected CVEs come from its Red Hat feed), so nothing matches.
  const cdx = scanJson([join(SHARED_DATA, 'cyclonedx/third-party/trivy/centos-7-cyclonedx.json')]);
  const spdx = scanJson([join(SHARED_DATA, 'spdx/third-party/trivy/centos-7-spdx.json')]);
  assert.equal(spdx.sbom?.format, 'spdx');
  assert.equal(cdx.packages.total, 2);
  assert.equal(spdx.packages.total, 2);
  const spdx3 = vouch(['scan', `sbom:${join(SHARED_DATA, 'spdx/examples/spdx-examples/3.0', readdirSync(join(SHARED_DATA, 'spdx/examples/spdx-examples/3.0'))[0]!)}`, '--db', DB]);
  assert.equal(spdx3.code, 3);
  assert.match(spdx3.stderr, /SPDX 3 .* not supported .*\[SBOM_INVALID\]/);
});

test('SARIF validates against the SARIF 2.1.0 schema and points at the lockfile; CycloneDX 1.6 against its schema; OpenVEX shape', () => {
  const out = join(work, 'reports');
  mkdirSync(out, { recursive: true });
  const r = vouch(['scan', `file:${FLASK}`, '--db', DB, '-q', '-o', `sarif=${join(out, 'r.sarif')}`, '-o', `cyclonedx-json=${join(out, 'r.cdx.json')}`, '-o', `openvex=${join(out, 'r.vex.json')}`]);
  assert.equal(r.code, 0, r.stderr);
  const sarif = JSON.parse(readFileSync(join(out, 'r.sarif'), 'utf8')) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[]; tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } } }[] };
  assert.deepEqual(sarifErrors(sarif), []);
  const results = sarif.runs[0]!.results;
  assert.equal(results.length, 5);
  const w = results.find((x) => x.ruleId === 'PYSEC-2023-221')!;
  assert.equal(w.locations[0]!.physicalLocation.artifactLocation.uri, 'requirements_flask.txt');
  assert.equal(w.locations[0]!.physicalLocation.region.startLine, 6);
  assert.equal(sarif.runs[0]!.tool.driver.rules.find((x) => x.id === 'PYSEC-2023-221')!.properties['security-severity'], '7.5');

  const cdx = JSON.parse(readFileSync(join(out, 'r.cdx.json'), 'utf8')) as { specVersion: string; vulnerabilities: { id: string; affects: { ref: string }[] }[] };
  assert.deepEqual(cycloneDxSchema('1.6')(cdx), []);
  assert.equal(cdx.specVersion, '1.6');
  assert.deepEqual(cdx.vulnerabilities.map((v) => v.id).sort(), ['PYSEC-2022-203', 'PYSEC-2023-221', 'PYSEC-2023-57', 'PYSEC-2023-58', 'PYSEC-2023-62']);
  assert.equal(cdx.vulnerabilities.find((v) => v.id === 'PYSEC-2023-62')!.affects[0]!.ref, 'pkg:pypi/flask@2.0.0');

  const vex = JSON.parse(readFileSync(join(out, 'r.vex.json'), 'utf8')) as Record<string, unknown> & { statements: { vulnerability: { name: string }; products: { '@id': string }[]; status: string; action_statement?: string }[] };
  assert.equal(vex['@context'], 'https://openvex.dev/ns/v0.2.0');
  assert.match(String(vex['@id']), /^https:\/\/openvex\.dev\/docs\/public\/vex-[0-9a-f]{64}$/);
  assert.ok(typeof vex.author === 'string' && typeof vex.timestamp === 'string' && vex.version === 1);
  assert.equal(vex.statements.length, 5);
  for (const s of vex.statements) {
    assert.equal(s.status, 'affected');
    assert.ok(s.action_statement !== undefined, 'affected statements need an action statement');
    assert.match(s.products[0]!['@id'], /^pkg:pypi\//);
  }
});

test('--vex: OpenVEX not_affected with a justification and fixed suppress; our own OpenVEX output round-trips', () => {
  const dir = join(work, 'vex');
  mkdirSync(dir, { recursive: true });
  const doc = {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://example.com/vex-1',
    author: 'test',
    timestamp: '2026-01-01T00:00:00Z',
    version: 1,
    statements: [
      { vulnerability: { name: 'CVE-2023-46136' }, products: [{ '@id': 'pkg:pypi/werkzeug@2.0.0' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' },
      { vulnerability: { name: 'PYSEC-2023-62' }, products: [{ '@id': 'pkg:pypi/flask' }], status: 'fixed' },
      { vulnerability: { name: 'PYSEC-2023-57' }, products: [{ '@id': 'pkg:pypi/werkzeug@2.0.0' }], status: 'not_affected' },
    ],
  };
  writeFileSync(join(dir, 'app.openvex.json'), JSON.stringify(doc));
  const r = scanJson([`file:${FLASK}`, '--vex', join(dir, 'app.openvex.json')]);
  assert.deepEqual(r.suppressed.map((s) => `${s.match.id} ${s.by.status} ${s.by.justification ?? ''}`).sort(), ['PYSEC-2023-221 not_affected vulnerable_code_not_in_execute_path', 'PYSEC-2023-62 fixed ']);
  assert.ok(r.matches.some((m) => m.id === 'PYSEC-2023-57'), 'not_affected without a justification does not suppress');
  const bad = vouch(['scan', `file:${FLASK}`, '--db', DB, '--vex', join(SHARED_DATA, 'vex/trivy/unknown.json')]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /unable to load VEX.*\[VEX_INVALID\]/);
});

test('a missing database is a clear error with a hint; an old one only warns', () => {
  const missing = vouch(['scan', `file:${FLASK}`, '--db', join(work, 'none.sqlite')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no advisory database at .*none\.sqlite \[DB_MISSING\]/);
  assert.match(missing.stderr, /hint: .*vouch db import/);
  const old = vouch(['scan', `file:${FLASK}`, '--db', DB, '--max-db-age', '0']);
  assert.equal(old.code, 0);
  assert.match(old.stderr, /advisory database was built .* days ago \(more than 0\)/);
  const env = vouch(['scan', `file:${FLASK}`, '--db', DB], { VOUCH_DB_MAX_AGE: '0' });
  assert.match(env.stderr, /more than 0/);
  assert.doesNotMatch(vouch(['scan', `file:${FLASK}`, '--db', DB]).stderr, /days ago/);
  assert.match(vouch(['scan', '--help']).stdout, /Examples:/);
  assert.equal(vouch(['scan']).code, 2);
});

test('an image (umoci): findings name the layer; an OpenVEX statement about the image digest suppresses them all', { skip: spawnSync('umoci', ['--version']).status === 0 ? false : 'umoci not installed' }, () => {
  const layout = join(work, 'img');
  const bundle = join(work, 'img-bundle');
  execFileSync('umoci', ['init', '--layout', layout]);
  execFileSync('umoci', ['new', '--image', `${layout}:app`]);
  execFileSync('umoci', ['unpack', '--rootless', '--image', `${layout}:app`, bundle]);
  mkdirSync(join(bundle, 'rootfs', 'srv', 'app'), { recursive: true });
  writeFileSync(join(bundle, 'rootfs', 'srv', 'app', 'requirements.txt'), readFileSync(FLASK, 'utf8'));
  execFileSync('umoci', ['repack', '--image', `${layout}:app`, bundle]);
  const r = scanJson([`oci-dir:${layout}`]) as Report & { source: { image: { manifestDigest: string; layers: { digest: string }[] } } };
  assert.equal(r.matches.length, 5);
  const layer = r.source.image.layers.at(-1)!.digest;
  assert.deepEqual(r.matches[0]!.package.locations, [{ path: 'srv/app/requirements.txt', line: 2, layer }]);
  const digest = r.source.image.manifestDigest;
  const vex = join(work, 'image.openvex.json');
  writeFileSync(vex, JSON.stringify({
    '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'https://example.com/img', author: 't', timestamp: '2026-01-01T00:00:00Z', version: 1,
    statements: ['CVE-2023-46136', 'PYSEC-2023-62'].map((name) => ({ vulnerability: { name }, products: [{ '@id': `pkg:oci/app@${digest.replace(':', '%3A')}` }], status: 'not_affected', justification: 'vulnerable_code_not_present' })),
  }));
  const v = scanJson([`oci-dir:${layout}`, '--vex', vex]);
  assert.deepEqual(v.suppressed.map((s) => s.match.id).sort(), ['PYSEC-2023-221', 'PYSEC-2023-62']);
  // The same statements about another image suppress nothing.
  writeFileSync(vex, readFileSync(vex, 'utf8').replaceAll(digest.slice(7, 15), '00000000'));
  assert.deepEqual(scanJson([`oci-dir:${layout}`, '--vex', vex]).suppressed, []);
});

test('the built CLI (dist/): gate exit codes 0 and 1', { skip: existsSync(join(dirname(BIN_DIST), 'commands', 'scan.js')) ? false : 'dist/ not built with the scan command (npm run build)' }, () => {
  const lock = `file:${join(LOCK, 'npm/syft/pkg-lock/package-lock.json')}`;
  const fail = vouch(['scan', lock, '--db', DB, '--fail-on', 'high', '-q'], {}, BIN_DIST);
  assert.equal(fail.code, 1, fail.stderr);
  assert.match(fail.stderr, /\[VULNERABILITIES_FOUND\]/);
  // The only critical finding (GHSA-xvch-5gv4-984h, CVSS 9.8) ignored: nothing at or above critical remains.
  writeFileSync(join(work, 'dist-ignore.yaml'), '- id: CVE-2021-44906\n  reason: test\n');
  const pass = vouch(['scan', lock, '--db', DB, '--fail-on', 'critical', '--ignore-file', join(work, 'dist-ignore.yaml'), '-q'], {}, BIN_DIST);
  assert.equal(pass.code, 0, pass.stderr);
});
