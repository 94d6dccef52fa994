import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeDigest, isVouchError } from '../../../../../src/core/index.ts';
import { openOciLayout } from '../../../../../src/sbom/source/image/oci-layout.ts';
import {
  LAYOUTS,
  STEREOSCOPE,
  buildImage,
  captureLogger,
  hasSkopeo,
  json,
  manifestDescriptor,
  ociIndex,
  openOptions,
  readLayer,
  SKIP_NO_SKOPEO,
  skopeo,
  writeLayout,
} from '../../../formats/oci/image-fixtures.ts';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vouch-oci-layout-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
const fresh = (): string => join(tmp, `l${n++}`);

interface StereoscopeExpected {
  files: Record<string, { expected?: string; expectError?: string }[]>;
}
const expected = JSON.parse(readFileSync(join(STEREOSCOPE, 'expected.json'), 'utf8')) as StereoscopeExpected;

test('stereoscope layouts: every case in expected.json behaves as stated', async () => {
  const cases = Object.entries(expected.files).filter(([f]) => f.startsWith('oci-layouts/') && f.endsWith('/'));
  assert.equal(cases.length, 5);
  for (const [file, [exp]] of cases) {
    const dir = join(STEREOSCOPE, file);
    if (exp?.expectError !== undefined) {
      // stereoscope's messages differ; ours name the cause, with a code.
      const want: Record<string, [string, RegExp]> = {
        'oci-layouts/valid_manifest/': ['DIGEST_MISMATCH', /manifest sha256:f67dcc5f.* is 0 bytes, its descriptor says 424/],
        'oci-layouts/no_manifests/': ['IMAGE_INVALID', /index\.json\.mediaType: application\/vnd\.docker\.distribution\.manifest\.v2\+json is not an image index media type/],
        'oci-layouts/invalid_file/': ['IMAGE_INVALID', /index\.json is empty/],
      };
      const [code, message] = want[file]!;
      await assert.rejects(openOciLayout(dir, openOptions()), (e) => isVouchError(e) && e.code === code && message.test(e.message), file);
      continue;
    }
    const text = exp?.expected ?? '';
    assert.ok(text.startsWith('reads OK'), file);
    // Each digest the expectation names for a platform is the manifest we select for it.
    for (const m of text.matchAll(/(linux\/[a-z0-9]+)[ a-z]* manifest (sha256:[a-f0-9]{64})/g)) {
      const source = await openOciLayout(dir, openOptions(m[1]));
      assert.equal(source.description.manifestDigest, m[2], `${file} ${m[1]}`);
      assert.equal(source.description.platform.architecture, m[1]!.split('/')[1]);
      await source.close();
    }
    const single = /selected manifest digest is (sha256:[a-f0-9]{64})/.exec(text);
    if (single !== null) {
      for (const platform of ['linux/amd64', 'linux/arm64', undefined]) {
        const logger = captureLogger();
        const source = await openOciLayout(dir, openOptions(platform, logger));
        assert.equal(source.description.manifestDigest, single[1], `${file} ${platform}`);
        // The one image is read whatever the platform; asking for another one is warned about.
        assert.equal(logger.warnings.some((w) => /asked for linux\/arm64, but its only image is linux\/amd64/.test(w)), platform === 'linux/arm64');
        await source.close();
      }
    }
    const bad = /(linux\/[a-z0-9]+) -> error/.exec(text);
    if (bad !== null) {
      await assert.rejects(
        openOciLayout(dir, openOptions(bad[1])),
        (e) => isVouchError(e) && e.code === 'IMAGE_NOT_FOUND' && /no image for platform linux\/ppc64le .*; available: linux\/amd64, linux\/arm64/.test(e.message),
      );
    }
  }
});

