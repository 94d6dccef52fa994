import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RegistryError } from '../../../../src/servers/registry/index.ts';
import { parseManifest } from '../../../../src/servers/registry/manifest.ts';
import { isValidName, isValidTag, matchRoute, parseReference } from '../../../../src/servers/registry/names.ts';

const SHARED = process.env.VOUCH_SHARED_DATA ?? '/work/shared/data';

describe('names and references (spec "Pulling manifests" grammar)', () => {
  test('repository names', () => {
    for (const ok of ['a', 'library/debian', 'a.b_c__d---e/f0', 'x/y/z']) assert.ok(isValidName(ok), ok);
    for (const bad of ['', 'A', 'a/', '/a', 'a//b', '..', 'a/../b', 'a/./b', '-a', 'a-', 'a___b', 'a%2fb', 'a b', 'a'.repeat(256)]) {
      assert.ok(!isValidName(bad), bad);
    }
  });
  test('tags', () => {
    for (const ok of ['latest', '_x', 'V1.2-rc_3', 'a'.repeat(128)]) assert.ok(isValidTag(ok), ok);
    for (const bad of ['', '.a', '-a', 'a'.repeat(129), 'a/b', 'a:b']) assert.ok(!isValidTag(bad), bad);
  });
  test('references: digest or tag', () => {
    assert.equal(parseReference(`sha256:${'a'.repeat(64)}`).kind, 'digest');
    assert.equal(parseReference('v1').kind, 'tag');
    assert.throws(() => parseReference('sha256:xyz'), (e: unknown) => e instanceof RegistryError && e.code === 'DIGEST_INVALID');
    assert.throws(() => parseReference('md5:abc'), (e: unknown) => e instanceof RegistryError && e.code === 'DIGEST_INVALID');
    assert.throws(() => parseReference('-bad'), (e: unknown) => e instanceof RegistryError && e.status === 400);
  });
  test('routes: every endpoint, raw paths only', () => {
    assert.deepEqual(matchRoute('/v2/'), { kind: 'base' });
    assert.deepEqual(matchRoute('/v2/_catalog'), { kind: 'catalog' });
    assert.deepEqual(matchRoute('/v2/a/b/blobs/uploads/'), { kind: 'uploads', name: 'a/b' });
    assert.deepEqual(matchRoute('/v2/a/b/blobs/uploads/123'), { kind: 'upload', name: 'a/b', id: '123' });
    assert.deepEqual(matchRoute('/v2/a/blobs/sha256:x'), { kind: 'blob', name: 'a', digest: 'sha256:x' });
    assert.deepEqual(matchRoute('/v2/a/manifests/v1'), { kind: 'manifest', name: 'a', reference: 'v1' });
    assert.deepEqual(matchRoute('/v2/a/tags/list'), { kind: 'tags', name: 'a' });
    assert.deepEqual(matchRoute('/v2/a/referrers/sha256:x'), { kind: 'referrers', name: 'a', digest: 'sha256:x' });
    assert.equal(matchRoute('/v2/a/other'), undefined);
    // A name that looks like an endpoint is still matched greedily and then refused by the grammar.
    const r = matchRoute('/v2/a/%2e%2e/blobs/uploads/');
    assert.ok(r !== undefined && 'name' in r && !isValidName(r.name));
  });
});

describe('parseManifest', () => {
  const docker = readFileSync(join(SHARED, 'oci', 'docker-v2-schema2', 'manifest-1.json'));
  const list = readFileSync(join(SHARED, 'oci', 'docker-v2-schema2', 'manifest-list-1.json'));

  test('a real Docker schema2 manifest: config and layers are the blobs it needs', { skip: docker.length === 0 }, () => {
    const m = parseManifest(docker, 'application/vnd.docker.distribution.manifest.v2+json');
    const doc = JSON.parse(docker.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    assert.equal(m.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.deepEqual(m.blobs.map((b) => b.digest), [doc.config.digest, ...doc.layers.map((l) => l.digest)]);
    assert.equal(m.isIndex, false);
  });
  test('a real Docker manifest list: children are manifests', () => {
    const m = parseManifest(list, undefined);
    assert.equal(m.isIndex, true);
    assert.equal(m.manifests.length, (JSON.parse(list.toString()) as { manifests: unknown[] }).manifests.length);
    assert.deepEqual(m.blobs, []);
  });
  test('the image-spec examples: manifest with artifactType from config, subject and annotations', () => {
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.example+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 },
        layers: [],
        subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'2'.repeat(64)}`, size: 10 },
        annotations: { a: 'b' },
      }),
    );
    const m = parseManifest(bytes, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(m.artifactType, 'application/vnd.example+json');
    assert.equal(m.subject?.digest, `sha256:${'2'.repeat(64)}`);
    assert.deepEqual(m.annotations, { a: 'b' });
  });
  test('foreign layers with urls are not required', () => {
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: `sha256:${'3'.repeat(64)}`, size: 5, urls: ['https://example.com/l'] }],
      }),
    );
    assert.deepEqual(parseManifest(bytes, undefined).blobs.map((b) => b.digest), [`sha256:${'1'.repeat(64)}`]);
  });
  const invalid: [string, string | Buffer, string][] = [
    ['not JSON', '{', 'MANIFEST_INVALID'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'MANIFEST_INVALID'],
    ['schema 1', JSON.stringify({ schemaVersion: 1, mediaType: 'application/vnd.docker.distribution.manifest.v1+json' }), 'MANIFEST_INVALID'],
    ['Content-Type disagrees with mediaType', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }), 'MANIFEST_INVALID'],
    ['bad layer digest', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'x', digest: `sha256:${'1'.repeat(64)}`, size: 1 }, layers: [{ mediaType: 'x', digest: 'sha256:ABC', size: 1 }] }), 'DIGEST_INVALID'],
    ['negative size', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'x', digest: `sha256:${'1'.repeat(64)}`, size: -1 }, layers: [] }), 'MANIFEST_INVALID'],
    ['index with layers', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [], layers: [] }), 'MANIFEST_INVALID'],
  ];
  for (const [name, body, code] of invalid) {
    test(`refuses: ${name} (${code})`, () => {
      const contentType = name.startsWith('Content-Type') ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json';
      assert.throws(() => parseManifest(Buffer.from(body), contentType), (e: unknown) => e instanceof RegistryError && e.code === code);
    });
  }
});
