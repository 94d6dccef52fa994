/**
 * The keyless flow as an operator and a user run it: `vouch serve ca log --dev-oidc` on one port,
 * a token from the development issuer, `vouch trust-root` (from the running services and from
 * the data folder), sigstore-js signing with the Vouch CA and log, `vouch verify-blob` with the
 * trust root (exact identity), and the CLI's usage errors.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { bundleToJSON } from '@sigstore/bundle';
import { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'vouch-ca-keyless-'));
const data = join(work, 'data');
const env = { ...process.env, NO_COLOR: '1', VOUCH_CA_PASSWORD: 'ca-test-password', VOUCH_LOG_KEY_PASSWORD: 'log-test-password' };
let child: ChildProcess;
let url = '';
let stderr = '';

function vouch(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd: work, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function mint(body: unknown): Promise<string> {
  const res = await fetch(`${url}/dev-oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { id_token: string }).id_token;
}

before(async () => {
  child = spawn(process.execPath, [BIN, 'serve', 'ca', 'log', '--dev-oidc', '--listen', '127.0.0.1:0', '--json', '--data', data], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
  });
  url = (JSON.parse(first) as { url: string }).url;
});
after(async () => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  rmSync(work, { recursive: true, force: true });
});

test('serve --dev-oidc warns, serves discovery, and the CA trusts its tokens', async () => {
  assert.match(stderr, /FOR TESTING ONLY/);
  const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  assert.equal(discovery.issuer, url);
  assert.equal((await fetch(discovery.jwks_uri)).status, 200);
  const conf = (await (await fetch(`${url}/api/v2/configuration`)).json()) as { issuers: { issuerUrl: string }[] };
  assert.deepEqual(conf.issuers.map((i) => i.issuerUrl), [url]);
  const sc = (await (await fetch(`${url}/.well-known/sigstore/signing_config.json`)).json()) as { mediaType: string; caUrls: { url: string }[]; rekorTlogUrls: { url: string }[]; oidcUrls: { url: string }[] };
  assert.equal(sc.mediaType, 'application/vnd.dev.sigstore.signingconfig.v0.2+json');
  assert.equal(sc.caUrls[0]!.url, url);
  assert.equal(sc.rekorTlogUrls[0]!.url, url);
  assert.equal(sc.oidcUrls[0]!.url, url);
});

test('trust-root from the services and from the data folder; sigstore-js signs; vouch verify-blob checks the exact identity', async () => {
  const r = vouch(['trust-root', '--ca-url', url, '--out', 'trusted_root.json', '--signing-config', 'signing_config.json', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { certificateAuthorities: number }).certificateAuthorities, 1);
  const root = JSON.parse(readFileSync(join(work, 'trusted_root.json'), 'utf8')) as {
    mediaType: string;
    ctlogs: unknown[];
    timestampAuthorities: unknown[];
    tlogs: { baseUrl: string; publicKey: { rawBytes: string; keyDetails: string }; logId: { keyId: string } }[];
    certificateAuthorities: { certChain: { certificates: unknown[] } }[];
  };
  assert.equal(root.mediaType, 'application/vnd.dev.sigstore.trustedroot+json;version=0.1');
  assert.deepEqual(root.ctlogs, []);
  assert.deepEqual(root.timestampAuthorities, []);
  assert.equal(root.certificateAuthorities[0]!.certChain.certificates.length, 2);
  const tlog = root.tlogs[0]!;
  assert.equal(tlog.baseUrl, url);
  assert.equal(tlog.logId.keyId, createHash('sha256').update(Buffer.from(tlog.publicKey.rawBytes, 'base64')).digest('base64'));
  assert.equal(tlog.publicKey.keyDetails, 'PKIX_ECDSA_P256_SHA_256');
  const sc = JSON.parse(readFileSync(join(work, 'signing_config.json'), 'utf8')) as { caUrls: { url: string; majorApiVersion: number }[]; rekorTlogUrls: { url: string }[]; tsaUrls: unknown[] };
  assert.deepEqual([sc.caUrls[0]!.url, sc.caUrls[0]!.majorApiVersion, sc.rekorTlogUrls[0]!.url, sc.tsaUrls.length], [url, 1, url, 0]);
  // The same trust root, offline from the data folder, and as served by the server.
  const offline = vouch(['trust-root', '--data', data, '--ca-url', url, '--out', '-']);
  assert.equal(offline.code, 0, offline.stderr);
  assert.deepEqual(JSON.parse(offline.stdout), root);
  assert.deepEqual(await (await fetch(`${url}/.well-known/sigstore/trusted_root.json`)).json(), root);

  const email = 'dev@example.com';
  const token = await mint({ email });
  const builder = new MessageSignatureBundleBuilder({
    signer: new FulcioSigner({ fulcioBaseURL: url, identityProvider: { getToken: () => Promise.resolve(token) } }),
    witnesses: [new RekorWitness({ rekorBaseURL: url })],
  });
  const artifact = join(work, 'artifact.txt');
  writeFileSync(artifact, 'release 1.0\n');
  writeFileSync(join(work, 'artifact.sigstore.json'), JSON.stringify(bundleToJSON(await builder.create({ data: readFileSync(artifact) }))));
  const verify = (identity: string, issuer = url) =>
    vouch(['verify-blob', artifact, '--bundle', join(work, 'artifact.sigstore.json'), '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, '--trusted-root', join(work, 'trusted_root.json')]);
  const ok = verify(email);
  assert.equal(ok.code, 0, ok.stderr);
  const wrong = verify('dev@example.co');
  assert.equal(wrong.code, 1, wrong.stderr);
  assert.match(wrong.stderr, /VERIFY_IDENTITY/);
  assert.equal(verify(email, 'https://other.example').code, 1);

  // vouch sign-blob keyless: ephemeral key → this CA → this log → bundle v0.3 with the leaf certificate.
  const signed = vouch(['sign-blob', artifact, '--identity-token', await mint({ email }), '--fulcio-url', url, '--bundle', join(work, 'vouch.sigstore.json')]);
  assert.equal(signed.code, 0, signed.stderr);
  const vouchBundle = JSON.parse(readFileSync(join(work, 'vouch.sigstore.json'), 'utf8')) as { mediaType: string; verificationMaterial: { certificate?: unknown; tlogEntries: unknown[] } };
  assert.equal(vouchBundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  assert.ok(vouchBundle.verificationMaterial.certificate);
  assert.equal(vouchBundle.verificationMaterial.tlogEntries.length, 1);
  const ok2 = vouch(['verify-blob', artifact, '--bundle', join(work, 'vouch.sigstore.json'), '--certificate-identity', email, '--certificate-oidc-issuer', url, '--trusted-root', join(work, 'trusted_root.json')]);
  assert.equal(ok2.code, 0, ok2.stderr);
  const both = vouch(['sign-blob', artifact, '--identity-token', 'x.y.z', '--key', 'k.pem']);
  assert.equal(both.code, 2);
  const refused = vouch(['sign-blob', artifact, '--identity-token', await mint({ email, aud: 'other' }), '--fulcio-url', url]);
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /audience/);
});

test('usage and configuration errors', () => {
  const noUrl = vouch(['trust-root']);
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.stderr, /needs --ca-url \[USAGE\]/);
  const badIssuer = vouch(['serve', 'ca', '--oidc-issuer', 'not-a-url', '--listen', '127.0.0.1:0', '--data', join(work, 'bad')]);
  assert.equal(badIssuer.code, 2);
  assert.match(badIssuer.stderr, /expected an http\(s\) URL.*\[CA_CONFIG\]/);
  const badValidity = vouch(['serve', 'ca', '--cert-validity', '10d', '--listen', '127.0.0.1:0', '--data', join(work, 'bad')]);
  assert.equal(badValidity.code, 2);
  assert.match(badValidity.stderr, /\[CA_CONFIG\]/);
  const unreachable = vouch(['trust-root', '--ca-url', 'http://127.0.0.1:1', '--out', '-']);
  assert.equal(unreachable.code, 3);
  assert.match(unreachable.stderr, /\[(CA_REQUEST_FAILED|TRUST_ROOT_ERROR)\]/);
});
