import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { computeDigest, isVouchError } from '../../../../../src/core/index.ts';
import { DOCKER_CONFIG, parseDockerSaveManifest, parseImageConfig, parseJsonDocument } from '../../../../../src/formats/oci/index.ts';
import { openDockerArchive } from '../../../../../src/sbom/source/image/docker-archive.ts';
import {
  LAYOUTS,
  STEREOSCOPE,
  buildImage,
  captureLogger,
  hasSkopeo,
  json,
  layoutEntries,
  manifestDescriptor,
  ociIndex,
  openOptions,
  readLayer,
  SKIP_NO_SKOPEO,
  skopeo,
  tarOf,
  type BuiltImage,
  type TarEntrySpec,
} from '../../../formats/oci/image-fixtures.ts';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vouch-docker-archive-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function file(bytes: Buffer): string {
  const path = join(tmp, `d${n++}.tar`);
  writeFileSync(path, bytes);
  return path;
}

interface StereoscopeExpected {
  files: Record<string, { expectedValid?: boolean; expectedConfig?: string }[]>;
}

test('stereoscope docker save manifests: valid and invalid as expected.json says', () => {
  const expected = JSON.parse(readFileSync(join(STEREOSCOPE, 'expected.json'), 'utf8')) as StereoscopeExpected;
  let checked = 0;
  for (const [name, [exp]] of Object.entries(expected.files)) {
    if (!name.startsWith('docker-archive-manifest/') || exp?.expectedValid === undefined) continue;
    const parse = (): ReturnType<typeof parseDockerSaveManifest> => parseDockerSaveManifest(parseJsonDocument(readFileSync(join(STEREOSCOPE, name)), name));
    if (exp.expectedValid) {
      const entries = parse();
      if (exp.expectedConfig !== undefined) assert.equal(entries[0]!.config, exp.expectedConfig);
    } else {
      assert.throws(parse, (e) => isVouchError(e) && e.code === 'IMAGE_INVALID', name);
    }
    checked++;
  }
  assert.equal(checked, 4);
  const multi = parseDockerSaveManifest(JSON.parse(readFileSync(join(STEREOSCOPE, 'docker-archive-manifest/valid-multi-manifest-with-tags.json'), 'utf8')));
  assert.deepEqual(multi.map((e) => e.repoTags), [['anchore/anchore-engine:latest'], ['anchore/anchore-engine:v0.8.2']]);
  assert.equal(multi[1]!.layers.length, 7);
  // The engine config beside them: a real Docker config with Docker-only fields kept.
  const config = parseImageConfig(JSON.parse(readFileSync(join(STEREOSCOPE, 'docker-archive-manifest/engine-config.json'), 'utf8')), { mediaType: DOCKER_CONFIG });
  assert.equal(config.rootfs.diffIds.length, 7);
  assert.ok(config.unknownFields !== undefined && 'container_config' in config.unknownFields);
  for (const bad of [{}, [{ Config: 1, Layers: [] }], [{ Config: 'c.json' }], [{ Config: 'c.json', Layers: [1] }], [{ Config: 'c.json', Layers: [], RepoTags: 'x' }]]) {
    assert.throws(() => parseDockerSaveManifest(bad), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID', JSON.stringify(bad));
  }
});

test('archives made by skopeo copy oci:DIR docker-archive:FILE:name:tag', { skip: !hasSkopeo() && SKIP_NO_SKOPEO }, async () => {
  const path = join(tmp, 'skopeo-docker.tar');
  skopeo('copy', `oci:${join(LAYOUTS, 'valid_oci_dir')}:latest`, `docker-archive:${path}:example/app:1`);
  const s = await openDockerArchive(path, openOptions());
  const d = s.description;
  // No manifest in a legacy docker save archive: the config digest (the image id) names the image.
  assert.equal(d.manifestDigest, '');
  assert.equal(d.manifestMediaType, '');
  assert.equal(d.configDigest, 'sha256:61ee19e869a529075634f762c1eb191962777e0803598758cbf076edfadfb046');
  assert.deepEqual(d.tags, ['docker.io/example/app:1']);
  assert.deepEqual(d.platform, { os: 'linux', architecture: 'amd64' });
  // skopeo stores the layer uncompressed: its digest as stored is its diff id.
  const diffId = 'sha256:7cec5b0994b7ef959705617ab9c8bbd495446c4a80afa28aba0490f16772c9b3';
  assert.deepEqual(d.layers, [{ digest: diffId, mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: 2048, diffId }]);
  assert.equal(computeDigest(await readLayer(s, 0)), diffId);
  await s.close();

  const arm = join(tmp, 'skopeo-docker-arm.tar');
  skopeo('copy', '--override-arch', 'arm64', `oci:${join(LAYOUTS, 'multiplatform_oci_dir')}:latest`, `docker-archive:${arm}:multi:arm`);
  const logger = captureLogger();
  const a = await openDockerArchive(arm, openOptions('linux/amd64', logger));
  assert.equal(a.description.configDigest, 'sha256:3cd6022503cef24ee80dc156bf171c8d1d588c2ea1904bcd8ef2728c36341594');
  assert.deepEqual(a.description.platform, { os: 'linux', architecture: 'arm64' });
  assert.match(logger.warnings.join('\n'), /asked for linux\/amd64, but its only image is linux\/arm64/);
  await readLayer(a, 0);
  await a.close();
});

/** An old `docker save` archive: `<id>/layer.tar`, `<config hex>.json`, manifest.json, symlinks for shared layers. */
async function legacy(
  images: { image: BuiltImage; tags: string[]; compressed?: boolean; layerPaths?: string[] }[],
  tweak: (entries: TarEntrySpec[], manifest: Record<string, unknown>[]) => void = () => {},
): Promise<string> {
  const entries: TarEntrySpec[] = [];
  const manifest: Record<string, unknown>[] = [];
  const written = new Map<string, string>();
  for (const { image, tags, compressed, layerPaths } of images) {
    const config = `${image.configDigest.slice(7)}.json`;
    entries.push({ name: config, data: image.config });
    const layers = image.layers.map((l, i) => {
      const path = layerPaths?.[i] ?? `${l.diffId.slice(7, 23)}${compressed ? 'z' : ''}/layer.tar`;
      const data = compressed ? l.blob : l.tar;
      const first = written.get(computeDigest(data));
      if (first !== undefined && first !== path) entries.push({ name: path, type: 'symlink', linkname: `../${first}` });
      else if (first === undefined) entries.push({ name: path, data });
      written.set(computeDigest(data), path);
      return path;
    });
    manifest.push({ Config: config, RepoTags: tags, Layers: layers });
  }
  tweak(entries, manifest);
  return file(await tarOf([...entries, { name: 'manifest.json', data: json(manifest) }]));
}

test('legacy docker save: layer.tar folders, shared layers as symlinks, several images by platform', async () => {
  const amd = await buildImage({ files: ['a', 'b'] });
  const arm = await buildImage({ files: ['a', 'c'], platform: { os: 'linux', architecture: 'arm64' } });
  const path = await legacy([{ image: amd, tags: ['app:amd'] }, { image: arm, tags: ['app:arm', 'app:latest'] }]);
  const s = await openDockerArchive(path, openOptions('linux/arm64'));
  assert.equal(s.description.configDigest, arm.configDigest);
  assert.deepEqual(s.description.tags, ['app:arm', 'app:latest']);
  assert.deepEqual(s.description.layers.map((l) => l.digest), arm.layers.map((l) => l.diffId));
  // Layer 0 is shared with the amd64 image: stored once, reached through a symlink.
  assert.deepEqual(await readLayer(s, 0), arm.layers[0]!.tar);
  assert.deepEqual(await readLayer(s, 1), arm.layers[1]!.tar);
  await s.close();
  const other = await openDockerArchive(path, openOptions('linux/amd64'));
  assert.equal(other.description.configDigest, amd.configDigest);
  await other.close();
  await assert.rejects(openDockerArchive(path, openOptions('linux/s390x')), (e) => isVouchError(e) && e.code === 'IMAGE_NOT_FOUND' && /available: linux\/amd64, linux\/arm64/.test(e.message));
  const twoAmd = await legacy([{ image: amd, tags: ['one'] }, { image: await buildImage({ files: ['z'] }), tags: ['two'] }]);
  await assert.rejects(openDockerArchive(twoAmd, openOptions('linux/amd64')), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && /holds 2 different images for platform linux\/amd64 \(one, two\)/.test(e.message));
});

test('legacy docker save with compressed layers: digest of the file as stored, verified when streamed', async () => {
  const image = await buildImage({ files: ['a'] });
  const path = await legacy([{ image, tags: [], compressed: true }]);
  const s = await openDockerArchive(path, openOptions());
  assert.deepEqual(s.description.layers, [{ digest: image.layers[0]!.digest, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: image.layers[0]!.blob.length, diffId: image.layers[0]!.diffId }]);
  assert.equal(s.description.tags, undefined);
  assert.deepEqual(await readLayer(s, 0), image.layers[0]!.blob);
  await s.close();
  // Named blobs/sha256/<hex>: the name is the expected digest, not recomputed.
  const named = await legacy([{ image, tags: [], compressed: true, layerPaths: [`blobs/sha256/${image.layers[0]!.digest.slice(7)}`] }]);
  const t = await openDockerArchive(named, openOptions());
  assert.equal(t.description.layers[0]!.digest, image.layers[0]!.digest);
  await t.close();
});

test('bad docker save archives: each refused with a clear code and message', async () => {
  const image = await buildImage({ files: ['a', 'b'] });
  const cases: [string, Promise<string>, string, RegExp][] = [
    ['layer count differs from diff_ids', legacy([{ image, tags: [] }], (_e, m) => void (m[0]!['Layers'] as string[]).pop()), 'IMAGE_INVALID', /lists 1 layers but the config 2 diff_ids/],
    ['config missing', legacy([{ image, tags: [] }], (e) => void e.splice(0, 1)), 'IMAGE_NOT_FOUND', /config .*\.json is missing from the archive/],
    ['config renamed to another digest', legacy([{ image, tags: [] }], (e, m) => {
      e[0] = { ...e[0]!, name: `${'0'.repeat(64)}.json` };
      m[0]!['Config'] = `${'0'.repeat(64)}.json`;
    }), 'DIGEST_MISMATCH', /config 0{64}\.json: digest is sha256:/],
    ['blank config name', legacy([{ image, tags: [] }], (_e, m) => void (m[0]!['Config'] = '')), 'IMAGE_INVALID', /manifest\.json names no config/],
    ['layer path climbing out', legacy([{ image, tags: [] }], (_e, m) => void ((m[0]!['Layers'] as string[])[0] = '../../etc/passwd')), 'UNSAFE_ARCHIVE', /climbs out with \.\./],
    ['layer missing', legacy([{ image, tags: [] }], (e) => void e.splice(1, 1)), 'IMAGE_NOT_FOUND', /layer 0 .* is missing from the archive/],
    ['uncompressed layer named for another digest', legacy([{ image, tags: [], layerPaths: [`blobs/sha256/${'1'.repeat(64)}`, 'b/layer.tar'] }]), 'DIGEST_MISMATCH', /layer 0 is stored as blobs\/sha256\/1{64}, but the config's diff id is/],
    ['no images in manifest.json', tarOf([{ name: 'manifest.json', data: '[]' }]).then(file), 'IMAGE_INVALID', /manifest\.json: lists no images/],
    ['neither manifest.json nor index.json', tarOf([{ name: 'hello', data: 'x' }]).then(file), 'IMAGE_INVALID', /neither manifest\.json nor index\.json/],
  ];
  for (const [name, path, code, message] of cases) {
    await assert.rejects(openDockerArchive(await path, openOptions()), (e) => isVouchError(e) && e.code === code && message.test(e.message), name);
  }
  // A layer whose bytes are not its diff id: found while streaming (no up-front read of big layers).
  const swapped = await legacy([{ image, tags: [] }], (e) => {
    const i = e.findIndex((x) => x.name.endsWith('layer.tar'));
    e[i] = { ...e[i]!, data: Buffer.concat([image.layers[1]!.tar]) };
  });
  const s = await openDockerArchive(swapped, openOptions());
  await assert.rejects(readLayer(s, 0), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH');
  await s.close();
  await assert.rejects(openDockerArchive(file(gzipSync(readFileSync(await legacy([{ image, tags: [] }])))), openOptions()), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && /gzip-compressed/.test(e.message));
});

test('Docker 25+ docker save (an OCI layout with manifest.json beside it) is read as OCI', async () => {
  const image = await buildImage({ files: ['a'] });
  const index = ociIndex([
    manifestDescriptor(image, {
      annotations: { 'io.containerd.image.name': 'docker.io/library/app:1', 'org.opencontainers.image.ref.name': '1' },
    }),
  ]);
  const manifest = [{ Config: `blobs/sha256/${image.configDigest.slice(7)}`, RepoTags: ['app:1', 'app:extra'], Layers: [`blobs/sha256/${image.layers[0]!.digest.slice(7)}`] }];
  const path = file(await tarOf([...layoutEntries(index, image.blobs), { name: 'manifest.json', data: json(manifest) }]));
  const s = await openDockerArchive(path, openOptions());
  assert.equal(s.description.manifestDigest, image.manifestDigest, 'a real manifest: its digest is reported');
  assert.equal(s.description.manifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.deepEqual(s.description.tags, ['docker.io/library/app:1', 'app:1', 'app:extra']);
  assert.deepEqual(await readLayer(s, 0), image.layers[0]!.blob);
  await s.close();
  // The OCI path verifies the manifest: a changed one is refused even though manifest.json looks fine.
  const wrong = layoutEntries(index, image.blobs).map((e) => (e.name.endsWith(image.manifestDigest.slice(7)) ? { ...e, data: Buffer.from(image.manifest.toString().replace('"layers"', ' "layers"')) } : e));
  const bad = file(await tarOf([...wrong, { name: 'manifest.json', data: json(manifest) }]));
  await assert.rejects(openDockerArchive(bad, openOptions()), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH');
});
