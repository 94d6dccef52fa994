/**
 * `vouch sbom` of real images, the way a user runs it:
 * - a Debian bookworm minbase image built by debootstrap and packed by umoci (the package list
 *   must equal `dpkg-query -W` run against the same root filesystem: nothing missing or extra);
 * - the same image as oci-archive and docker-archive (converted by skopeo) and pulled from a
 *   real registry (Debian's docker-registry on 127.0.0.1), with and without Basic auth;
 * - an application image built with umoci from fixture trees: node_modules, Python
 *   site-packages, a Go binary and a JAR, in two layers, the second deleting a file of the first.
 * Each part skips, saying why, when a tool it needs is missing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DockerRegistry, startDockerRegistry } from '../helpers/docker-registry.ts';
import { makeZip } from '../helpers/zip.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'src/cli/bin.ts');
const IMAGES = process.env.VOUCH_TEST_IMAGES ?? join(ROOT, '.cache/test-images');
const DEBIAN = join(IMAGES, 'debian-bookworm');

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const isRoot = process.getuid?.() === 0;

interface NativeDoc {
  source: { kind: string; image?: { manifestDigest: string; configDigest: string; layers: { digest: string }[]; platform: { os: string } }; distro?: { id: string; versionId?: string } };
  packages: { name: string; version: string; type: string; purl: string; locations: { path: string; layer?: string }[]; metadata?: Record<string, string> }[];
}

function vouch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 300_000, maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sbomJson(target: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): NativeDoc {
  const r = vouch(['sbom', target, '-q', '-o', 'json', ...extra], env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as NativeDoc;
}

/** `name\tversion\tarch` lines of the dpkg packages in an SBOM, sorted. */
function dpkgLines(doc: NativeDoc): string[] {
  return doc.packages
    .filter((p) => p.type === 'deb')
    .map((p) => `${p.name}\t${p.version}\t${new URLSearchParams(p.purl.split('?')[1] ?? '').get('arch') ?? ''}`)
    .sort();
}

/** Build the Debian image if it is not cached and this machine can (root, debootstrap, umoci). */
function ensureDebian(): string | undefined {
  if (existsSync(join(DEBIAN, '.stamp'))) return undefined;
  if (!isRoot || !has('debootstrap') || !has('umoci')) return 'needs root, debootstrap and umoci (or run scripts/build-test-images.sh)';
  const r = spawnSync('bash', [join(ROOT, 'scripts/build-test-images.sh')], { encoding: 'utf8', env: { ...process.env, VOUCH_TEST_IMAGES: IMAGES }, timeout: 600_000 });
  return existsSync(join(DEBIAN, '.stamp')) ? undefined : `building the Debian image failed: ${(r.stdout + r.stderr).slice(-500)}`;
}

