/** Signing into bundles: shapes @sigstore/bundle accepts, digest-only signing, the keyless and witness seams. */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import type { VouchError } from '../../../src/core/index.ts';
import { BUNDLE_V03_MEDIA_TYPE, preAuthEncoding } from '../../../src/formats/sigstore/index.ts';
import { generateKeyPair, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey, makeStatement, PREDICATE_TYPES, signDsseBundle, signMessageBundle, signingKeyFrom, type Witness } from '../../../src/sign/index.ts';
import { verifyBundle } from '../../../src/verify/index.ts';

const ART = Buffer.from('artifact bytes\n');
const SHA = createHash('sha256').update(ART).digest('hex');

test('PAE is DSSE v1\'s (protocol.md example)', () => {
  assert.equal(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
});

test('message bundles for every key type: valid v0.3, verify with the file and (not Ed25519) with the digest alone', async () => {
  for (const algorithm of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ed25519', 'rsa'] as const) {
    const pair = generateKeyPair({ password: 'p', algorithm });
    const key = loadPrivateKey(pair.privateKeyPem, 'p');
    const b = await signMessageBundle({ artifact: ART, key });
    assert.equal(b.mediaType, BUNDLE_V03_MEDIA_TYPE);
    bundleFromJSON(b);
    assert.equal(Buffer.from(b.messageSignature?.messageDigest.digest ?? '', 'base64').toString('hex'), SHA);
    assert.equal(b.messageSignature?.messageDigest.algorithm, 'SHA2_256');
    assert.ok(b.verificationMaterial.publicKey?.hint);
    await verifyBundle(b, { artifact: ART, key: pair.publicKeyPem });
    if (algorithm === 'ed25519') {
      await assert.rejects(verifyBundle(b, { digest: { sha256: SHA }, key: pair.publicKeyPem }), (e: unknown) => (e as VouchError).code === 'VERIFY_UNSUPPORTED');
      await assert.rejects(signMessageBundle({ digest: SHA, key }), (e: unknown) => (e as VouchError).code === 'SIGN_FAILED');
    } else {
      await verifyBundle(b, { digest: { sha256: `sha256:${SHA}` }, key: pair.publicKeyPem });
      // Signing the digest alone (prehashed) gives a signature over the same message.
      const d = await signMessageBundle({ digest: SHA, key });
      await verifyBundle(d, { artifact: ART, key: pair.publicKeyPem });
    }
  }
});

test('DSSE bundles carry an in-toto statement; short predicate names resolve as cosign\'s', async () => {
  assert.equal(PREDICATE_TYPES.cyclonedx, 'https://cyclonedx.org/bom');
  assert.equal(PREDICATE_TYPES.spdx, 'https://spdx.dev/Document');
  assert.equal(PREDICATE_TYPES.slsaprovenance, 'https://slsa.dev/provenance/v1');
  assert.equal(PREDICATE_TYPES.vuln, 'https://cosign.sigstore.dev/attestation/vuln/v1');
  assert.equal(PREDICATE_TYPES.openvex, 'https://openvex.dev/ns/v0.2.0');
  assert.equal(makeStatement([{ digest: { sha256: SHA } }], 'https://example.com/p/v1', {}).predicateType, 'https://example.com/p/v1');
  assert.throws(() => makeStatement([{ digest: { sha256: SHA } }], 'not a type', {}), (e: unknown) => (e as VouchError).code === 'USAGE');
  const key = signingKeyFrom(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  const st = makeStatement([{ name: 'a', digest: { sha256: SHA } }], 'vuln', { scanner: { uri: 'x' } });
  const b = await signDsseBundle({ payload: Buffer.from(JSON.stringify(st)), payloadType: IN_TOTO_PAYLOAD_TYPE, key });
  bundleFromJSON(b);
  const v = await verifyBundle(b, { digest: { sha256: SHA }, key: key.publicKeyPem });
  assert.deepEqual(v.statement, st);
});

test('CertificateProvider seam: the bundle carries the leaf certificate, which must be for the key', async () => {
  const key = signingKeyFrom(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  // A self-signed certificate for the key, made with @peculiar/x509 (what a CA would return).
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(globalThis.crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await globalThis.crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ name: 'CN=test', keys, signingAlgorithm: alg, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 600_000) });
  await assert.rejects(signMessageBundle({ artifact: ART, key, certificateProvider: () => Promise.resolve([cert.toString('pem')]) }), (e: unknown) => (e as VouchError).code === 'SIGN_FAILED');
  // A provider that certifies the signing key itself.
  const signer = signingKeyFrom((await import('node:crypto')).createPrivateKey({ key: Buffer.from(await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey)), format: 'der', type: 'pkcs8' }));
  const b = await signMessageBundle({ artifact: ART, key: signer, certificateProvider: (k) => {
    assert.equal(k, signer);
    return Promise.resolve([cert.toString('pem')]);
  } });
  bundleFromJSON(b);
  assert.equal(new X509Certificate(Buffer.from(b.verificationMaterial.certificate?.rawBytes ?? '', 'base64')).subject, 'CN=test');
  assert.equal(b.verificationMaterial.publicKey, undefined);
  // Verified with --key semantics: the certificate's key must be the given key.
  await verifyBundle(b, { artifact: ART, key: signer.publicKeyPem });
  await assert.rejects(verifyBundle(b, { artifact: ART, key: key.publicKeyPem }), (e: unknown) => (e as VouchError).code === 'VERIFY_KEY');
});

test('Witness seam: witnesses see the signature and add their log entries to the bundle', async () => {
  const key = signingKeyFrom(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  const seen: string[] = [];
  const witness: Witness = {
    testify: (c) => {
      seen.push(c.kind);
      assert.equal(c.publicKeyPem, key.publicKeyPem);
      return Promise.resolve({ rfc3161Timestamps: [] });
    },
  };
  await signMessageBundle({ artifact: ART, key, witnesses: [witness] });
  await signDsseBundle({ payload: ART, payloadType: 'text/plain', key, witnesses: [witness] });
  assert.deepEqual(seen, ['messageSignature', 'dsse']);
});
