/** The Fulcio client against small local servers: the challenge rule, response shapes, bounds, errors. */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { fetchLogPublicKey, fetchTrustBundle, requestSigningCertificate, tokenChallenge } from '../../../../src/clients/index.ts';
import { isVouchError } from '../../../../src/core/index.ts';

const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
let server: Server;
let url = '';
let seen: { path?: string; body?: unknown } = {};
const routes: Record<string, (body: string) => [number, string]> = {};

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen = { path: req.url!, body: body === '' ? undefined : (JSON.parse(body) as unknown) };
      const [status, text] = (routes[req.url!] ?? (() => [404, '{"code":5,"message":"not found"}']))(body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
after(() => server.close());

test('the challenge is the verified email, else the subject', () => {
  assert.equal(tokenChallenge(jwt({ sub: 's', email: 'a@example.com', email_verified: true })), 'a@example.com');
  assert.equal(tokenChallenge(jwt({ sub: 'repo:o/r:ref:refs/heads/main' })), 'repo:o/r:ref:refs/heads/main');
  assert.throws(() => tokenChallenge(jwt({ sub: 's', email: 'a@example.com' })), /did not verify/);
  assert.throws(() => tokenChallenge(jwt({})), /neither an email nor a subject/);
  assert.throws(() => tokenChallenge('garbage'), /not a JWT/);
});

test('requestSigningCertificate sends Fulcio v2 JSON and reads either SCT shape', async () => {
  const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = kp.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const token = jwt({ sub: 's', email: 'a@example.com', email_verified: true });
  for (const shape of ['signedCertificateDetachedSct', 'signedCertificateEmbeddedSct']) {
    routes['/api/v2/signingCert'] = () => [201, JSON.stringify({ [shape]: { chain: { certificates: [PEM, PEM] } } })];
    const chain = await requestSigningCertificate(url, token, pem, (c) => sign('sha256', c, kp.privateKey));
    assert.deepEqual(chain, [PEM, PEM]);
  }
  const body = seen.body as { credentials: { oidcIdentityToken: string }; publicKeyRequest: { publicKey: { algorithm: string; content: string }; proofOfPossession: string } };
  assert.equal(seen.path, '/api/v2/signingCert');
  assert.equal(body.credentials.oidcIdentityToken, token);
  assert.deepEqual(body.publicKeyRequest.publicKey, { algorithm: 'ECDSA', content: pem });
  assert.ok(body.publicKeyRequest.proofOfPossession.length > 0);

  routes['/api/v2/signingCert'] = () => [201, '{"signedCertificateDetachedSct":{"chain":{"certificates":[]}}}'];
  await assert.rejects(requestSigningCertificate(url, token, pem, () => Buffer.alloc(1)), (e: unknown) => isVouchError(e) && e.code === 'CA_REQUEST_FAILED' && /no certificate chain/.test(e.message));
  routes['/api/v2/signingCert'] = () => [401, '{"code":16,"message":"the identity token has expired"}'];
  await assert.rejects(requestSigningCertificate(url, token, pem, () => Buffer.alloc(1)), /HTTP 401: the identity token has expired/);
  routes['/api/v2/signingCert'] = () => [200, 'x'.repeat(2 * 1024 * 1024)];
  await assert.rejects(requestSigningCertificate(url, token, pem, () => Buffer.alloc(1)), /over 1048576 bytes/);
  await assert.rejects(requestSigningCertificate('http://127.0.0.1:1', token, pem, () => Buffer.alloc(1)), /cannot reach/);
});

test('trust bundle and log key fetchers', async () => {
  routes['/api/v2/trustBundle'] = () => [200, JSON.stringify({ chains: [{ certificates: [PEM] }, { certificates: 'junk' }] })];
  assert.deepEqual(await fetchTrustBundle(url), [[PEM]]);
  routes['/api/v2/trustBundle'] = () => [200, '{"chains":[]}'];
  await assert.rejects(fetchTrustBundle(url), (e: unknown) => isVouchError(e) && e.code === 'TRUST_ROOT_ERROR');
  routes['/api/v1/log/publicKey'] = () => [200, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'];
  assert.match(await fetchLogPublicKey(url), /BEGIN PUBLIC KEY/);
  routes['/api/v1/log/publicKey'] = () => [200, 'hello'];
  await assert.rejects(fetchLogPublicKey(url), /not a PEM public key/);
});
