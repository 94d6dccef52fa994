/**
 * Tampering: one flipped byte in the payload, signature, certificate, envelope, proof, promise or
 * log time must fail with the code that names the broken check. Real bundles (conformance happy
 * paths, production root) and bundles Vouch signs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VouchError } from '../../../src/core/index.ts';
import { generateKeyPair, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey, makeStatement, signDsseBundle, signMessageBundle } from '../../../src/sign/index.ts';
import { verifyBundle } from '../../../src/verify/index.ts';

const DATA = new URL('../../../../shared/data/sigstore/', import.meta.url).pathname;
const PROD_ROOT = JSON.parse(readFileSync(join(DATA, 'trusted-roots/production-trusted_root.json'), 'utf8')) as unknown;
const A_TXT = readFileSync(join(DATA, 'conformance/a.txt'));
const IDENTITY = {
  subject: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (name: string): Json => JSON.parse(readFileSync(join(DATA, 'conformance/bundle-verify', name, 'bundle.sigstore.json'), 'utf8')) as Json;

/** Flip one bit of byte `at` (negative: from the end) of a base64 field. */
function flip(b64: unknown, at: number): string {
  const buf = Buffer.from(String(b64), 'base64');
  const i = at < 0 ? buf.length + at : at;
  buf[i] = (buf[i] ?? 0) ^ 0x01;
  return buf.toString('base64');
}

const rejectsWith = async (p: Promise<unknown>, code: string): Promise<void> => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VouchError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  });
};

test('the untampered happy paths verify (so each failure below is the flip)', async () => {
  for (const name of ['happy-path-v0.1', 'happy-path-v0.3', 'happy-path-intoto-in-dsse-v3']) {
    await verifyBundle(load(name), { artifact: A_TXT, trustedRoot: PROD_ROOT, identity: IDENTITY });
  }
});

test('certificate bundle (v0.3, production): signature, digest, certificate, proof, checkpoint, time', async () => {
  const opt = { artifact: A_TXT, trustedRoot: PROD_ROOT, identity: IDENTITY };
  let b = load('happy-path-v0.3');
  b.messageSignature.signature = flip(b.messageSignature.signature, -3);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_TLOG'); // the log entry records the signature: mismatch found first
  b = load('happy-path-v0.3');
  b.messageSignature.messageDigest.digest = flip(b.messageSignature.messageDigest.digest, 0);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_DIGEST');
  b = load('happy-path-v0.3');
  b.verificationMaterial.certificate.rawBytes = flip(b.verificationMaterial.certificate.rawBytes, -5);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_CHAIN');
  b = load('happy-path-v0.3');
  const proof = b.verificationMaterial.tlogEntries[0].inclusionProof;
  proof.hashes[0] = flip(proof.hashes[0], 7);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_TLOG');
  b = load('happy-path-v0.3');
  b.verificationMaterial.tlogEntries[0].inclusionProof.rootHash = flip(b.verificationMaterial.tlogEntries[0].inclusionProof.rootHash, 1);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_TLOG');
  b = load('happy-path-v0.3');
  b.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp = flip(b.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp, -4);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_SET');
  b = load('happy-path-v0.3');
  b.verificationMaterial.tlogEntries[0].integratedTime = String(Number(b.verificationMaterial.tlogEntries[0].integratedTime) + 1);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_SET');
  b = load('happy-path-v0.3');
  await rejectsWith(verifyBundle(b, { ...opt, identity: { ...IDENTITY, subject: `${IDENTITY.subject}x` } }), 'VERIFY_IDENTITY');
  await rejectsWith(verifyBundle(b, { ...opt, identity: { subjectRegExp: 'https://github.com/sigstore-conformance/', issuer: IDENTITY.issuer } }), 'VERIFY_IDENTITY');
  await verifyBundle(b, { ...opt, identity: { subjectRegExp: 'https://github\\.com/sigstore-conformance/.*', issuerRegExp: 'https://token\\.actions\\.githubusercontent\\.com' } });
});

