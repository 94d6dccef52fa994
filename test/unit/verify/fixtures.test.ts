/** Real third-party bundles and envelopes beyond the conformance suite (../shared/data/sigstore/expected.json). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VouchError } from '../../../src/core/index.ts';
import { verifyBundle } from '../../../src/verify/index.ts';

const DATA = new URL('../../../../shared/data/sigstore/', import.meta.url).pathname;
const PROD_ROOT = readFileSync(join(DATA, 'trusted-roots/production-trusted_root.json'));
const PGI_ROOT = readFileSync(join(DATA, 'trusted-roots/cosign-trusted_root_pgi.json'));

const code = (c: string) => (err: unknown) => {
  assert.ok(err instanceof VouchError, String(err));
  assert.equal(err.code, c, err.message);
  return true;
};

test('sigstore-js tests/bundles: all nine DSSE bundles (v0.1–v0.3) verify against the production root', async () => {
  const dir = join(DATA, 'sigstore-js/bundles');
  const statement = readFileSync(join(dir, 'statement.json'));
  const files = readdirSync(dir).filter((f) => f.endsWith('.sigstore'));
  assert.equal(files.length, 9);
  for (const f of files) {
    // sigstore-js CI runs `sigstore verify` with no identity policy: any identity, any issuer.
    const v = await verifyBundle(readFileSync(join(dir, f)), { trustedRoot: PROD_ROOT, identity: { subjectRegExp: '.*', issuerRegExp: '.*' } });
    assert.equal(v.content, 'dsse', f);
    assert.deepEqual(Buffer.from(v.payload ?? []), statement, `${f}: payload is statement.json`);
    assert.equal(v.statement?.subject[0]?.name, 'pkg:npm/sigstore@1.0.0');
    assert.ok(v.tlogEntries.length >= 1, f);
  }
});

test('cosign oci-attestation: verifies for the empty image digest; fails for identity "wrong" and another digest', async () => {
  const bundle = readFileSync(join(DATA, 'cosign/oci-attestation.sigstore.json'));
  const digest = { sha256: '732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4' };
  const v = await verifyBundle(bundle, { digest, trustedRoot: PGI_ROOT, identity: { subjectRegExp: '.*', issuerRegExp: '.*/.*' } });
  assert.equal(v.statement?.predicateType, 'https://cosign.sigstore.dev/attestation/v1');
  assert.equal(v.signer.kind === 'certificate' && v.signer.subjectAlternativeName, 'cody@soyland.com');
  assert.equal(v.signer.kind === 'certificate' && v.signer.issuer, 'https://github.com/login/oauth');
  await assert.rejects(verifyBundle(bundle, { digest, trustedRoot: PGI_ROOT, identity: { subjectRegExp: 'wrong', issuerRegExp: '.*' } }), code('VERIFY_IDENTITY'));
  await assert.rejects(verifyBundle(bundle, { digest: { sha256: 'ab'.repeat(32) }, trustedRoot: PGI_ROOT, identity: { subjectRegExp: '.*', issuerRegExp: '.*' } }), code('VERIFY_DIGEST'));
  // Exact by default, and a regex must match the whole identity (sigstore-js would accept "soyland").
  await assert.rejects(verifyBundle(bundle, { digest, trustedRoot: PGI_ROOT, identity: { subject: 'cody@soyland.co', issuer: 'https://github.com/login/oauth' } }), code('VERIFY_IDENTITY'));
  await assert.rejects(verifyBundle(bundle, { digest, trustedRoot: PGI_ROOT, identity: { subjectRegExp: 'soyland', issuer: 'https://github.com/login/oauth' } }), code('VERIFY_IDENTITY'));
  await assert.rejects(verifyBundle(bundle, { digest, trustedRoot: PGI_ROOT, identity: { subject: 'cody@soyland.com', issuer: 'https://github.com/login' } }), code('VERIFY_IDENTITY'));
  // A root that trusts nothing: the chain cannot be built.
  const empty = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  await assert.rejects(verifyBundle(bundle, { digest, trustedRoot: empty, identity: { subjectRegExp: '.*', issuerRegExp: '.*' } }), code('VERIFY_CHAIN'));
});

