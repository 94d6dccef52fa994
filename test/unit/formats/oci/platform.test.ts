import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isVouchError } from '../../../../src/core/index.ts';
import {
  compatiblePlatforms,
  defaultPlatform,
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parseImageIndex,
  parseJsonDocument,
  parsePlatform,
  platformRank,
  selectImageManifest,
  type Descriptor,
  type ImageIndex,
} from '../../../../src/formats/oci/index.ts';

const DOCKER = resolve(import.meta.dirname, '../../../../../shared/data/oci/docker-v2-schema2');
const D = (c: string): string => `sha256:${c.repeat(64)}`;

test('parsePlatform and normalisation follow containerd', () => {
  const cases: [string, string][] = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/arm64/v8.2', 'linux/arm64/v8.2'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['Linux/AMD64', 'linux/amd64'],
    ['macos/arm64', 'darwin/arm64'],
    ['linux/ppc64le', 'linux/ppc64le'],
    ['arm64', 'linux/arm64'],
    ['s390x', 'linux/s390x'],
  ];
  for (const [spec, want] of cases) assert.equal(formatPlatform(parsePlatform(spec)), want, spec);
  assert.equal(parsePlatform('windows').os, 'windows');
  assert.equal(parsePlatform('windows').architecture, hostPlatform().architecture);
  for (const bad of ['', 'linux/amd64/v3/x', 'linux//amd64', 'linux/am d64', 'plan10', '../x']) {
    assert.throws(() => parsePlatform(bad), (e) => isVouchError(e) && e.code === 'USAGE' && e.hint !== undefined, bad);
  }
});

test('host and default platforms use GOOS/GOARCH names; default OS is linux', () => {
  const host = hostPlatform();
  const goArch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', loong64: 'loong64' };
  if (goArch[process.arch] !== undefined) assert.equal(host.architecture, goArch[process.arch]);
  assert.equal(host.os, process.platform === 'win32' ? 'windows' : process.platform);
  assert.deepEqual(defaultPlatform(), { ...host, os: 'linux' });
});

