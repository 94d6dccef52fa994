/**
 * `vouch sbom` the way a user runs it: the CLI spawned as a process (from source on Node 24,
 * and the built dist/ once), real lockfiles from ../shared/data, outputs to stdout and files.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LOCKFILES } from '../helpers/catalog.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN_SRC = join(ROOT, 'src/cli/bin.ts');
const BIN_DIST = join(ROOT, 'dist/cli/bin.js');

function vouch(args: string[], opts: { env?: NodeJS.ProcessEnv; bin?: string } = {}) {
  const r = spawnSync(process.execPath, [opts.bin ?? BIN_SRC, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH: '', ...opts.env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work: string;
let project: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'vouch-cli-'));
  project = join(work, 'project');
  mkdirSync(join(project, 'sub'), { recursive: true });
  copyFileSync(join(LOCKFILES, 'npm/trivy/npm/package-lock_v3.json'), join(project, 'package-lock.json'));
  copyFileSync(join(LOCKFILES, 'rust/syft/Cargo.lock'), join(project, 'sub/Cargo.lock'));
  // A truncated lockfile: a warning naming it, and the scan goes on.
  mkdirSync(join(project, 'broken'));
  writeFileSync(join(project, 'broken/package-lock.json'), '{"lockfileVersion": 3, "packages": {');
  // A symlink leading out of the target is not followed.
  writeFileSync(join(work, 'outside-Cargo.lock'), readFileSync(join(LOCKFILES, 'rust/syft/Cargo.lock')));
  mkdirSync(join(project, 'linked'));
  symlinkSync(join(work, 'outside-Cargo.lock'), join(project, 'linked/Cargo.lock'));
});

after(() => rmSync(work, { recursive: true, force: true }));

test('help lists the command with examples; no arguments is a usage error', () => {
  const top = vouch(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /sbom\s+Generate an SBOM/);
  const help = vouch(['sbom', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:/);
  assert.match(help.stdout, /cyclonedx-json/);
  assert.equal(vouch([]).code, 2);
});

test('usage errors exit 2 with one line and a code', () => {
  const noTarget = vouch(['sbom']);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /^error: missing <target> \[USAGE\]$/m);
  const badFlag = vouch(['sbom', '--frobnicate', '.']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /\[USAGE\]/);
  const badFormat = vouch(['sbom', project, '-o', 'cyclonedx-yaml']);
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr, /unknown output format "cyclonedx-yaml" \[UNKNOWN_FORMAT\]/);
  const twoStdout = vouch(['sbom', project, '-o', 'json', '-o', 'spdx-json']);
  assert.equal(twoStdout.code, 2);
  const badCmd = vouch(['sbomb']);
  assert.equal(badCmd.code, 2);
  assert.match(badCmd.stderr, /\[UNKNOWN_COMMAND\]/);
  const badScheme = vouch(['sbom', 'ftp:some/where']);
  assert.equal(badScheme.code, 2);
  assert.match(badScheme.stderr, /\[BAD_TARGET\]/);
});

test('a missing target exits 3 and names it', () => {
  const r = vouch(['sbom', join(work, 'nope')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /nope: no such file or directory \[TARGET_NOT_FOUND\]/);
  assert.equal(r.stdout, '');
});

test('several outputs in one run; warnings on stderr; links out of the root are not followed', () => {
  const cdx = join(work, 'out.cdx.json');
  const spdx = join(work, 'out.spdx.json');
  const r = vouch(['sbom', `dir:${project}`, '-o', `cyclonedx-json=${cdx}`, '-o', `spdx-json=${spdx}`, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const native = JSON.parse(r.stdout) as { packages: { purl: string; locations: { path: string }[] }[] };
  const bom = JSON.parse(readFileSync(cdx, 'utf8')) as { bomFormat: string; specVersion: string; components: { purl?: string }[] };
  const doc = JSON.parse(readFileSync(spdx, 'utf8')) as { spdxVersion: string; packages: unknown[] };
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.specVersion, '1.6');
  assert.equal(doc.spdxVersion, 'SPDX-2.3');
  const purls = native.packages.map((p) => p.purl);
  assert.ok(purls.some((p) => p.startsWith('pkg:npm/')), 'npm packages found');
  assert.ok(purls.some((p) => p.startsWith('pkg:cargo/')), 'cargo packages found');
  // Every package of the native output is a CycloneDX component (the scanned root may be metadata.component).
  const cdxPurls = new Set(bom.components.map((c) => c.purl));
  for (const p of purls) assert.ok(cdxPurls.has(p) || p === undefined, `${p} in CycloneDX`);
  assert.match(r.stderr, /warning: broken\/package-lock\.json/);
  assert.match(r.stderr, /warning: linked\/Cargo\.lock: symlink leads outside the target/);
  for (const p of native.packages) for (const l of p.locations) assert.ok(!l.path.startsWith('linked/'), `no package from ${l.path}`);
});

test('deterministic output is byte-identical across runs; otherwise serial numbers differ', () => {
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  for (const format of ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json', 'json']) {
    const a = vouch(['sbom', project, '-q', '-o', format], { env });
    const b = vouch(['sbom', project, '-q', '-o', format], { env });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout, `${format} identical`);
    assert.ok(a.stdout.length > 100);
  }
  const c = vouch(['sbom', project, '-q', '-o', 'cyclonedx-json']);
  const d = vouch(['sbom', project, '-q', '-o', 'cyclonedx-json']);
  const serial = (s: string) => (JSON.parse(s) as { serialNumber: string }).serialNumber;
  assert.notEqual(serial(c.stdout), serial(d.stdout));
});

test('--quiet silences warnings; --no-dev drops dev-only packages', () => {
  const quiet = vouch(['sbom', project, '-q', '-o', 'json']);
  assert.equal(quiet.stderr, '');
  type Native = { packages: { scope: string }[] };
  const all = JSON.parse(quiet.stdout) as Native;
  const noDev = JSON.parse(vouch(['sbom', project, '-q', '--no-dev', '-o', 'json']).stdout) as Native;
  const devCount = all.packages.filter((p) => p.scope === 'dev').length;
  assert.ok(devCount > 0, 'the fixture has dev packages');
  assert.equal(noDev.packages.length, all.packages.length - devCount);
});

test('file: target reads that one file', () => {
  const r = vouch(['sbom', `file:${join(project, 'sub/Cargo.lock')}`, '-q', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const inv = JSON.parse(r.stdout) as { packages: { purl: string }[] };
  assert.ok(inv.packages.length > 0);
  assert.ok(inv.packages.every((p) => p.purl.startsWith('pkg:cargo/')));
});

test('a reader that stops early (| head) is not an error', async () => {
  // ~1,000 packages: far more output than a pipe buffers, so writes go on after the reader left.
  const big = `file:${join(LOCKFILES, 'npm/cdxgen/package-lock-v2-workspace/package-lock.json')}`;
  const child = spawn(process.execPath, [BIN_SRC, 'sbom', big, '-q', '-o', 'cyclonedx-json'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
});

test('the built CLI (dist/) runs too', { skip: existsSync(BIN_DIST) ? false : 'dist/ not built (npm run build)' }, () => {
  const r = vouch(['sbom', project, '-q'], { bin: BIN_DIST });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^NAME\s+VERSION\s+TYPE/);
});
