/**
 * Keyless signing against real peers: sigstore-js (`@sigstore/sign` with `fulcioURL`/`rekorURL`
 * pointed at Vouch's CA and log, mounted in one server) signs; `@sigstore/verify` with Vouch's
 * trusted root verifies (ctlogThreshold 0: no CT log), and Vouch's verifier too. The other way:
 * Vouch signs keyless (ephemeral key → Vouch CA certificate → log entry → bundle v0.3) and
 * sigstore-js verifies. Tokens come from a separate test issuer (a jose key + a static JWKS file).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { fulcioCertificateProvider } from '../../src/clients/index.ts';
import { collectTrustMaterial, createCaService } from '../../src/servers/ca/index.ts';
import { startServer, type RunningServer } from '../../src/servers/http/index.ts';
import { createLogService } from '../../src/servers/log/index.ts';
import { rekorWitness, signingKeyFrom, signMessageBundle } from '../../src/sign/index.ts';
import { verifyBundle } from '../../src/verify/index.ts';

const ISSUER = 'https://oidc.interop.example';
const EMAIL = 'signer@example.com';
const work = mkdtempSync(join(tmpdir(), 'vouch-keyless-'));
let server: RunningServer;
let url = '';
let signJwt: (claims: JWTPayload) => Promise<string>;
let trustedRootJson: unknown;

before(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  writeFileSync(join(work, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));
  signJwt = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience('sigstore').setIssuedAt().setExpirationTime('5m').sign(privateKey);
  const ca = await createCaService({ dataDir: work, issuers: [{ url: ISSUER, jwksFile: join(work, 'jwks.json') }], password: 'interop', publicUrl: () => url });
  const log = await createLogService({ dir: join(work, 'log'), publicUrl: () => url, env: {}, synchronous: 'NORMAL' });
  server = await startServer({ host: '127.0.0.1', port: 0, services: [ca, log] });
  url = server.url;
  const served = await fetch(`${url}/.well-known/sigstore/trusted_root.json`);
  assert.equal(served.status, 200);
  trustedRootJson = await served.json();
  // `vouch trust-root`'s library entry point builds the same document from the two APIs.
  assert.deepEqual((await collectTrustMaterial({ caUrl: url, logUrl: url })).trustedRoot, trustedRootJson);
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

function sigstoreVerify(bundleJson: unknown, data: Buffer, san: string): void {
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRootJson)), { tlogThreshold: 1, ctlogThreshold: 0, tsaThreshold: 0 });
  verifier.verify(toSignedEntity(bundleFromJSON(bundleJson), data), { subjectAlternativeName: san, extensions: { issuer: ISSUER } });
}

test('sigstore-js signs with Vouch CA + log; @sigstore/verify and Vouch both verify with the Vouch trust root', async () => {
  const token = await signJwt({ sub: 'user-1', email: EMAIL, email_verified: true });
  const builder = new MessageSignatureBundleBuilder({
    signer: new FulcioSigner({ fulcioBaseURL: url, identityProvider: { getToken: () => Promise.resolve(token) } }),
    witnesses: [new RekorWitness({ rekorBaseURL: url })],
  });
  const data = Buffer.from('hello from sigstore-js\n');
  const bundle = bundleToJSON(await builder.create({ data }));
  const vm = bundle.verificationMaterial as { certificate?: unknown; x509CertificateChain?: { certificates: unknown[] } };
  assert.ok(vm.certificate !== undefined || vm.x509CertificateChain !== undefined, `a certificate bundle (${bundle.mediaType})`);
  sigstoreVerify(bundle, data, EMAIL);
  const verified = await verifyBundle(bundle, { artifact: data, identity: { subject: EMAIL, issuer: ISSUER }, trustedRoot: trustedRootJson });
  assert.ok(verified);
  // Wrong identity, wrong issuer, other content: refused by both.
  assert.throws(() => sigstoreVerify(bundle, data, 'mallory@example.com'));
  await assert.rejects(verifyBundle(bundle, { artifact: data, identity: { subject: 'signer@example.co', issuer: ISSUER }, trustedRoot: trustedRootJson }));
  await assert.rejects(verifyBundle(bundle, { artifact: data, identity: { subject: EMAIL, issuer: 'https://other.example' }, trustedRoot: trustedRootJson }));
  await assert.rejects(verifyBundle(bundle, { artifact: Buffer.from('other'), identity: { subject: EMAIL, issuer: ISSUER }, trustedRoot: trustedRootJson }));
});

test('Vouch signs keyless (ephemeral key, Vouch CA, Vouch log witness); sigstore-js and Vouch verify', async () => {
  const token = await signJwt({ sub: 'user-2', email: EMAIL, email_verified: true });
  const key = signingKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const data = Buffer.from('hello from vouch\n');
  const bundle = await signMessageBundle({ key, artifact: data, certificateProvider: fulcioCertificateProvider(url, token), witnesses: [rekorWitness({ baseUrl: url })] });
  assert.ok(bundle.verificationMaterial.certificate);
  sigstoreVerify(bundle, data, EMAIL);
  await verifyBundle(bundle, { artifact: data, identity: { subject: EMAIL, issuer: ISSUER }, trustedRoot: trustedRootJson });
});
