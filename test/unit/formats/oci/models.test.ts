import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { computeDigest, isVouchError } from '../../../../src/core/index.ts';
import {
  DOCKER_CONFIG,
  LEGACY_DOCKER_CONFIG,
  OCI_DESCRIPTOR,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  OCI_LAYOUT_HEADER,
  isIndexMediaType,
  layerCompression,
  parseDescriptor,
  parseImageConfig,
  parseImageIndex,
  parseImageManifest,
  parseJsonDocument,
  parseLayoutHeader,
  parseManifestDocument,
  toOciMediaType,
} from '../../../../src/formats/oci/index.ts';

const OCI_DATA = resolve(import.meta.dirname, '../../../../../shared/data/oci');
const SPEC = join(OCI_DATA, 'image-spec');
const DOCKER = join(OCI_DATA, 'docker-v2-schema2');

interface SpecExpected {
  files: Record<string, { mediaType?: string | null; validateAs?: string; expected: string; upstreamComment?: string }>;
}
const specExpected = JSON.parse(readFileSync(join(SPEC, 'expected.json'), 'utf8')) as SpecExpected;

/** Parse a document as the model for a media type, the way the schema tests validate it. */
function parseAs(mediaType: string, bytes: Buffer): unknown {
  const doc = parseJsonDocument(bytes, mediaType);
  switch (mediaType) {
    case OCI_DESCRIPTOR:
      return parseDescriptor(doc);
    case OCI_IMAGE_MANIFEST:
      return parseImageManifest(doc);
    case OCI_IMAGE_INDEX:
      return parseImageIndex(doc);
    case OCI_IMAGE_CONFIG:
      return parseImageConfig(doc, { mediaType });
    case OCI_LAYOUT_HEADER:
      return parseLayoutHeader(doc);
    default:
      throw new Error(`no model for ${mediaType}`);
  }
}