test('DSSE certificate bundle: payload, envelope type and signature flips fail', async () => {
  const opt = { artifact: A_TXT, trustedRoot: PROD_ROOT, identity: IDENTITY };
  let b = load('happy-path-intoto-in-dsse-v3');
  b.dsseEnvelope.payload = flip(b.dsseEnvelope.payload, 40);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_TLOG');
  b = load('happy-path-intoto-in-dsse-v3');
  b.dsseEnvelope.payloadType = 'application/json';
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_SIGNATURE');
  b = load('happy-path-intoto-in-dsse-v3');
  b.dsseEnvelope.signatures[0].sig = flip(b.dsseEnvelope.signatures[0].sig, -2);
  await rejectsWith(verifyBundle(b, opt), 'VERIFY_TLOG');
});

test('key bundles Vouch signs: every flip fails with the named check', async () => {
  const pair = generateKeyPair({ password: 'pw' });
  const key = loadPrivateKey(pair.privateKeyPem, 'pw');
  const artifact = Buffer.from('the artifact\n');
  const good = await signMessageBundle({ artifact, key });
  await verifyBundle(good, { artifact, key: pair.publicKeyPem });
  const m = structuredClone(good) as Json;
  m.messageSignature.signature = flip(m.messageSignature.signature, 10);
  await rejectsWith(verifyBundle(m, { artifact, key: pair.publicKeyPem }), 'VERIFY_SIGNATURE');
  await rejectsWith(verifyBundle(m, { digest: { sha256: Buffer.from(good.messageSignature?.messageDigest.digest ?? '', 'base64').toString('hex') }, key: pair.publicKeyPem }), 'VERIFY_SIGNATURE');
  await rejectsWith(verifyBundle(good, { artifact: Buffer.from('the artifact!'), key: pair.publicKeyPem }), 'VERIFY_DIGEST');
  const other = generateKeyPair({ password: '' });
  await rejectsWith(verifyBundle(good, { artifact, key: other.publicKeyPem }), 'VERIFY_SIGNATURE');
  // No log entry in the bundle: refused only when a log entry is required.
  await rejectsWith(verifyBundle(good, { artifact, key: pair.publicKeyPem, requireTlog: true, trustedRoot: PROD_ROOT }), 'VERIFY_TLOG');

  const d = Buffer.from(good.messageSignature?.messageDigest.digest ?? '', 'base64').toString('hex');
  const statement = makeStatement([{ name: 'a', digest: { sha256: d } }], 'cyclonedx', { bomFormat: 'CycloneDX' });
  const dsse = await signDsseBundle({ payload: Buffer.from(JSON.stringify(statement)), payloadType: IN_TOTO_PAYLOAD_TYPE, key });
  const v = await verifyBundle(dsse, { artifact, key: pair.publicKeyPem });
  assert.equal(v.statement?.predicateType, 'https://cyclonedx.org/bom');
  let t = structuredClone(dsse) as Json;
  t.dsseEnvelope.payload = flip(t.dsseEnvelope.payload, 5);
  await rejectsWith(verifyBundle(t, { artifact, key: pair.publicKeyPem }), 'VERIFY_SIGNATURE');
  t = structuredClone(dsse);
  t.dsseEnvelope.payloadType = 'application/vnd.in-toto+jsom';
  await rejectsWith(verifyBundle(t, { artifact, key: pair.publicKeyPem }), 'VERIFY_SIGNATURE');
  await rejectsWith(verifyBundle(dsse, { artifact: Buffer.from('other'), key: pair.publicKeyPem }), 'VERIFY_DIGEST');
});

test('large artifacts (verified against the digest already computed): good verifies, a flipped signature fails', async () => {
  const artifact = Buffer.alloc(2 * 1024 * 1024, 0x5a);
  for (const algorithm of ['ecdsa-p256', 'rsa'] as const) {
    const pair = generateKeyPair({ password: '', algorithm });
    const key = loadPrivateKey(pair.privateKeyPem, '');
    const good = await signMessageBundle({ artifact, key });
    await verifyBundle(good, { artifact, key: pair.publicKeyPem });
    const bad = structuredClone(good) as Json;
    bad.messageSignature.signature = flip(bad.messageSignature.signature, 20);
    await rejectsWith(verifyBundle(bad, { artifact, key: pair.publicKeyPem }), 'VERIFY_SIGNATURE');
  }
});