const debianSkip = ensureDebian();
const work = mkdtempSync(join(tmpdir(), 'vouch-image-e2e-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('Debian bookworm minbase (debootstrap + umoci)', { skip: debianSkip ?? false }, () => {
  const layout = join(DEBIAN, 'layout');
  let fromLayout: NativeDoc;

  before(() => {
    fromLayout = sbomJson(`oci-dir:${layout}`);
  });

  test('the dpkg packages equal `dpkg-query -W` on the same root filesystem', () => {
    const oracle = readFileSync(join(DEBIAN, 'dpkg-query.txt'), 'utf8').trim().split('\n').sort();
    assert.ok(oracle.length > 50, `${oracle.length} packages in the oracle`);
    assert.deepEqual(dpkgLines(fromLayout), oracle);
  });

  test('distro, image digests, platform and per-package layers are recorded', () => {
    assert.equal(fromLayout.source.kind, 'image');
    assert.deepEqual([fromLayout.source.distro?.id, fromLayout.source.distro?.versionId], ['debian', '12']);
    const img = fromLayout.source.image!;
    assert.match(img.configDigest, /^sha256:[0-9a-f]{64}$/);
    assert.match(img.manifestDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(img.platform.os, 'linux');
    const layers = new Set(img.layers.map((l) => l.digest));
    const deb = fromLayout.packages.filter((p) => p.type === 'deb');
    assert.ok(deb.every((p) => p.locations.every((l) => l.layer !== undefined && layers.has(l.layer))), 'every dpkg package names a layer of the image');
    assert.ok(deb.every((p) => p.purl.includes('distro=debian-12')), 'distro-qualified purls');
  });

  test('oci-archive and docker-archive made by skopeo give the same packages', { skip: has('skopeo') ? false : 'skopeo not installed' }, () => {
    const ociArchive = join(work, 'debian-oci.tar');
    const dockerArchive = join(work, 'debian-docker.tar');
    execFileSync('skopeo', ['copy', '--quiet', `oci:${layout}:minbase`, `oci-archive:${ociArchive}:minbase`]);
    execFileSync('skopeo', ['copy', '--quiet', `oci:${layout}:minbase`, `docker-archive:${dockerArchive}:debian:minbase`]);
    const expected = dpkgLines(fromLayout);
    assert.deepEqual(dpkgLines(sbomJson(`oci-archive:${ociArchive}`)), expected);
    const docker = sbomJson(`docker-archive:${dockerArchive}`);
    assert.deepEqual(dpkgLines(docker), expected);
    assert.equal(docker.source.image?.configDigest, fromLayout.source.image?.configDigest, 'same config: same image');
  });

  describe('pulled from a real registry (docker-registry on 127.0.0.1)', { skip: has('docker-registry') && has('skopeo') ? false : 'needs docker-registry and skopeo' }, () => {
    let registry: DockerRegistry | undefined;
    let authRegistry: DockerRegistry | undefined;
    let port = 0;
    let authPort = 0;

    before(async () => {
      registry = await startDockerRegistry();
      port = Number(registry!.host.split(':')[1]);
      execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:minbase`, `docker://127.0.0.1:${port}/library/debian:minbase`]);
      if (has('htpasswd')) {
        const htpasswd = execFileSync('htpasswd', ['-Bbn', 'alice', 's3cret-pass'], { encoding: 'utf8' });
        writeFileSync(join(work, 'htpasswd'), htpasswd);
        authRegistry = await startDockerRegistry({ auth: `auth:\n  htpasswd:\n    realm: test\n    path: ${join(work, 'htpasswd')}` });
        authPort = Number(authRegistry!.host.split(':')[1]);
        execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret-pass', `oci:${layout}:minbase`, `docker://127.0.0.1:${authPort}/team/debian:minbase`]);
      }
    });

    after(async () => {
      await Promise.all([registry?.stop(), authRegistry?.stop()]);
    });

    test('registry: gives the same packages, and the manifest digest the registry serves', () => {
      const doc = sbomJson(`registry:127.0.0.1:${port}/library/debian:minbase`);
      assert.deepEqual(dpkgLines(doc), dpkgLines(fromLayout));
      assert.equal(doc.source.image?.configDigest, fromLayout.source.image?.configDigest);
      const inspect = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://127.0.0.1:${port}/library/debian:minbase`], { encoding: 'utf8' })) as { Digest: string };
      assert.equal(doc.source.image?.manifestDigest, inspect.Digest);
    });

    test('with Basic auth: refused without credentials, served with --creds and with a Docker config file', { skip: has('htpasswd') ? false : 'htpasswd not installed' }, () => {
      const ref = `registry:127.0.0.1:${authPort}/team/debian:minbase`;
      const denied = vouch(['sbom', ref, '-q', '-o', 'json'], { HOME: join(work, 'empty-home'), REGISTRY_AUTH_FILE: '' });
      assert.equal(denied.code, 3);
      assert.match(denied.stderr, /\[REGISTRY_AUTH\]/);
      assert.doesNotMatch(denied.stderr, /s3cret/);
      assert.deepEqual(dpkgLines(sbomJson(ref, ['--creds', 'alice:s3cret-pass'])), dpkgLines(fromLayout));
      const authFile = join(work, 'auth.json');
      writeFileSync(authFile, JSON.stringify({ auths: { [`127.0.0.1:${authPort}`]: { auth: Buffer.from('alice:s3cret-pass').toString('base64') } } }));
      assert.deepEqual(dpkgLines(sbomJson(ref, [], { REGISTRY_AUTH_FILE: authFile })), dpkgLines(fromLayout));
    });
  });
});

describe('an application image built with umoci from fixture trees', { skip: has('umoci') ? false : 'umoci not installed' }, () => {
  let doc: NativeDoc;
  let layers: string[];
  const goBinary = ['/usr/bin/umoci', '/usr/bin/skopeo'].find((p) => existsSync(p))!;

  before(() => {
    const layout = join(work, 'app-layout');
    const bundle = join(work, 'app-bundle');
    execFileSync('umoci', ['init', '--layout', layout]);
    execFileSync('umoci', ['new', '--image', `${layout}:app`]);
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${layout}:app`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    // Layer 1: node_modules (two real packages from this repository's own install), a Python
    // dist-info, a Go binary, a JAR, and a file the next layer deletes.
    for (const pkg of ['yaml', 'picomatch']) {
      mkdirSync(join(rootfs, 'app/node_modules', pkg), { recursive: true });
      copyFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), join(rootfs, 'app/node_modules', pkg, 'package.json'));
    }
    mkdirSync(join(rootfs, 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info'), { recursive: true });
    writeFileSync(
      join(rootfs, 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA'),
      'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n\nBody\n',
    );
    mkdirSync(join(rootfs, 'usr/local/bin'), { recursive: true });
    copyFileSync(goBinary, join(rootfs, 'usr/local/bin/tool'));
    mkdirSync(join(rootfs, 'opt/app'), { recursive: true });
    writeFileSync(
      join(rootfs, 'opt/app/lib.jar'),
      makeZip([
        { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\r\n' },
        { name: 'META-INF/maven/org.example/lib/pom.properties', data: 'groupId=org.example\nartifactId=lib\nversion=1.2.3\n' },
      ]),
    );
    mkdirSync(join(rootfs, 'old/node_modules/left-pad'), { recursive: true });
    writeFileSync(join(rootfs, 'old/node_modules/left-pad/package.json'), JSON.stringify({ name: 'left-pad', version: '1.3.0' }));
    execFileSync('umoci', ['repack', '--image', `${layout}:app`, bundle]);
    // Layer 2 (umoci diffs against the bundle's unpack, so unpack again): delete old/ (a
    // whiteout) and add one more package.
    const bundle2 = join(work, 'app-bundle-2');
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${layout}:app`, bundle2]);
    const rootfs2 = join(bundle2, 'rootfs');
    rmSync(join(rootfs2, 'old'), { recursive: true });
    mkdirSync(join(rootfs2, 'app/node_modules/ms'), { recursive: true });
    writeFileSync(join(rootfs2, 'app/node_modules/ms/package.json'), JSON.stringify({ name: 'ms', version: '2.1.3', license: 'MIT' }));
    execFileSync('umoci', ['repack', '--image', `${layout}:app`, bundle2]);
    doc = sbomJson(`oci-dir:${layout}`);
    layers = doc.source.image!.layers.map((l) => l.digest);
  });

  const find = (purlPrefix: string) => doc.packages.find((p) => p.purl.startsWith(purlPrefix));

  test('language packages, the Go binary and the JAR are found', () => {
    assert.ok(find('pkg:npm/yaml@'), 'npm yaml');
    assert.ok(find('pkg:npm/picomatch@'), 'npm picomatch');
    assert.equal(find('pkg:pypi/requests@')?.version, '2.31.0');
    assert.equal(find('pkg:maven/org.example/lib@')?.version, '1.2.3');
    assert.ok(find('pkg:golang/stdlib@'), 'Go toolchain of the binary');
    assert.ok(doc.packages.some((p) => p.type === 'golang' && p.locations.some((l) => l.path === 'usr/local/bin/tool')), 'Go modules of the binary');
  });

  test('each package names the layer that introduced it; deleted files are gone in the squashed view', () => {
    assert.equal(layers.length >= 2, true);
    const top = layers[layers.length - 1];
    const lower = layers[layers.length - 2];
    assert.equal(find('pkg:npm/ms@')?.locations[0]?.layer, top);
    assert.equal(find('pkg:pypi/requests@')?.locations[0]?.layer, lower);
    assert.equal(find('pkg:npm/left-pad@'), undefined, 'whited-out in the upper layer');
  });

  test('--scope all-layers still sees what an upper layer deleted', () => {
    const all = sbomJson(`oci-dir:${join(work, 'app-layout')}`, ['--scope', 'all-layers']);
    assert.ok(all.packages.some((p) => p.purl.startsWith('pkg:npm/left-pad@1.3.0')));
  });
});