test('compatiblePlatforms is containerd platformVector', () => {
  const v = (s: string): string[] => compatiblePlatforms(parsePlatform(s)).map(formatPlatform);
  assert.deepEqual(v('linux/amd64'), ['linux/amd64', 'linux/386']);
  assert.deepEqual(v('linux/amd64/v3'), ['linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386']);
  assert.deepEqual(v('linux/arm64'), ['linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']);
  assert.deepEqual(v('linux/arm64/v8.2'), ['linux/arm64/v8.2', 'linux/arm64/v8.1', 'linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']);
  assert.deepEqual(v('linux/arm64/v9.1'), [
    'linux/arm64/v9.1', 'linux/arm64/v9', 'linux/arm64/v8.6', 'linux/arm64/v8.5', 'linux/arm64/v8.4', 'linux/arm64/v8.3',
    'linux/arm64/v8.2', 'linux/arm64/v8.1', 'linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5',
  ]);
  assert.deepEqual(v('linux/arm/v7'), ['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']);
  assert.deepEqual(v('linux/ppc64le'), ['linux/ppc64le']);
  assert.equal(platformRank(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' }), 0);
  assert.equal(platformRank(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'aarch64' }), 0);
  assert.equal(platformRank(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm' }), -1, 'arm (= v7) does not run on v6');
  assert.deepEqual(normalizePlatform({ os: 'linux', architecture: 'arm64', variant: 'V8' }), { os: 'linux', architecture: 'arm64' });
});

function index(manifests: Partial<Descriptor>[]): ImageIndex {
  return parseImageIndex({
    schemaVersion: 2,
    manifests: manifests.map((m) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 10, ...m })),
  });
}
const noLoad = (): Promise<ImageIndex> => Promise.reject(new Error('no nested index expected'));

test('selectImageManifest picks by platform from a Docker manifest list, containerd-ranked', async () => {
  const list = parseImageIndex(parseJsonDocument(readFileSync(join(DOCKER, 'manifest-list-1.json')), 'list'));
  const pick = async (p: string): Promise<string> =>
    (await selectImageManifest(list, { platform: parsePlatform(p), loadIndex: noLoad, what: 'docker:1.12' })).descriptor.digest;
  assert.equal(await pick('linux/amd64'), 'sha256:ae1b0e06e8ade3a11267564a26e750585ba2259c0ecab59ab165ad1af41d1bdd');
  assert.equal(await pick('linux/ppc64le'), 'sha256:7820f9a86d4ad15a2c4f0c0e5479298df2aa7c2f6871288e2ef8546f3e7b6783');
  assert.equal(await pick('linux/arm/v7'), 'sha256:07ebe243465ef4a667b78154ae6c3ea46fdb1582936aac3ac899ea311a701b40');
  // arm64 was not built then: containerd falls back to arm/v7 (an arm64 machine runs 32-bit arm).
  const entries = list.manifests.map((m) => formatPlatform(normalizePlatform(m.platform!)));
  if (!entries.includes('linux/arm64')) assert.equal(await pick('linux/arm64'), await pick('linux/arm/v7'));
  await assert.rejects(
    selectImageManifest(list, { platform: parsePlatform('windows/amd64'), loadIndex: noLoad, what: 'docker:1.12' }),
    (e) => isVouchError(e) && e.code === 'IMAGE_NOT_FOUND' && /no image for platform windows\/amd64 in docker:1\.12; available: linux\/ppc64le, linux\/amd64, linux\/s390x, linux\/arm\/v7/.test(e.message),
  );
});

test('selectImageManifest: nested indexes, dedup by digest, ref names, skipped artifacts', async () => {
  const nested = index([
    { digest: D('1'), platform: { os: 'linux', architecture: 'amd64' } },
    { digest: D('2'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { digest: D('3'), platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
  ]);
  const top = parseImageIndex({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: D('9'), size: 5, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
  });
  const loaded: string[] = [];
  const loadIndex = (d: Descriptor): Promise<ImageIndex> => {
    loaded.push(d.digest);
    return Promise.resolve(nested);
  };
  const arm = await selectImageManifest(top, { platform: parsePlatform('linux/arm64'), loadIndex, mode: 'collection' });
  assert.equal(arm.descriptor.digest, D('2'));
  assert.deepEqual(arm.refNames, ['v1']);
  assert.deepEqual(arm.indexes.map((d) => d.digest), [D('9')]);
  assert.equal(arm.candidates, 2, 'the attestation manifest is no candidate');
  assert.deepEqual(loaded, [D('9')]);

  // Two entries naming one manifest are one image; its tags are both ref names; platform is ignored.
  const same = index([
    { digest: D('a'), annotations: { 'org.opencontainers.image.ref.name': 'latest' } },
    { digest: D('a'), annotations: { 'org.opencontainers.image.ref.name': '1.0' }, platform: { os: 'linux', architecture: 'amd64' } },
    { digest: D('b'), artifactType: 'application/vnd.example.sbom' },
    { digest: D('c'), mediaType: 'application/vnd.example.thing+json' },
  ]);
  const one = await selectImageManifest(same, { platform: parsePlatform('linux/s390x'), loadIndex: noLoad });
  assert.equal(one.descriptor.digest, D('a'));
  assert.deepEqual(one.refNames, ['latest', '1.0']);
  assert.deepEqual(one.platform, { os: 'linux', architecture: 'amd64' });

  await assert.rejects(selectImageManifest(index([]), { loadIndex: noLoad, what: 'OCI layout /x' }), (e) => isVouchError(e) && e.code === 'IMAGE_NOT_FOUND' && /no images found in OCI layout \/x/.test(e.message));
});

test('selectImageManifest: platforms learned from configs, ambiguity in a layout collection', async () => {
  const two = index([
    { digest: D('a'), annotations: { 'org.opencontainers.image.ref.name': 'x' } },
    { digest: D('b'), annotations: { 'org.opencontainers.image.ref.name': 'y' } },
  ]);
  const platforms: Record<string, string> = { [D('a')]: 'linux/amd64', [D('b')]: 'linux/arm64' };
  const loadPlatform = (d: Descriptor): Promise<ReturnType<typeof parsePlatform>> => Promise.resolve(parsePlatform(platforms[d.digest]!));
  const got = await selectImageManifest(two, { platform: parsePlatform('linux/arm64'), loadIndex: noLoad, loadPlatform, mode: 'collection' });
  assert.equal(got.descriptor.digest, D('b'));
  platforms[D('b')] = 'linux/amd64';
  await assert.rejects(
    selectImageManifest(two, { platform: parsePlatform('linux/amd64'), loadIndex: noLoad, loadPlatform, mode: 'collection', what: 'L' }),
    (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && /L holds 2 different images for platform linux\/amd64 \(x, y\)/.test(e.message),
  );
  // In an image's own index the first best entry wins, as containerd picks.
  const first = await selectImageManifest(two, { platform: parsePlatform('linux/amd64'), loadIndex: noLoad, loadPlatform });
  assert.equal(first.descriptor.digest, D('a'));
});

test('selectImageManifest bounds nesting', async () => {
  let n = 0;
  const loop = (): Promise<ImageIndex> =>
    Promise.resolve(parseImageIndex({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', size: 1, digest: `sha256:${(++n).toString(16).padStart(64, '0')}` }] }));
  await assert.rejects(selectImageManifest(await loop(), { loadIndex: loop }), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && /nested deeper than 4/.test(e.message));
});