test('image-spec schema tests: valid documents parse, invalid ones are refused with IMAGE_INVALID', () => {
  let valid = 0;
  let invalid = 0;
  for (const [file, exp] of Object.entries(specExpected.files)) {
    if (!file.startsWith('schema-tests/')) continue;
    const as = exp.validateAs!;
    const bytes = readFileSync(join(SPEC, file));
    if (exp.expected === 'pass') {
      assert.doesNotThrow(() => parseAs(as, bytes), `${file} should be valid: ${exp.upstreamComment}`);
      valid++;
    } else {
      assert.equal(exp.expected, 'fail');
      assert.throws(
        () => parseAs(as, bytes),
        (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && e.message.length > 0,
        `${file} should be refused: ${exp.upstreamComment}`,
      );
      invalid++;
    }
  }
  // Every document in the folder has an expectation and ran (the data README says 75; the folder holds 65).
  const files = readdirSync(join(SPEC, 'schema-tests'), { recursive: true }).filter((f) => String(f).endsWith('.json'));
  assert.equal(valid + invalid, files.length);
  assert.ok(valid >= 20 && invalid >= 40, `${valid} valid, ${invalid} invalid`);
});

test('image-spec schema tests: the reasons named are the ones upstream gives', () => {
  const reason = (file: string): string => {
    try {
      const exp = specExpected.files[file]!;
      parseAs(exp.validateAs!, readFileSync(join(SPEC, file)));
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.match(reason('schema-tests/descriptor/02-invalid.json'), /mediaType is missing/);
  assert.match(reason('schema-tests/descriptor/07-invalid.json'), /descriptor\.mediaType: .* is not a media type/);
  assert.match(reason('schema-tests/descriptor/10-invalid.json'), /descriptor\.size: must be an integer/);
  assert.match(reason('schema-tests/descriptor/15-invalid.json'), /sha256 digest is lower-case hex/);
  assert.match(reason('schema-tests/descriptor/17-invalid.json'), /urls\[0\]: "value" is not an absolute URI/);
  assert.match(reason('schema-tests/descriptor/26-invalid.json'), /is not a digest/);
  assert.match(reason('schema-tests/descriptor/28-invalid.json'), /padded standard base64/);
  assert.match(reason('schema-tests/descriptor/29-invalid.json'), /must not be negative/);
  assert.match(reason('schema-tests/image-config/04-invalid.json'), /config\.config\.Env\[0\]: must be a string/);
  assert.match(reason('schema-tests/image-config/05-invalid.json'), /config\.os: must be a string|Volumes: must be an object/);
  assert.match(reason('schema-tests/image-config/06-invalid.json'), /not valid JSON/);
  assert.match(reason('schema-tests/image-config/09-invalid.json'), /is not KEY=VALUE/);
  assert.match(reason('schema-tests/image-index/03-invalid.json'), /manifests\[0\]\.platform: architecture is missing/);
  assert.match(reason('schema-tests/image-manifest/05-invalid.json'), /layers: must have at least one layer/);
  assert.match(reason('schema-tests/image-manifest/07-invalid.json'), /manifest\.subject: must be an object/);
  assert.match(reason('schema-tests/image-index/11-invalid.json'), /index\.subject: must be an object/);
  assert.match(reason('schema-tests/image-layout/00-invalid.json'), /not valid JSON/);
});

test('image-spec examples from the spec text all parse, and unknown fields are kept', () => {
  let n = 0;
  for (const [file, exp] of Object.entries(specExpected.files)) {
    if (!file.startsWith('spec-examples/')) continue;
    assert.doesNotThrow(() => parseAs(exp.mediaType!, readFileSync(join(SPEC, file))), file);
    n++;
  }
  assert.equal(n, 10);
  const index = parseImageIndex(parseJsonDocument(readFileSync(join(SPEC, 'spec-examples/image-index-02-image-index.json')), 'index'));
  assert.equal(index.manifests.length, 2);
  assert.deepEqual(index.annotations, { 'com.example.key1': 'value1', 'com.example.key2': 'value2' });
  assert.equal(isIndexMediaType(index.manifests[1]!.mediaType), true);
  const config = parseImageConfig(parseJsonDocument(readFileSync(join(SPEC, 'spec-examples/config-01-image-json.json')), 'config'));
  assert.equal(config.rootfs.diffIds.length, 2);
  assert.equal(config.history?.[1]?.emptyLayer, true);
  assert.deepEqual(config.config?.Volumes, { '/var/job-result-data': {}, '/var/log/my-app-logs': {} });
  const withExtra = parseDescriptor({ mediaType: 'a/b', size: 1, digest: `sha256:${'0'.repeat(64)}`, 'x.future': [1], platform: { os: 'linux', architecture: 'arm', variant: 'v7', features: ['f'] } });
  assert.deepEqual(withExtra.unknownFields, { 'x.future': [1] });
  assert.deepEqual(withExtra.platform, { os: 'linux', architecture: 'arm', variant: 'v7', unknownFields: { features: ['f'] } });
});

interface DockerExpected {
  files: Record<string, { mediaType: string | null; expectedDigest: string }>;
}

test('Docker v2 schema 2 documents: byte-exact digests, parse with Docker media types and mapped to OCI', () => {
  const exp = JSON.parse(readFileSync(join(DOCKER, 'expected.json'), 'utf8')) as DockerExpected;
  assert.equal(Object.keys(exp.files).length, 4);
  for (const [file, e] of Object.entries(exp.files)) {
    const bytes = readFileSync(join(DOCKER, file));
    assert.equal(computeDigest(bytes), e.expectedDigest, file);
    const doc = parseJsonDocument(bytes, file);
    if (e.mediaType === null) {
      const config = parseImageConfig(doc, { mediaType: DOCKER_CONFIG });
      assert.equal(config.os, 'linux');
      assert.ok(config.rootfs.diffIds.length >= 1);
      assert.ok(config.unknownFields !== undefined && 'docker_version' in config.unknownFields, 'Docker-only fields are kept');
      // The same document under the OCI media type: fedora's config has null Cmd/Entrypoint, which the schema allows.
      assert.doesNotThrow(() => parseImageConfig(doc, { mediaType: OCI_IMAGE_CONFIG }), file);
      continue;
    }
    const parsed = parseManifestDocument(doc, e.mediaType);
    assert.equal(parsed.mediaType, e.mediaType);
    if (parsed.kind === 'index') {
      assert.ok(parsed.index.manifests.length > 1);
      assert.deepEqual(parsed.index.manifests.map((m) => toOciMediaType(m.mediaType)).filter((t) => t !== OCI_IMAGE_MANIFEST), []);
    } else {
      // An early Docker Hub manifest: its config is typed application/octet-stream, read as a Docker config.
      assert.equal(parsed.manifest.config.mediaType, LEGACY_DOCKER_CONFIG);
      assert.equal(toOciMediaType(DOCKER_CONFIG), OCI_IMAGE_CONFIG);
      for (const l of parsed.manifest.layers) assert.equal(layerCompression(l.mediaType), 'gzip');
    }
    // After mapping the media types to OCI ones the document is a valid OCI one.
    let text = bytes.toString('utf8');
    for (const t of [e.mediaType, 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.container.image.v1+json', 'application/vnd.docker.image.rootfs.diff.tar.gzip']) {
      text = text.split(t).join(toOciMediaType(t));
    }
    const mapped = parseManifestDocument(JSON.parse(text));
    assert.equal(mapped.kind, parsed.kind);
  }
});

test('parseManifestDocument refuses contradictions, schema 1 and non-images', () => {
  const manifest = JSON.parse(readFileSync(join(SPEC, 'spec-examples/manifest-01-manifest.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(parseManifestDocument(manifest).kind, 'manifest');
  const { mediaType: _drop, ...noType } = manifest;
  assert.equal(parseManifestDocument(noType).kind, 'manifest', 'shape decides when nothing names the type');
  assert.equal(parseManifestDocument(noType, OCI_IMAGE_MANIFEST).mediaType, OCI_IMAGE_MANIFEST);
  const refused: [unknown, string | undefined, RegExp][] = [
    [manifest, OCI_IMAGE_INDEX, /declared as application\/vnd\.oci\.image\.index\.v1\+json but its mediaType says/],
    [{ ...manifest, mediaType: OCI_IMAGE_INDEX }, undefined, /has layers but no manifests/],
    [{ schemaVersion: 1, mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' }, undefined, /schema 1 is not supported/],
    [{ ...manifest, schemaVersion: 1 }, undefined, /schema 1 is not supported/],
    [{ ...manifest, schemaVersion: '2' }, undefined, /schemaVersion must be 2/],
    [{ schemaVersion: 2, mediaType: 'application/vnd.example+json' }, undefined, /unsupported media type/],
    [[], undefined, /must be an object/],
    [{ ...manifest, layers: {} }, undefined, /layers: must be an array/],
    [{ ...manifest, config: { ...(manifest['config'] as object), size: 2 ** 60 } }, undefined, /not a size Vouch can handle/],
  ];
  for (const [doc, declared, reason] of refused) {
    assert.throws(() => parseManifestDocument(doc, declared), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && reason.test(e.message), reason.source);
  }
  // A Docker manifest may have no layers (FROM scratch); an OCI one may not (the schema's minItems).
  assert.equal(parseImageManifest({ ...manifest, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', layers: [] }).layers.length, 0);
  assert.throws(() => parseImageManifest({ ...manifest, layers: [] }), /at least one layer/);
});

test('parseImageConfig: required fields, Docker nulls, diff ids are digests, artifact configs refused', () => {
  const base = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] } };
  assert.equal(parseImageConfig(base).rootfs.diffIds.length, 1);
  const bad: [unknown, RegExp, string?][] = [
    [{ ...base, os: undefined }, /os is missing/],
    [{ ...base, rootfs: { type: 'layers' } }, /diff_ids is missing/],
    [{ ...base, rootfs: { type: 'other', diff_ids: [] } }, /must be "layers"/],
    [{ ...base, rootfs: { type: 'layers', diff_ids: ['nope'] } }, /diff_ids\[0\]: "nope" is not a digest/],
    [{ ...base, created: 'yesterday' }, /not an RFC 3339 date-time/],
    [{ ...base, history: [{ empty_layer: 'yes' }] }, /history\[0\]\.empty_layer: must be a boolean/],
    [{ ...base, config: { Env: null } }, /Env: must be an array/],
    [base, /not an image config media type/, 'application/vnd.example.sbom+json'],
  ];
  for (const [doc, reason, mediaType] of bad) {
    assert.throws(() => parseImageConfig(doc, mediaType === undefined ? {} : { mediaType }), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && reason.test(e.message), reason.source);
  }
  // Docker writes null for empty lists and omits empty diff_ids: read as absent under its media type.
  const docker = parseImageConfig({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' }, history: null, config: { Env: null, Cmd: null, Labels: null } }, { mediaType: DOCKER_CONFIG });
  assert.deepEqual(docker.rootfs.diffIds, []);
  assert.equal(docker.history, undefined);
  assert.deepEqual(docker.config, { Cmd: null, Labels: null });
});

test('parseJsonDocument bounds size and needs UTF-8 JSON', () => {
  assert.throws(() => parseJsonDocument(Buffer.alloc(5 * 1024 * 1024, 0x20), 'manifest'), (e) => isVouchError(e) && e.code === 'LIMIT_EXCEEDED' && /over the 4194304-byte limit/.test(e.message));
  assert.throws(() => parseJsonDocument(Buffer.from([0x7b, 0xff, 0x7d]), 'index.json'), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && /not UTF-8/.test(e.message));
  assert.throws(() => parseJsonDocument('', 'index.json'), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && /index\.json is empty/.test(e.message));
  assert.throws(() => parseJsonDocument('{"a":', 'x'), (e) => isVouchError(e) && /not valid JSON/.test(e.message));
  assert.deepEqual(parseJsonDocument('{"a":1}', 'x', 7), { a: 1 });
});
