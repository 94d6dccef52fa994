/**
 * The CA in-process over a real socket: tokens from a separate test issuer (a jose key and a static
 * JWKS file) and from the development issuer through discovery; proof of possession, CSR, the
 * certificate's contents, and every refusal (4xx with a reason and no certificate).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { requestSigningCertificate, tokenChallenge } from '../../../../src/clients/index.ts';
import { isVouchError } from '../../../../src/core/index.ts';
import { createCaService, loadOrCreateAuthority, type CaService } from '../../../../src/servers/ca/index.ts';
import { startServer, type RunningServer } from '../../../../src/servers/http/index.ts';
import { x509 } from '../../../../src/servers/ca/x509.ts';
import { createDevOidc } from '../../../../src/servers/oidc-dev/index.ts';

const ISSUER = 'https://issuer.test.example';
const GITHUB = 'https://token.actions.githubusercontent.com';
const work = mkdtempSync(join(tmpdir(), 'vouch-ca-'));
type Signer = { key: Parameters<SignJWT['sign']>[0]; alg: string; kid: string };
const signers: Record<'es' | 'rs' | 'ed' | 'other', Signer> = {} as never;
let server: RunningServer;
let ca: CaService;
let url: string;

async function token(claims: JWTPayload, opts: { signer?: Signer; iss?: string; aud?: string; exp?: number | string; nbf?: number } = {}): Promise<string> {
  const s = opts.signer ?? signers.es;
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: s.alg, kid: s.kid }).setIssuer(opts.iss ?? ISSUER).setAudience(opts.aud ?? 'sigstore').setIssuedAt().setExpirationTime(opts.exp ?? '5m');
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(s.key);
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const popSigner = (k: KeyObject) => (challenge: Buffer) => sign('sha256', challenge, k);

async function post(body: unknown, raw?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/v2/signingCert`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function pkRequest(tok: string, pem: string, proof: Buffer) {
  return { credentials: { oidcIdentityToken: tok }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: pem }, proofOfPossession: proof.toString('base64') } };
}

before(async () => {
  const jwks: JWK[] = [];
  for (const [name, alg] of [['es', 'ES256'], ['rs', 'RS256'], ['ed', 'EdDSA'], ['other', 'ES256']] as const) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = name === 'other' ? 'es' : name; // "other" claims the ES key's id but is not in the JWKS
    signers[name] = { key: privateKey, alg, kid };
    if (name !== 'other') jwks.push({ ...(await exportJWK(publicKey)), kid, alg });
  }
  writeFileSync(join(work, 'jwks.json'), JSON.stringify({ keys: jwks }));
  ca = await createCaService({
    dataDir: join(work, 'data'),
    issuers: [{ url: ISSUER, jwksFile: join(work, 'jwks.json') }, { url: GITHUB, jwksFile: join(work, 'jwks.json') }],
    password: 'test-ca-password',
    publicUrl: () => url,
  });
  server = await startServer({ host: '127.0.0.1', port: 0, services: [ca] });
  url = server.url;
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('issuing', () => {
  test('an email identity gets a 10-minute code-signing certificate chaining to the root, with the Sigstore issuer extensions', async () => {
    const tok = await token({ sub: 'u-1', email: 'alice@example.com', email_verified: true });
    assert.equal(tokenChallenge(tok), 'alice@example.com');
    const chain = await requestSigningCertificate(url, tok, ecPem, popSigner(ec.privateKey));
    assert.equal(chain.length, 3);
    const [leaf, inter, root] = chain.map((p) => new x509.X509Certificate(p)) as [x509.X509Certificate, x509.X509Certificate, x509.X509Certificate];
    assert.equal(leaf.subject, '');
    assert.equal(leaf.notAfter.getTime() - leaf.notBefore.getTime(), 10 * 60_000);
    assert.ok(await leaf.verify({ publicKey: inter, signatureOnly: true }));
    assert.ok(await inter.verify({ publicKey: root, signatureOnly: true }));
    assert.ok(await root.isSelfSigned());
    assert.deepEqual(Buffer.from(leaf.publicKey.rawData), ec.publicKey.export({ type: 'spki', format: 'der' }));
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)!;
    assert.equal(san.critical, true);
    assert.deepEqual(san.names.toJSON(), [{ type: 'email', value: 'alice@example.com' }]);
    assert.deepEqual([...leaf.getExtension(x509.ExtendedKeyUsageExtension)!.usages], [x509.ExtendedKeyUsage.codeSigning]);
    assert.equal(leaf.getExtension(x509.BasicConstraintsExtension)!.ca, false);
    assert.equal(leaf.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.digitalSignature);
    assert.equal(Buffer.from(leaf.getExtension('1.3.6.1.4.1.57264.1.1')!.value).toString(), ISSUER);
    // .8: DER UTF8String (tag 0x0C, length, bytes).
    const v8 = Buffer.from(leaf.getExtension('1.3.6.1.4.1.57264.1.8')!.value);
    assert.equal(v8[0], 0x0c);
    assert.equal(v8[1], ISSUER.length);
    assert.equal(v8.subarray(2).toString(), ISSUER);
  });

  test('RS256 and EdDSA tokens are accepted; an Ed25519 subject key too', async () => {
    for (const signer of [signers.rs, signers.ed]) {
      const chain = await requestSigningCertificate(url, await token({ sub: 'spiffe://example.org/build' }, { signer }), ecPem, popSigner(ec.privateKey));
      const san = new x509.X509Certificate(chain[0]!).getExtension(x509.SubjectAlternativeNameExtension)!;
      assert.deepEqual(san.names.toJSON(), [{ type: 'url', value: 'spiffe://example.org/build' }]);
    }
    const ed = generateKeyPairSync('ed25519');
    const chain = await requestSigningCertificate(url, await token({ sub: 'https://ci.example/job/7' }), ed.publicKey.export({ type: 'spki', format: 'pem' }) as string, (c) => sign(null, c, ed.privateKey));
    assert.equal(new x509.X509Certificate(chain[0]!).publicKey.algorithm.name, 'Ed25519');
  });

  test('a GitHub Actions token gets the workflow URI and the workflow extensions', async () => {
    const claims = {
      sub: 'repo:octo/demo:ref:refs/heads/main',
      job_workflow_ref: 'octo/demo/.github/workflows/release.yml@refs/heads/main',
      job_workflow_sha: 'a'.repeat(40),
      workflow_ref: 'octo/demo/.github/workflows/release.yml@refs/heads/main',
      workflow_sha: 'b'.repeat(40),
      repository: 'octo/demo',
      repository_id: '123',
      repository_owner: 'octo',
      repository_owner_id: '456',
      repository_visibility: 'public',
      ref: 'refs/heads/main',
      sha: 'c'.repeat(40),
      event_name: 'push',
      workflow: 'Release',
      runner_environment: 'github-hosted',
      run_id: '99',
      run_attempt: '2',
    };
    const chain = await requestSigningCertificate(url, await token(claims, { iss: GITHUB }), ecPem, popSigner(ec.privateKey));
    const leaf = new x509.X509Certificate(chain[0]!);
    assert.deepEqual(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON(), [{ type: 'url', value: 'https://github.com/octo/demo/.github/workflows/release.yml@refs/heads/main' }]);
    const der = (arc: number) => Buffer.from(leaf.getExtension(`1.3.6.1.4.1.57264.1.${arc}`)!.value).subarray(2).toString();
    const raw = (arc: number) => Buffer.from(leaf.getExtension(`1.3.6.1.4.1.57264.1.${arc}`)!.value).toString();
    assert.equal(raw(2), 'push');
    assert.equal(raw(3), 'c'.repeat(40));
    assert.equal(raw(4), 'Release');
    assert.equal(raw(5), 'octo/demo');
    assert.equal(raw(6), 'refs/heads/main');
    assert.equal(der(8), GITHUB);
    assert.equal(der(9), 'https://github.com/octo/demo/.github/workflows/release.yml@refs/heads/main');
    assert.equal(der(10), 'a'.repeat(40));
    assert.equal(der(11), 'github-hosted');
    assert.equal(der(12), 'https://github.com/octo/demo');
    assert.equal(der(15), '123');
    assert.equal(der(16), 'https://github.com/octo');
    assert.equal(der(18), 'https://github.com/octo/demo/.github/workflows/release.yml@refs/heads/main');
    assert.equal(der(20), 'push');
    assert.equal(der(21), 'https://github.com/octo/demo/actions/runs/99/attempts/2');
    assert.equal(der(22), 'public');
  });

  test('a PKCS#10 CSR is accepted as the proof of possession', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=ignored', keys: keys as never, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
    const tok = await token({ sub: 'u', email: 'bob@example.com', email_verified: true });
    const { status, json } = await post({ credentials: { oidcIdentityToken: tok }, certificateSigningRequest: Buffer.from(csr.toString('pem')).toString('base64') });
    assert.equal(status, 201, JSON.stringify(json));
    const certs = (json.signedCertificateDetachedSct as { chain: { certificates: string[] } }).chain.certificates;
    const leaf = new x509.X509Certificate(certs[0]!);
    assert.deepEqual(Buffer.from(leaf.publicKey.rawData), Buffer.from(csr.publicKey.rawData));
  });

  test('trust bundle and configuration', async () => {
    const bundle = (await (await fetch(`${url}/api/v2/trustBundle`)).json()) as { chains: { certificates: string[] }[] };
    assert.deepEqual(bundle.chains[0]!.certificates, [...ca.authority.chainPem]);
    const conf = (await (await fetch(`${url}/api/v2/configuration`)).json()) as { issuers: { issuerUrl: string; audience: string }[] };
    assert.deepEqual(conf.issuers.map((i) => i.issuerUrl).sort(), [ISSUER, GITHUB].sort());
    assert.equal(conf.issuers[0]!.audience, 'sigstore');
  });
});

describe('refusals: a 4xx with a reason and no certificate', () => {
  const cases: [string, () => Promise<unknown>, number, RegExp][] = [
    ['expired token', async () => pkFor(await token({ sub: 'u', email: 'a@example.com', email_verified: true }, { exp: Math.floor(Date.now() / 1000) - 3600 })), 401, /expired/],
    ['token not yet valid', async () => pkFor(await token({ sub: 'u', email: 'a@example.com', email_verified: true }, { nbf: Math.floor(Date.now() / 1000) + 3600 })), 401, /not yet valid/],
    ['wrong audience', async () => pkFor(await token({ sub: 'u', email: 'a@example.com', email_verified: true }, { aud: 'someone-else' })), 401, /audience is not "sigstore"/],
    ['unknown issuer', async () => pkFor(await token({ sub: 'u', email: 'a@example.com', email_verified: true }, { iss: 'https://evil.example' })), 401, /unknown OIDC issuer "https:\/\/evil.example"/],
    ['bad signature (a key not in the JWKS, same kid)', async () => pkFor(await token({ sub: 'u', email: 'a@example.com', email_verified: true }, { signer: signers.other })), 401, /signature does not verify/],
    ['unverified email', async () => pkFor(await token({ sub: 'u', email: 'a@example.com', email_verified: false })), 401, /did not verify/],
    ['no identity token', async () => ({ publicKeyRequest: {} }), 401, /oidcIdentityToken is missing/],
    ['not a JWT', async () => pkFor('not.a.jwt'), 401, /not a JWT/],
    [
      'failed proof of possession (signature over another subject)',
      async () => pkRequest(await token({ sub: 'u', email: 'a@example.com', email_verified: true }), ecPem, sign('sha256', Buffer.from('mallory@example.com'), ec.privateKey)),
      400,
      /proof of possession failed/,
    ],
    [
      'unsupported key type (secp256k1)',
      async () => {
        const k = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
        return pkRequest(await token({ sub: 'u', email: 'a@example.com', email_verified: true }), k.publicKey.export({ type: 'spki', format: 'pem' }) as string, sign('sha256', Buffer.from('a@example.com'), k.privateKey));
      },
      400,
      /unsupported key type: ECDSA on secp256k1/,
    ],
    ['not a public key', async () => pkRequest(await token({ sub: 'u', email: 'a@example.com', email_verified: true }), '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', Buffer.from('x')), 400, /not a PEM public key/],
    ['neither key nor CSR', async () => ({ credentials: { oidcIdentityToken: await token({ sub: 'u', email: 'a@example.com', email_verified: true }) } }), 400, /neither publicKeyRequest nor certificateSigningRequest/],
    ['bad CSR', async () => ({ credentials: { oidcIdentityToken: await token({ sub: 'u', email: 'a@example.com', email_verified: true }) }, certificateSigningRequest: 'aGVsbG8=' }), 400, /not a PKCS#10/],
    ['publicKeyRequest is not an object', async () => ({ credentials: { oidcIdentityToken: await token({ sub: 'u', email: 'a@example.com', email_verified: true }) }, publicKeyRequest: null }), 400, /must be an object/],
    ['publicKey is null', async () => ({ credentials: { oidcIdentityToken: await token({ sub: 'u', email: 'a@example.com', email_verified: true }) }, publicKeyRequest: { publicKey: null } }), 400, /content \(a PEM public key\) is missing/],
    ['subject that names no identity', async () => pkFor(await token({ sub: 'plain-user' }), 'plain-user'), 401, /not a URI/],
  ];
  async function pkFor(tok: string, subject = 'a@example.com') {
    return pkRequest(tok, ecPem, sign('sha256', Buffer.from(subject), ec.privateKey));
  }
  for (const [name, body, status, message] of cases) {
    test(name, async () => {
      const res = await post(await body());
      assert.equal(res.status, status, JSON.stringify(res.json));
      assert.match(String(res.json.message), message);
      assert.equal(typeof res.json.code, 'number');
      assert.equal(res.json.signedCertificateDetachedSct, undefined);
      assert.equal(res.json.signedCertificateEmbeddedSct, undefined);
    });
  }

  test('bad JSON, a JSON array and an oversized body', async () => {
    assert.equal((await post(undefined, '{"credentials":')).status, 400);
    assert.equal((await post([1, 2])).status, 400);
    const big = await post({ credentials: { oidcIdentityToken: 'x'.repeat(100_000) } });
    assert.equal(big.status, 413);
  });

  test('the client reports the CA refusal as CA_REQUEST_FAILED with the reason', async () => {
    const tok = await token({ sub: 'u', email: 'a@example.com', email_verified: true }, { aud: 'nope' });
    await assert.rejects(requestSigningCertificate(url, tok, ecPem, popSigner(ec.privateKey)), (err: unknown) => isVouchError(err) && err.code === 'CA_REQUEST_FAILED' && /HTTP 401: .*audience/.test(err.message));
  });
});

describe('CA key material', () => {
  test('generated keys are encrypted and 0600; a restart loads the same chain; a wrong password is refused', async () => {
    const dir = join(work, 'data', 'ca');
    for (const f of ['root.key.pem', 'intermediate.key.pem']) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
      const pem = readFileSync(join(dir, f), 'utf8');
      assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
      assert.throws(() => createPrivateKey(pem));
    }
    const again = await loadOrCreateAuthority({ dir, password: 'test-ca-password' });
    assert.deepEqual(again.chainPem, ca.authority.chainPem);
    await assert.rejects(loadOrCreateAuthority({ dir, password: 'wrong' }), (err: unknown) => isVouchError(err) && err.code === 'CA_KEY_ERROR');
  });

  test('without VOUCH_CA_PASSWORD a password is generated once and stored 0600 beside the keys', async () => {
    const dir = join(work, 'nopass');
    const told: string[] = [];
    const first = await loadOrCreateAuthority({ dir, announce: (l) => told.push(l) });
    assert.equal(statSync(join(dir, 'ca.password')).mode & 0o777, 0o600);
    assert.equal(told.length, 1);
    const second = await loadOrCreateAuthority({ dir });
    assert.deepEqual(second.chainPem, first.chainPem);
  });

  test('a given chain and key (--ca-cert/--ca-key) are used; a key that does not match is refused', async () => {
    const dir = join(work, 'data', 'ca');
    const chainFile = join(work, 'chain.pem');
    writeFileSync(chainFile, readFileSync(join(dir, 'intermediate.pem'), 'utf8') + readFileSync(join(dir, 'root.pem'), 'utf8'));
    const given = await loadOrCreateAuthority({ dir: join(work, 'unused'), certFile: chainFile, keyFile: join(dir, 'intermediate.key.pem'), password: 'test-ca-password' });
    assert.deepEqual(given.chainPem, ca.authority.chainPem);
    await assert.rejects(
      loadOrCreateAuthority({ dir: join(work, 'unused'), certFile: chainFile, keyFile: join(dir, 'root.key.pem'), password: 'test-ca-password' }),
      (err: unknown) => isVouchError(err) && /does not match/.test(err.message),
    );
  });
});

test('an issuer found through discovery: the development OIDC issuer served over HTTP', async () => {
  let devUrl = '';
  const dev = await createDevOidc({ issuer: () => devUrl });
  const devServer = await startServer({ host: '127.0.0.1', port: 0, services: [dev] });
  devUrl = devServer.url;
  let caUrl = '';
  const ca2 = await createCaService({ dataDir: join(work, 'data'), issuers: [{ url: devUrl }], password: 'test-ca-password', publicUrl: () => caUrl });
  const caServer = await startServer({ host: '127.0.0.1', port: 0, services: [ca2] });
  caUrl = caServer.url;
  try {
    const minted = (await (await fetch(`${devUrl}/dev-oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'dev@example.com' }) })).json()) as { id_token: string };
    const chain = await requestSigningCertificate(caUrl, minted.id_token, ecPem, popSigner(ec.privateKey));
    assert.deepEqual(new x509.X509Certificate(chain[0]!).getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON(), [{ type: 'email', value: 'dev@example.com' }]);
    const bad = await fetch(`${devUrl}/dev-oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(bad.status, 400);
  } finally {
    await caServer.close();
    await devServer.close();
  }
});
