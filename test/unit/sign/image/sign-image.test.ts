/**
 * What sign/image writes, read back from Vouch's own registry (in process): the payloads
 * (cosign's simple signing, the in-toto statements), the referrer artifact manifest of
 * cosign specs/BUNDLE_SPEC.md, and the legacy `.sig`/`.att` manifests (appending, no duplicate).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../../../src/clients/index.ts';
import { VouchError } from '../../../../src/core/index.ts';
import { type RunningServer, startServer } from '../../../../src/servers/http/index.ts';
import { createRegistryService } from '../../../../src/servers/registry/index.ts';
import { generateKeyPair, loadPrivateKey, signDsseBundle } from '../../../../src/sign/index.ts';
import {
  type DsseBundleJson,
  type ImageSigner,
  type ResolvedImage,
  appendLegacyLayer,
  attestImage,
  imageStatement,
  legacyTag,
  resolveImage,
  signImage,
  simpleSigningPayload,
} from '../../../../src/sign/image/index.ts';
import { parseImageReference } from '../../../../src/formats/oci/index.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

test("simpleSigningPayload: cosign's shape; optional is null without annotations", () => {
  assert.deepEqual(JSON.parse(simpleSigningPayload('localhost:5000/app', DIGEST, {}).toString()), {
    critical: { identity: { 'docker-reference': 'localhost:5000/app' }, image: { 'docker-manifest-digest': DIGEST }, type: 'cosign container image signature' },
    optional: null,
  });
  assert.deepEqual(JSON.parse(simpleSigningPayload('a/b', DIGEST, { env: 'prod' }).toString()).optional, { env: 'prod' });
});

test('imageStatement: Statement v1 about the digest; the name only for attestations; annotations on the subject', () => {
  const image: ResolvedImage = { name: 'localhost:5000/app', repository: 'app', digest: DIGEST, mediaType: OCI_MANIFEST, size: 1 };
  assert.deepEqual(JSON.parse(imageStatement(image, 'https://sigstore.dev/cosign/sign/v1', {}, { annotations: { a: '1' } }).toString()), {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ digest: { sha256: 'ab'.repeat(32) }, annotations: { a: '1' } }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  });
  const att = JSON.parse(imageStatement(image, 'https://example.com/p', { x: 1 }, { name: true }).toString()) as { subject: unknown[] };
  assert.deepEqual(att.subject, [{ name: 'localhost:5000/app', digest: { sha256: 'ab'.repeat(32) } }]);
});

test('legacyTag: sha256-<hex>.sig / .att; a bad digest is refused', () => {
  assert.equal(legacyTag(DIGEST, 'sig'), `sha256-${'ab'.repeat(32)}.sig`);
  assert.throws(() => legacyTag('latest', 'att'), (e: unknown) => e instanceof VouchError && e.code === 'BAD_TARGET');
});

describe('sign/image: what lands in the registry', () => {
  const work = mkdtempSync(join(tmpdir(), 'vouch-sign-image-'));
  let server: RunningServer;
  let client: RegistryClient;
  let image: ResolvedImage;
  const key = loadPrivateKey(generateKeyPair({ password: '' }).privateKeyPem, '');
  const signer: ImageSigner = {
    signRaw: async (data) => Buffer.from(await key.sign(data)),
    signDsse: async (payload, payloadType) => (await signDsseBundle({ key, payload, payloadType })) as unknown as DsseBundleJson,
  };

  before(async () => {
    const service = await createRegistryService({ dataDir: join(work, 'data') });
    server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
    client = new RegistryClient(new URL(server.url).host, { retries: 0 });
    const layer = await client.pushBlob('app', Buffer.from('layer'));
    const config = await client.pushBlob('app', Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'));
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }] };
    await client.putManifest('app', 'v1', Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
    image = await resolveImage(client, parseImageReference(`${client.domain}/app:v1`));
  });
  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('the referrer artifact manifest follows BUNDLE_SPEC.md', async () => {
    const now = new Date('2026-01-02T03:04:05.000Z');
    const r = await signImage({ client, image, signer, layout: 'referrers', now: () => now });
    const m = JSON.parse((await client.getManifest('app', r.stored[0]!.manifest)).bytes.toString()) as {
      artifactType: string;
      config: unknown;
      layers: { mediaType: string; digest: string; annotations: Record<string, string> }[];
      subject: unknown;
      annotations: unknown;
    };
    assert.equal(m.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.deepEqual(m.config, { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 });
    assert.equal(m.layers.length, 1);
    assert.equal(m.layers[0]!.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(m.layers[0]!.annotations['org.opencontainers.image.title'], `${m.layers[0]!.digest.replace(':', '-')}.sigstore.json`);
    assert.deepEqual(m.subject, { mediaType: OCI_MANIFEST, digest: image.digest, size: image.size });
    assert.deepEqual(m.annotations, { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1', 'org.opencontainers.image.created': now.toISOString() });
    const bundle = JSON.parse((await client.getBlob('app', m.layers[0]!.digest, { maxBytes: 1 << 20 })).toString()) as { mediaType: string; dsseEnvelope: { payloadType: string } };
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(bundle.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
  });

  test('legacy .sig and .att: layers appended, an identical layer not added twice, the config lists them', async () => {
    await signImage({ client, image, signer, layout: 'legacy' });
    await signImage({ client, image, signer, layout: 'legacy' });
    const sig = JSON.parse((await client.getManifest('app', legacyTag(image.digest, 'sig'))).bytes.toString()) as { config: { digest: string }; layers: { mediaType: string; digest: string }[] };
    assert.equal(sig.layers.length, 2, 'ECDSA signatures differ: two signatures');
    assert.ok(sig.layers.every((l) => l.mediaType === 'application/vnd.dev.cosign.simplesigning.v1+json'));
    const config = JSON.parse((await client.getBlob('app', sig.config.digest, { maxBytes: 1 << 20 })).toString()) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.rootfs.diff_ids, sig.layers.map((l) => l.digest));
    const payload = Buffer.from('{"same":true}');
    const first = await appendLegacyLayer(client, image, 'sig', payload, 'application/vnd.dev.cosign.simplesigning.v1+json', { 'dev.cosignproject.cosign/signature': 'AAAA' });
    const second = await appendLegacyLayer(client, image, 'sig', payload, 'application/vnd.dev.cosign.simplesigning.v1+json', { 'dev.cosignproject.cosign/signature': 'AAAA' });
    assert.equal(first.appended, true);
    assert.equal(second.appended, false);
    assert.equal(second.manifest, first.manifest);

    await attestImage({ client, image, signer, layout: 'legacy', predicateType: 'https://example.com/p', predicate: { a: 1 } });
    const att = JSON.parse((await client.getManifest('app', legacyTag(image.digest, 'att'))).bytes.toString()) as { layers: { mediaType: string; digest: string; annotations: Record<string, string> }[] };
    assert.equal(att.layers[0]!.mediaType, 'application/vnd.dsse.envelope.v1+json');
    assert.deepEqual(att.layers[0]!.annotations, { predicateType: 'https://example.com/p' });
    const envelope = JSON.parse((await client.getBlob('app', att.layers[0]!.digest, { maxBytes: 1 << 20 })).toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(envelope).sort(), ['payload', 'payloadType', 'signatures']);
  });
});