test('valid_oci_dir: the full description, tags from ref names, the layer verified', async () => {
  const source = await openOciLayout(join(LAYOUTS, 'valid_oci_dir'), openOptions());
  const d = source.description;
  assert.equal(d.reference, join(LAYOUTS, 'valid_oci_dir'));
  assert.equal(d.manifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(d.configDigest, 'sha256:61ee19e869a529075634f762c1eb191962777e0803598758cbf076edfadfb046');
  assert.deepEqual(d.platform, { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(d.tags, ['latest', '1.0']);
  assert.deepEqual(d.layers, [
    {
      digest: 'sha256:00ffd085e9e7c06d20fdc61119a8d08e5c8bd3c1c320d10494ce6ed86691c06c',
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      size: 120,
      diffId: 'sha256:7cec5b0994b7ef959705617ab9c8bbd495446c4a80afa28aba0490f16772c9b3',
    },
  ]);
  const layer = await readLayer(source, 0);
  assert.equal(computeDigest(layer), d.layers[0]!.digest);
  await assert.rejects(source.openLayer(1), (e) => isVouchError(e) && e.code === 'IMAGE_NOT_FOUND');
  await source.close();
});

test('multiplatform_oci_dir: nested index followed, containerd image name as tag', async () => {
  const source = await openOciLayout(join(LAYOUTS, 'multiplatform_oci_dir'), openOptions('linux/arm64/v8'));
  assert.deepEqual(source.description.tags, ['docker.io/library/multi-platform:latest']);
  assert.deepEqual(source.description.platform, { os: 'linux', architecture: 'arm64' });
  assert.equal((await readLayer(source, 0)).length, 880);
  await source.close();
});

test('a layout made by skopeo copy --all', { skip: !hasSkopeo() && SKIP_NO_SKOPEO }, async () => {
  const dir = fresh();
  skopeo('copy', '--all', `oci:${join(LAYOUTS, 'multiplatform_oci_dir')}:latest`, `oci:${dir}:v2`);
  for (const [platform, digest] of [
    ['linux/amd64', 'sha256:e7c26a4b4d156fd9947ee82295b7b78acf7aa54b93b8f3e4b9f608179ffb20e8'],
    ['linux/arm64', 'sha256:5ed07065bcbc6c52e3ad28526557d7b6833613fc79257b1a786de85e37c03b05'],
  ] as const) {
    const source = await openOciLayout(dir, openOptions(platform));
    assert.equal(source.description.manifestDigest, digest);
    assert.deepEqual(source.description.tags, ['v2']);
    await readLayer(source, 0);
    await source.close();
  }
});

test('layers stream verified: a changed byte or a changed length fails the stream with DIGEST_MISMATCH', async () => {
  const image = await buildImage({ files: ['a', 'b'] });
  const dir = fresh();
  writeLayout(dir, ociIndex([manifestDescriptor(image)]), image.blobs);
  const source = await openOciLayout(dir, openOptions());
  assert.equal(source.description.layers.length, 2);
  assert.deepEqual(await readLayer(source, 1), image.layers[1]!.blob);
  // Corrupt layer 0 after opening, same size: caught at the end of the stream.
  const path = join(dir, 'blobs/sha256', image.layers[0]!.digest.slice(7));
  const bytes = Buffer.from(image.layers[0]!.blob);
  bytes[bytes.length - 1]! ^= 0xff;
  writeFileSync(path, bytes);
  await assert.rejects(readLayer(source, 0), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH' && /layer 0 .*digest is sha256:/.test(e.message));
  // Longer than declared: found when the blob is located.
  writeFileSync(path, Buffer.concat([image.layers[0]!.blob, Buffer.from('x')]));
  await assert.rejects(source.openLayer(0), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH' && /bytes, its descriptor says/.test(e.message));
  await source.close();
});

test('bad layouts: each refused with a clear code and message', async () => {
  const image = await buildImage({});
  const good = ociIndex([manifestDescriptor(image)]);
  const cases: [string, (dir: string) => void, string, RegExp][] = [
    ['missing layer blob', (dir) => unlinkSync(join(dir, 'blobs/sha256', image.layers[0]!.digest.slice(7))), 'IMAGE_NOT_FOUND', /layer 0 sha256:.* is missing from OCI layout/],
    ['missing config blob', (dir) => unlinkSync(join(dir, 'blobs/sha256', image.configDigest.slice(7))), 'IMAGE_NOT_FOUND', /config sha256:.* is missing/],
    ['config bytes changed', (dir) => writeFileSync(join(dir, 'blobs/sha256', image.configDigest.slice(7)), Buffer.from(image.config.toString().replace('amd64', 'arm64'))), 'DIGEST_MISMATCH', /config: digest is sha256:/],
    ['no index.json', (dir) => unlinkSync(join(dir, 'index.json')), 'IMAGE_INVALID', /no index\.json: not an OCI image layout/],
    ['bad oci-layout', (dir) => writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}'), 'IMAGE_INVALID', /oci-layout\.imageLayoutVersion: must be "1\.0\.0"/],
    ['index.json not JSON', (dir) => writeFileSync(join(dir, 'index.json'), '{"schemaVersion":2,'), 'IMAGE_INVALID', /index\.json is not valid JSON/],
    ['index.json over 4 MiB', (dir) => writeFileSync(join(dir, 'index.json'), Buffer.alloc(4 * 1024 * 1024 + 1, 0x20)), 'LIMIT_EXCEEDED', /index\.json .* over the 4194304-byte limit/],
    ['absurd manifest size', (dir) => writeFileSync(join(dir, 'index.json'), json(ociIndex([manifestDescriptor(image, { size: 2 ** 40 })]))), 'LIMIT_EXCEEDED', /manifest sha256:.* is 1099511627776 bytes, over the 4194304-byte limit/],
    ['unsupported digest algorithm', (dir) => writeFileSync(join(dir, 'index.json'), json(ociIndex([manifestDescriptor(image, { digest: `sha384:${'a'.repeat(96)}` })]))), 'IMAGE_INVALID', /unsupported digest algorithm "sha384"/],
    ['no manifests', (dir) => writeFileSync(join(dir, 'index.json'), json(ociIndex([]))), 'IMAGE_NOT_FOUND', /no images found in OCI layout/],
    ['blob is a directory', (dir) => {
      unlinkSync(join(dir, 'blobs/sha256', image.manifestDigest.slice(7)));
      execFileSync('mkdir', [join(dir, 'blobs/sha256', image.manifestDigest.slice(7))]);
    }, 'IMAGE_INVALID', /is not a regular file/],
    ['blob is a FIFO (must not hang)', (dir) => {
      unlinkSync(join(dir, 'blobs/sha256', image.manifestDigest.slice(7)));
      execFileSync('mkfifo', [join(dir, 'blobs/sha256', image.manifestDigest.slice(7))]);
    }, 'IMAGE_INVALID', /is not a regular file/],
    ['blob symlinked out of the layout', (dir) => {
      const outside = join(tmp, `outside-${n++}`);
      writeFileSync(outside, image.manifest);
      unlinkSync(join(dir, 'blobs/sha256', image.manifestDigest.slice(7)));
      symlinkSync(outside, join(dir, 'blobs/sha256', image.manifestDigest.slice(7)));
    }, 'PATH_ESCAPE', /is a link to .*, outside the layout/],
    ['blobs folder symlinked out of the layout', (dir) => {
      const outside = join(tmp, `outside-${n++}`);
      cpSync(join(dir, 'blobs'), outside, { recursive: true });
      rmSync(join(dir, 'blobs'), { recursive: true });
      symlinkSync(outside, join(dir, 'blobs'));
    }, 'PATH_ESCAPE', /outside the layout/],
  ];
  for (const [name, spoil, code, message] of cases) {
    const dir = fresh();
    writeLayout(dir, good, image.blobs);
    spoil(dir);
    await assert.rejects(openOciLayout(dir, openOptions()), (e) => isVouchError(e) && e.code === code && message.test(e.message), name);
  }
  // A symlink that stays inside the layout is fine.
  const dir = fresh();
  writeLayout(dir, good, image.blobs);
  const hex = image.layers[0]!.digest.slice(7);
  writeFileSync(join(dir, 'layer-copy'), image.layers[0]!.blob);
  unlinkSync(join(dir, 'blobs/sha256', hex));
  symlinkSync('../../layer-copy', join(dir, 'blobs/sha256', hex));
  const source = await openOciLayout(dir, openOptions());
  assert.deepEqual(await readLayer(source, 0), image.layers[0]!.blob);
  await source.close();
  await assert.rejects(openOciLayout(join(LAYOUTS, 'valid-oci.tar'), openOptions()), (e) => isVouchError(e) && e.code === 'BAD_TARGET' && e.hint?.includes('oci-archive:') === true);
  await assert.rejects(openOciLayout(join(tmp, 'nope'), openOptions()), (e) => isVouchError(e) && e.code === 'TARGET_NOT_FOUND');
});

test('artifacts, wrong layer media types and diff_id mismatches are not images', async () => {
  const cases: [Parameters<typeof buildImage>[0], RegExp][] = [
    [{ configMediaType: 'application/vnd.cncf.helm.config.v1+json' }, /config is application\/vnd\.cncf\.helm\.config\.v1\+json: an artifact, not a container image/],
    [{ layerMediaType: 'application/vnd.example.data' }, /layer 0 has media type application\/vnd\.example\.data, not a filesystem layer/],
    [{ configExtra: { rootfs: { type: 'layers', diff_ids: [] } } }, /the manifest has 1 layers but the config 0 diff_ids/],
  ];
  for (const [spec, message] of cases) {
    const image = await buildImage(spec);
    const dir = fresh();
    writeLayout(dir, ociIndex([manifestDescriptor(image)]), image.blobs);
    await assert.rejects(openOciLayout(dir, openOptions()), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && message.test(e.message), message.source);
  }
});

test('several images in one layout: chosen by platform (read from configs when the index names none), ambiguity refused', async () => {
  const amd = await buildImage({ platform: { os: 'linux', architecture: 'amd64' } });
  const arm = await buildImage({ platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, files: ['etc/arm'] });
  const dir = fresh();
  writeLayout(dir, ociIndex([
    manifestDescriptor(amd, { annotations: { 'org.opencontainers.image.ref.name': 'amd' } }),
    manifestDescriptor(arm, { annotations: { 'org.opencontainers.image.ref.name': 'arm' } }),
  ]), [...amd.blobs, ...arm.blobs]);
  const a = await openOciLayout(dir, openOptions('linux/arm64'));
  assert.equal(a.description.manifestDigest, arm.manifestDigest, 'arm64 runs arm/v7');
  assert.deepEqual(a.description.tags, ['arm']);
  assert.deepEqual(a.description.platform, { os: 'linux', architecture: 'arm', variant: 'v7' });
  await a.close();
  const b = await openOciLayout(dir, openOptions('linux/amd64'));
  assert.equal(b.description.manifestDigest, amd.manifestDigest);
  await b.close();
  await assert.rejects(openOciLayout(dir, openOptions('linux/s390x')), (e) => isVouchError(e) && e.code === 'IMAGE_NOT_FOUND' && /available: linux\/amd64, linux\/arm\/v7/.test(e.message));

  const amd2 = await buildImage({ files: ['other'] });
  const dir2 = fresh();
  writeLayout(dir2, ociIndex([
    manifestDescriptor(amd, { annotations: { 'org.opencontainers.image.ref.name': 'one' } }),
    manifestDescriptor(amd2, { annotations: { 'org.opencontainers.image.ref.name': 'two' } }),
  ]), [...amd.blobs, ...amd2.blobs]);
  await assert.rejects(openOciLayout(dir2, openOptions('linux/amd64')), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && /holds 2 different images for platform linux\/amd64 \(one, two\)/.test(e.message));
});
