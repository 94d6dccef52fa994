/**
 * Image signature discovery and verification (verify/image) over what sign/image wrote, against
 * Vouch's own registry in process (referrers API), with real keys and bundles from the sign
 * area — and with hostile or malformed things planted in the registry: artifacts about another
 * image listed for this one, a layer that is no bundle, a bundle that is not JSON, a simple-
 * signing payload of the wrong type, a message-signature bundle, an unreadable `.sig` tag.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../../../src/clients/index.ts';
import { VouchError, computeDigest } from '../../../../src/core/index.ts';
import { type RunningServer, startServer } from '../../../../src/servers/http/index.ts';
import { createRegistryService } from '../../../../src/servers/registry/index.ts';
import { generateKeyPair, loadPrivateKey, signDsseBundle, signMessageBundle, type SigningKey } from '../../../../src/sign/index.ts';
import {
  type DsseBundleJson,
  type ImageSigner,
  type ResolvedImage,
  SIGNATURE_ANNOTATION,
  appendLegacyLayer,
  attestImage,
  legacyTag,
  pushBundle,
  resolveImage,
  signImage,
} from '../../../../src/sign/image/index.ts';
import { type ImageVerifier, failureCode, rawKeyVerifier, verifyImageAttestations, verifyImageSignatures } from '../../../../src/verify/image/index.ts';
import { verifyBundle } from '../../../../src/verify/index.ts';
import { parseImageReference } from '../../../../src/formats/oci/index.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function signer(key: SigningKey): ImageSigner {
  return {
    signRaw: async (data) => Buffer.from(await key.sign(data)),
    signDsse: async (payload, payloadType) => (await signDsseBundle({ key, payload, payloadType })) as unknown as DsseBundleJson,
  };
}

function verifier(publicKeyPem: string, digest: string): ImageVerifier {
  return {
    verifyBundle: async (bundle) => {
      await verifyBundle(bundle, { key: publicKeyPem, digest: { sha256: digest.slice(7) } });
      return { signer: 'key' };
    },
    verifyRaw: rawKeyVerifier(publicKeyPem),
  };
}

describe('verify/image over sign/image, on a registry with the referrers API', () => {
  const work = mkdtempSync(join(tmpdir(), 'vouch-verify-image-'));
  let server: RunningServer;
  let client: RegistryClient;
  let image: ResolvedImage;
  let other: ResolvedImage;
  const keys = [0, 1].map(() => generateKeyPair({ password: '' }));
  const a = loadPrivateKey(keys[0]!.privateKeyPem, '');

  /** A one-layer OCI image tagged `tag`. */
  async function pushImage(tag: string, content: string): Promise<ResolvedImage> {
    const layer = await client.pushBlob('repo', Buffer.from(content));
    const config = await client.pushBlob('repo', Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }] };
    await client.putManifest('repo', tag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
    return resolveImage(client, parseImageReference(`${client.domain}/repo:${tag}`));
  }

  before(async () => {
    const service = await createRegistryService({ dataDir: join(work, 'data') });
    server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
    client = new RegistryClient(new URL(server.url).host, { retries: 0 });
    image = await pushImage('v1', 'image one');
    other = await pushImage('v2', 'image two');
  });
  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('a tag resolves to the digest of the bytes; signatures in both layouts verify with the key only', async () => {
    const got = await client.getManifest('repo', 'v1');
    assert.equal(image.digest, computeDigest(got.bytes));
    assert.equal(image.mediaType, OCI_MANIFEST);
    const result = await signImage({ client, image, signer: signer(a), layout: 'both', annotations: { team: 'x' } });
    assert.deepEqual(result.stored.map((s) => [s.layout, s.via ?? s.tag]), [['referrers', 'referrers-api'], ['legacy', legacyTag(image.digest, 'sig')]]);
    const ok = await verifyImageSignatures({ client, image: { name: image.name, repository: 'repo', digest: image.digest }, verifier: verifier(keys[0]!.publicKeyPem, image.digest), annotations: { team: 'x' } });
    assert.equal(ok.verified.length, 2, JSON.stringify(ok.failures));
    assert.equal(ok.referrers, 'api');
    const wrong = await verifyImageSignatures({ client, image: { name: image.name, repository: 'repo', digest: image.digest }, verifier: verifier(keys[1]!.publicKeyPem, image.digest) });
    assert.equal(wrong.verified.length, 0);
    assert.equal(wrong.failures.length, 2);
    assert.equal(failureCode(wrong.failures), 'VERIFY_SIGNATURE');
    const none = await verifyImageSignatures({ client, image: { name: other.name, repository: 'repo', digest: other.digest }, verifier: verifier(keys[0]!.publicKeyPem, other.digest) });
    assert.deepEqual([none.verified.length, none.failures.length, failureCode(none.failures)], [0, 0, 'NO_SIGNATURES']);
  });

  test('hostile referrers: another image\'s artifact, a layer that is no bundle, a bundle that is not JSON, a message signature', async () => {
    const target = { name: other.name, repository: 'repo', digest: other.digest };
    // The first image's signature bundle, attached to the second one: the statement names the first.
    const bundle = (await signer(a).signDsse(Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: image.digest.slice(7) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} })), 'application/vnd.in-toto+json'));
    await pushBundle(client, other, bundle, 'https://sigstore.dev/cosign/sign/v1', () => new Date(0));
    // Not JSON, pushed as a bundle layer.
    await pushBundle(client, other, 'not json', 'https://sigstore.dev/cosign/sign/v1', () => new Date(0));
    // A message-signature bundle over the manifest digest (sign-blob's shape), not a statement.
    const message = await signMessageBundle({ key: a, digest: other.digest });
    await pushBundle(client, other, message, 'https://sigstore.dev/cosign/sign/v1', () => new Date(0));
    const result = await verifyImageSignatures({ client, image: target, verifier: verifier(keys[0]!.publicKeyPem, other.digest) });
    assert.equal(result.verified.length, 0);
    const reasons = result.failures.map((f) => f.reason).join('\n');
    assert.match(reasons, /is not a subject of the in-toto statement/);
    assert.match(reasons, /Sigstore bundle is not a JSON object/);
    assert.match(reasons, /holds a message signature, not a DSSE envelope/);
    assert.equal(result.failures.length, 3);
  });

  test('a legacy .sig layer: payload of the wrong type, and a signature over another image\'s payload', async () => {
    const target = { name: other.name, repository: 'repo', digest: other.digest };
    const wrongType = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': other.name }, image: { 'docker-manifest-digest': other.digest }, type: 'something else' }, optional: null }));
    await appendLegacyLayer(client, other, 'sig', wrongType, 'application/vnd.dev.cosign.simplesigning.v1+json', { [SIGNATURE_ANNOTATION]: Buffer.from(await a.sign(wrongType)).toString('base64') });
    // Go's encoding/json matches keys case-insensitively: cosign reads "Docker-manifest-digest" too.
    const otherImage = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': other.name }, Image: { 'Docker-manifest-digest': image.digest }, type: 'cosign container image signature' }, optional: null }));
    await appendLegacyLayer(client, other, 'sig', otherImage, 'application/vnd.dev.cosign.simplesigning.v1+json', { [SIGNATURE_ANNOTATION]: Buffer.from(await a.sign(otherImage)).toString('base64') });
    const result = await verifyImageSignatures({ client, image: target, verifier: verifier(keys[0]!.publicKeyPem, other.digest) });
    const legacy = result.failures.filter((f) => f.source.layout === 'legacy').map((f) => f.reason);
    assert.equal(legacy.length, 2);
    assert.match(legacy[0]!, /critical.type is "something else"/);
    assert.match(legacy[1]!, new RegExp(`the payload signs ${image.digest}`));
    assert.equal(result.verified.length, 0);
    // The same payload, signed for this image, verifies (mixed case keys and all).
    const good = Buffer.from(otherImage.toString().replace(image.digest, other.digest));
    await appendLegacyLayer(client, other, 'sig', good, 'application/vnd.dev.cosign.simplesigning.v1+json', { [SIGNATURE_ANNOTATION]: Buffer.from(await a.sign(good)).toString('base64') });
    const after = await verifyImageSignatures({ client, image: target, verifier: verifier(keys[0]!.publicKeyPem, other.digest) });
    assert.equal(after.verified.length, 1);
  });

  test('a legacy tag that is not a manifest we can read is an error, and stays as it was', async () => {
    const third = await (async () => {
      const m = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: OCI_MANIFEST, digest: image.digest, size: image.size }] };
      await client.putManifest('repo', 'idx', Buffer.from(JSON.stringify(m)), 'application/vnd.oci.image.index.v1+json');
      return resolveImage(client, parseImageReference(`${client.domain}/repo:idx`));
    })();
    assert.equal(third.mediaType, 'application/vnd.oci.image.index.v1+json');
    // An index squatting on the .sig tag.
    const squat = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
    await client.putManifest('repo', legacyTag(third.digest, 'sig'), squat, 'application/vnd.oci.image.index.v1+json');
    await assert.rejects(signImage({ client, image: third, signer: signer(a), layout: 'legacy' }), (e: unknown) => e instanceof VouchError);
    const still = await client.getManifest('repo', legacyTag(third.digest, 'sig'), { accept: ['application/vnd.oci.image.index.v1+json'] });
    assert.deepEqual(still.bytes, squat);
  });

  test('a .sig tag that is not a manifest is reported, and does not hide the referrers', async () => {
    // A .sig tag holding an index: reported as a failure, the referrer bundle still verifies.
    const other3 = await pushImage('v4', 'image four');
    await signImage({ client, image: other3, signer: signer(a), layout: 'referrers' });
    await client.putManifest('repo', legacyTag(other3.digest, 'sig'), Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}'), 'application/vnd.oci.image.index.v1+json');
    const r = await verifyImageSignatures({ client, image: { name: other3.name, repository: 'repo', digest: other3.digest }, verifier: verifier(keys[0]!.publicKeyPem, other3.digest) });
    assert.equal(r.verified.length, 1);
    assert.equal(r.failures.length, 1);
    assert.deepEqual(r.failures[0]!.source, { layout: 'legacy', tag: legacyTag(other3.digest, 'sig'), layer: 'manifest' });
  });

  test('attestations: the type filter, the statement subject, and signatures never taken for attestations', async () => {
    const target = { name: image.name, repository: 'repo', digest: image.digest };
    await attestImage({ client, image, signer: signer(a), layout: 'both', predicateType: 'https://example.com/p/v1', predicate: { ok: true } });
    const v = verifier(keys[0]!.publicKeyPem, image.digest);
    const all = await verifyImageAttestations({ client, image: target, verifier: v });
    assert.equal(all.verified.length, 2, JSON.stringify(all.failures));
    for (const x of all.verified) assert.deepEqual(x.predicate, { ok: true });
    const typed = await verifyImageAttestations({ client, image: target, verifier: v, predicateType: 'https://example.com/p/v1' });
    assert.equal(typed.verified.length, 2);
    const otherType = await verifyImageAttestations({ client, image: target, verifier: v, predicateType: 'https://example.com/q' });
    assert.equal(otherType.verified.length, 0);
    // The image signature (cosign/sign/v1 bundle) is not listed as an attestation.
    assert.ok(all.verified.every((x) => x.predicateType !== 'https://sigstore.dev/cosign/sign/v1'));
  });
});
