/** The CA's pure parts: configuration parsing, DER strings, trust root and signing config documents. */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { buildSigningConfig, buildTrustedRoot, caSettings, loadOrCreateAuthority, parseDuration, parseIssuerSpec, principalOf } from '../../../../src/servers/ca/index.ts';
import { derUtf8String } from '../../../../src/servers/ca/der.ts';

test('--oidc-issuer URL[=JWKS_FILE], durations and the ca: config section', () => {
  assert.deepEqual(parseIssuerSpec('https://accounts.example.com'), { url: 'https://accounts.example.com', jwksFile: undefined });
  assert.deepEqual(parseIssuerSpec('https://issuer.internal/realm=/etc/jwks.json'), { url: 'https://issuer.internal/realm', jwksFile: '/etc/jwks.json' });
  assert.throws(() => parseIssuerSpec('ftp://x'), /expected an http\(s\) URL/);
  assert.throws(() => parseIssuerSpec('https://x='), /missing JWKS file/);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.throws(() => parseDuration('30s'), /1m to 24h/);
  assert.throws(() => parseDuration('2d'), /1m to 24h/);
  const s = caSettings({ 'oidc-issuer': ['https://a.example'], 'cert-validity': '20m' }, { oidcIssuers: [{ url: 'https://b.example', jwks: '/k.json' }, 'https://c.example'], certValidity: '5m', devOidc: true });
  assert.deepEqual(s.issuers.map((i) => i.url), ['https://a.example', 'https://b.example', 'https://c.example']);
  assert.equal(s.issuers[1]!.jwksFile, '/k.json');
  assert.equal(s.certValidityMs, 20 * 60_000);
  assert.equal(s.devOidc, true);
  assert.throws(() => caSettings({ 'oidc-issuer': ['https://a.example', 'https://a.example'] }, {}), /configured twice/);
  assert.throws(() => caSettings({}, { oidcIssuers: 'https://a.example' }), /expected a list/);
  assert.throws(() => caSettings({}, { oidcIssuers: [42] }), /each entry/);
  assert.throws(() => caSettings({}, { oidcIssuer: ['https://a.example'] }), /unknown key ca.oidcIssuer/);
  assert.throws(() => caSettings({}, { certValidity: 600 }), /ca.certValidity must be a string/);
});

test('DER UTF8String lengths: short and long forms (X.690 §8.1.3)', () => {
  assert.deepEqual([...derUtf8String('ab')], [0x0c, 2, 0x61, 0x62]);
  const long = derUtf8String('x'.repeat(300));
  assert.deepEqual([...long.subarray(0, 4)], [0x0c, 0x82, 0x01, 0x2c]);
  assert.equal(long.length, 304);
  assert.deepEqual([...derUtf8String('é').subarray(0, 2)], [0x0c, 2]);
});

test('identities: email needs email_verified true; a URI subject; a plain subject is refused', () => {
  assert.equal(principalOf({ sub: 'x', email: 'a@b.example', email_verified: true }, 'https://i').san.value, 'a@b.example');
  assert.throws(() => principalOf({ sub: 'x', email: 'a@b.example', email_verified: 'true' }, 'https://i'), /did not verify/);
  assert.deepEqual(principalOf({ sub: 'spiffe://td/ns/x' }, 'https://i').san, { type: 'url', value: 'spiffe://td/ns/x' });
  assert.throws(() => principalOf({ sub: 'javascript:alert(1)' }, 'https://i'), /not a URI/);
});

test('trusted_root.json: loads in @sigstore/verify; log id is SHA-256 of the DER key; key details per key type', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-ca-parts-'));
  try {
    const authority = await loadOrCreateAuthority({ dir, password: 'p' });
    for (const [kp, details] of [
      [generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'PKIX_ECDSA_P256_SHA_256'],
      [generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'PKIX_ECDSA_P384_SHA_384'],
      [generateKeyPairSync('ed25519'), 'PKIX_ED25519'],
      [generateKeyPairSync('rsa', { modulusLength: 2048 }), 'PKIX_RSA_PKCS1V15_2048_SHA256'],
    ] as const) {
      const root = buildTrustedRoot({ caUrl: 'https://ca', chains: [authority.chainPem], logUrl: 'https://log', logPublicKeyPem: kp.publicKey.export({ type: 'spki', format: 'pem' }) as string });
      const tlog = root.tlogs[0] as { publicKey: { keyDetails: string; rawBytes: string }; logId: { keyId: string } };
      assert.equal(tlog.publicKey.keyDetails, details);
      assert.equal(tlog.logId.keyId, createHash('sha256').update(kp.publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
      // sigstore-js reads PKIX_RSA_* raw bytes as PKCS#1, not the SPKI the spec names: RSA logs are not loaded there.
      if (details.startsWith('PKIX_RSA')) continue;
      const tm = toTrustMaterial(TrustedRoot.fromJSON(root));
      assert.equal(tm.certificateAuthorities.length, 1);
      assert.equal(tm.certificateAuthorities[0]!.certChain.length, 2);
      assert.equal(tm.tlogs.length, 1);
    }
    const x448 = generateKeyPairSync('x448').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    assert.throws(() => buildTrustedRoot({ caUrl: 'https://ca', chains: [authority.chainPem], logUrl: 'https://log', logPublicKeyPem: x448 }), /unsupported log key type/);
    assert.throws(() => buildTrustedRoot({ caUrl: 'https://ca', chains: [['junk']], logUrl: 'https://log', logPublicKeyPem: x448 }), /not a certificate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('signing_config.json v0.2 names the CA, OIDC and log URLs', () => {
  const sc = buildSigningConfig({ caUrl: 'https://ca', logUrl: 'https://log', oidcUrls: ['https://oidc'] }) as { mediaType: string; caUrls: { url: string }[]; oidcUrls: { url: string }[]; rekorTlogUrls: { url: string; majorApiVersion: number }[]; rekorTlogConfig: { selector: string } };
  assert.equal(sc.mediaType, 'application/vnd.dev.sigstore.signingconfig.v0.2+json');
  assert.deepEqual([sc.caUrls[0]!.url, sc.oidcUrls[0]!.url, sc.rekorTlogUrls[0]!.url, sc.rekorTlogUrls[0]!.majorApiVersion, sc.rekorTlogConfig.selector], ['https://ca', 'https://oidc', 'https://log', 1, 'ANY']);
});
