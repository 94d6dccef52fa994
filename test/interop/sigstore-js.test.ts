/**
 * Interop with sigstore-js, the reference JavaScript implementation:
 *  - bundles Vouch writes verify with @sigstore/verify (key-based: a trust material whose key
 *    finder returns our key, no log/CT/timestamp thresholds);
 *  - bundles @sigstore/sign's MessageSignatureBundleBuilder and DSSEBundleBuilder write verify with Vouch.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, type Signer } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { VouchError } from '../../src/core/index.ts';
import { generateKeyPair, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey, makeStatement, signDsseBundle, signMessageBundle } from '../../src/sign/index.ts';
import { verifyBundle } from '../../src/verify/index.ts';

const EMPTY_ROOT = TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] });
const ART = Buffer.from('interop artifact\n');
const SHA = createHash('sha256').update(ART).digest('hex');

/** @sigstore/verify with the key given the way sigstore-js's own tests do (a key finder). */
function sigstoreJsVerify(bundleJson: unknown, publicKeyPem: string, artifact?: Buffer): void {
  const key = createPublicKey(publicKeyPem);
  const tm = toTrustMaterial(EMPTY_ROOT, () => ({ publicKey: key, validFor: () => true }));
  const verifier = new Verifier(tm, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(toSignedEntity(bundleFromJSON(bundleJson), artifact));
}

test('Vouch message-signature bundles (ECDSA P-256, P-384, RSA) verify with @sigstore/verify; tampered ones do not', async () => {
  for (const algorithm of ['ecdsa-p256', 'ecdsa-p384', 'rsa'] as const) {
    const pair = generateKeyPair({ password: '', algorithm });
    const key = loadPrivateKey(pair.privateKeyPem, '');
    const b = await signMessageBundle({ artifact: ART, key });
    sigstoreJsVerify(b, pair.publicKeyPem, ART);
    // Signed from the digest alone (prehashed): the same signature scheme to sigstore-js.
    sigstoreJsVerify(await signMessageBundle({ digest: SHA, key }), pair.publicKeyPem, ART);
    assert.throws(() => sigstoreJsVerify(b, pair.publicKeyPem, Buffer.from('other')), /signature/i);
    const other = generateKeyPair({ password: '', algorithm });
    assert.throws(() => sigstoreJsVerify(b, other.publicKeyPem, ART), /signature/i);
  }
});

test('Vouch DSSE attestation bundles verify with @sigstore/verify', async () => {
  const pair = generateKeyPair({ password: '' });
  const key = loadPrivateKey(pair.privateKeyPem, '');
  const st = makeStatement([{ name: 'a', digest: { sha256: SHA } }], 'slsaprovenance', { buildDefinition: { buildType: 'https://example.com/t' } });
  const b = await signDsseBundle({ payload: Buffer.from(JSON.stringify(st)), payloadType: IN_TOTO_PAYLOAD_TYPE, key });
  sigstoreJsVerify(b, pair.publicKeyPem);
  const t = structuredClone(b) as { dsseEnvelope: { payloadType: string } };
  t.dsseEnvelope.payloadType = 'text/plain';
  assert.throws(() => sigstoreJsVerify(t, pair.publicKeyPem), /signature/i);
});

/** A key signer for @sigstore/sign (it ships only Fulcio's): what a KMS signer would be. */
function keySigner(privateKey: KeyObject, hint?: string): Signer {
  const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  return {
    sign: (data: Buffer) => Promise.resolve({ signature: nodeSign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey, ...(hint ? { hint } : {}) } }),
  };
}

test('bundles @sigstore/sign writes (message signature and DSSE) verify with Vouch, with the file and with its digest', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const msg = bundleToJSON(await new MessageSignatureBundleBuilder({ signer: keySigner(privateKey, 'my-key'), witnesses: [] }).create({ data: ART }));
  const v = await verifyBundle(JSON.stringify(msg), { artifact: ART, key: pub });
  assert.equal(v.messageDigest?.hex, SHA);
  await verifyBundle(msg, { digest: { sha256: SHA }, key: pub });
  await assert.rejects(verifyBundle(msg, { artifact: Buffer.from('x'), key: pub }), (e: unknown) => e instanceof VouchError && e.code === 'VERIFY_DIGEST');

  const st = Buffer.from(JSON.stringify(makeStatement([{ name: 'a', digest: { sha256: SHA } }], 'openvex', { statements: [] })));
  const dsse = bundleToJSON(await new DSSEBundleBuilder({ signer: keySigner(privateKey), witnesses: [] }).create({ data: st, type: IN_TOTO_PAYLOAD_TYPE }));
  const d = await verifyBundle(dsse, { artifact: ART, key: pub });
  assert.equal(d.statement?.predicateType, 'https://openvex.dev/ns/v0.2.0');
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
  await assert.rejects(verifyBundle(dsse, { artifact: ART, key: other }), (e: unknown) => e instanceof VouchError && e.code === 'VERIFY_SIGNATURE');
});