test('grype attestations: bare DSSE envelopes verify with cosign.pub, not with another key or when tampered', async () => {
  const dir = join(DATA, 'grype-attestations');
  const key = readFileSync(join(dir, 'cosign.pub'));
  const syft = await verifyBundle(readFileSync(join(dir, 'alpine.att.json')), { key });
  assert.equal(syft.statement?.predicateType, 'https://syft.dev/bom');
  assert.equal((syft.statement?.predicate as { artifacts: unknown[] }).artifacts.length, 14);
  const cdx = await verifyBundle(readFileSync(join(dir, 'alpine.cdx.att.json')), { key });
  assert.equal(cdx.statement?.predicateType, 'https://cyclonedx.org/bom');
  await assert.rejects(verifyBundle(readFileSync(join(dir, 'alpine.att.json')), { key: readFileSync(join(dir, 'another_cosign.pub')) }), code('VERIFY_SIGNATURE'));
  await assert.rejects(verifyBundle(readFileSync(join(dir, 'alpine.att.json')), { key: readFileSync(join(dir, 'cosign_broken.pub')) }), code('KEY_INVALID'));
  await assert.rejects(verifyBundle(readFileSync(join(dir, 'alpine-tampered.att.json')), { key }), code('VERIFY_SIGNATURE'));
  await assert.rejects(verifyBundle(readFileSync(join(dir, 'alpine-tampered.cdx.att.json')), { key }), code('VERIFY_SIGNATURE'));
  // A plain SBOM that merely mentions the in-toto media type is not an envelope.
  await assert.rejects(verifyBundle(readFileSync(join(dir, 'sbom-with-intoto-string.json')), { key }), code('BUNDLE_INVALID'));
});

test('a key bundle without a key, a certificate bundle without an identity policy: clear errors', async () => {
  const b = readFileSync(join(DATA, 'conformance/bundle-verify/managed-key-happy-path/bundle.sigstore.json'));
  await assert.rejects(verifyBundle(b, { artifact: readFileSync(join(DATA, 'conformance/a.txt')), trustedRoot: PROD_ROOT }), code('VERIFY_KEY'));
  const c = readFileSync(join(DATA, 'conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json'));
  await assert.rejects(verifyBundle(c, { artifact: readFileSync(join(DATA, 'conformance/a.txt')), trustedRoot: PROD_ROOT }), code('USAGE'));
});

test('malformed trusted roots and bundles are named as such', async () => {
  const c = readFileSync(join(DATA, 'conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json'));
  const artifact = readFileSync(join(DATA, 'conformance/a.txt'));
  const identity = { subjectRegExp: '.*', issuerRegExp: '.*' };
  await assert.rejects(verifyBundle(c, { artifact, identity, trustedRoot: '{"mediaType": 1' }), code('TRUSTED_ROOT_INVALID'));
  await assert.rejects(verifyBundle(c, { artifact, identity, trustedRoot: { mediaType: 'nope' } }), code('TRUSTED_ROOT_INVALID'));
  await assert.rejects(verifyBundle(c.subarray(0, c.length - 20), { artifact, identity, trustedRoot: PROD_ROOT }), code('BUNDLE_INVALID'));
  await assert.rejects(verifyBundle(Buffer.alloc(17 * 1024 * 1024, 0x20), { artifact, identity, trustedRoot: PROD_ROOT }), code('BUNDLE_INVALID'));
  await assert.rejects(verifyBundle('[]', { artifact, identity, trustedRoot: PROD_ROOT }), code('BUNDLE_INVALID'));
  await assert.rejects(verifyBundle({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }, { artifact, identity, trustedRoot: PROD_ROOT }), code('BUNDLE_INVALID'));
});

test('default root: @sigstore/tuf\'s embedded seed, offline; once its TUF root has expired, TRUSTED_ROOT_EXPIRED with a hint', async () => {
  const { loadDefaultTrustedRoot } = await import('../../../src/verify/index.ts');
  const root = await loadDefaultTrustedRoot();
  assert.ok(root.tlogs.length > 0 && root.certificateAuthorities.length > 0);
  // The production bundle verifies against it with no --trusted-root.
  const c = readFileSync(join(DATA, 'conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json'));
  await verifyBundle(c, { artifact: readFileSync(join(DATA, 'conformance/a.txt')), identity: { subjectRegExp: 'https://github\\.com/sigstore-conformance/.*', issuer: 'https://token.actions.githubusercontent.com' } });
  await assert.rejects(loadDefaultTrustedRoot({ now: new Date('2040-01-01T00:00:00Z') }), (err: unknown) => {
    code('TRUSTED_ROOT_EXPIRED')(err);
    assert.match((err as VouchError).hint ?? '', /--trusted-root/);
    return true;
  });
});
