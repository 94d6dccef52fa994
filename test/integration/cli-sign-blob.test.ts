/**
 * Keys, blob signing and verification as a user runs them: generate-key-pair, import-key-pair
 * (openssl-made keys, cosign's test key), sign-blob, verify-blob, attest-blob,
 * verify-blob-attestation; exit codes and one-line errors; nothing written on failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const DATA = new URL('../../../shared/data/sigstore/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'vouch-cli-sign-'));
after(() => rmSync(work, { recursive: true, force: true }));

function vouch(args: string[], env: NodeJS.ProcessEnv = {}, cwd = work) {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete base.VOUCH_PASSWORD;
  delete base.COSIGN_PASSWORD;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...base, ...env }, timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const PW = { VOUCH_PASSWORD: 'correct horse' };
const ID = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

test('generate-key-pair: cosign\'s encrypted key (0600) and a public key; never overwrites without --force; no password and no terminal writes nothing', () => {
  const none = vouch(['generate-key-pair', '--output-key-prefix', 'nopw']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /\[PASSWORD_REQUIRED\]/);
  assert.ok(!existsSync(join(work, 'nopw.key')) && !existsSync(join(work, 'nopw.pub')));

  const r = vouch(['generate-key-pair'], PW);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(join(work, 'cosign.key'), 'utf8'), /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
  assert.match(readFileSync(join(work, 'cosign.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(statSync(join(work, 'cosign.key')).mode & 0o777, 0o600);
  const before = readFileSync(join(work, 'cosign.key'));
  const again = vouch(['generate-key-pair'], PW);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /^error: cosign\.key already exists \[KEY_EXISTS\]/m);
  assert.deepEqual(readFileSync(join(work, 'cosign.key')), before);
  const forced = vouch(['generate-key-pair', '--force', '--algorithm', 'ecdsa-p256', '--output-key-prefix', 'other', '--json'], PW);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(JSON.parse(forced.stdout), { privateKey: 'other.key', publicKey: 'other.pub', algorithm: 'ecdsa-p256' });
});

test('sign-blob → verify-blob with the file and with sha256:<hex>; wrong password, wrong file, tampered and truncated bundles', () => {
  writeFileSync(join(work, 'release.tar.gz'), 'release contents\n');
  const sha = createHash('sha256').update('release contents\n').digest('hex');
  const bad = vouch(['sign-blob', 'release.tar.gz', '--key', 'cosign.key', '--bundle', 'bad.json'], { VOUCH_PASSWORD: 'wrong' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /incorrect password.*\[KEY_PASSWORD\]/);
  assert.ok(!existsSync(join(work, 'bad.json')), 'nothing written on a wrong password');
  // COSIGN_PASSWORD is read too.
  const s = vouch(['sign-blob', 'release.tar.gz', '--key', 'cosign.key', '--bundle', 'release.sigstore.json'], { COSIGN_PASSWORD: PW.VOUCH_PASSWORD });
  assert.equal(s.code, 0, s.stderr);
  const bundle = JSON.parse(readFileSync(join(work, 'release.sigstore.json'), 'utf8')) as { mediaType: string; messageSignature: { signature: string } };
  assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');

  const ok = vouch(['verify-blob', 'release.tar.gz', '--bundle', 'release.sigstore.json', '--key', 'cosign.pub']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /Verified OK/);
  const byDigest = vouch(['verify-blob', `sha256:${sha}`, '--bundle', 'release.sigstore.json', '--key', 'cosign.pub', '--json']);
  assert.equal(byDigest.code, 0, byDigest.stderr);
  assert.equal((JSON.parse(byDigest.stdout) as { digest: string }).digest, `sha256:${sha}`);

  writeFileSync(join(work, 'other.tar.gz'), 'other\n');
  const wrongFile = vouch(['verify-blob', 'other.tar.gz', '--bundle', 'release.sigstore.json', '--key', 'cosign.pub']);
  assert.equal(wrongFile.code, 1);
  assert.match(wrongFile.stderr, /^error: verification failed \(digest\).*\[VERIFY_DIGEST\]$/m);
  const wrongKey = vouch(['verify-blob', 'release.tar.gz', '--bundle', 'release.sigstore.json', '--key', 'other.pub']);
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stderr, /\[VERIFY_SIGNATURE\]/);

  const sig = Buffer.from(bundle.messageSignature.signature, 'base64');
  sig[12] = (sig[12] ?? 0) ^ 1;
  writeFileSync(join(work, 'tampered.json'), JSON.stringify({ ...bundle, messageSignature: { ...bundle.messageSignature, signature: sig.toString('base64') } }));
  const t = vouch(['verify-blob', 'release.tar.gz', '--bundle', 'tampered.json', '--key', 'cosign.pub']);
  assert.equal(t.code, 1);
  assert.match(t.stderr, /\[VERIFY_SIGNATURE\]/);
  writeFileSync(join(work, 'truncated.json'), readFileSync(join(work, 'release.sigstore.json')).subarray(0, 100));
  const tr = vouch(['verify-blob', 'release.tar.gz', '--bundle', 'truncated.json', '--key', 'cosign.pub']);
  assert.equal(tr.code, 3);
  assert.match(tr.stderr, /not valid JSON \(truncated\?\).*\[BUNDLE_INVALID\]/);
  const usage = vouch(['verify-blob', 'release.tar.gz', '--bundle', 'release.sigstore.json']);
  assert.equal(usage.code, 2);
});

test('verify-blob on a production Sigstore bundle: identity flags, exact by default, default (embedded) and explicit trusted roots', () => {
  const C = join(DATA, 'conformance');
  const args = [join(C, 'a.txt'), '--bundle', join(C, 'bundle-verify/happy-path-v0.3/bundle.sigstore.json')];
  const ok = vouch(['verify-blob', ...args, '--certificate-identity', ID, '--certificate-oidc-issuer', ISSUER, '--trusted-root', join(DATA, 'trusted-roots/production-trusted_root.json'), '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const out = JSON.parse(ok.stdout) as { signer: { identity: string; issuer: string }; tlogEntries: unknown[] };
  assert.equal(out.signer.identity, ID);
  assert.equal(out.tlogEntries.length, 1);
  assert.equal(vouch(['verify-blob', ...args, '--certificate-identity', ID, '--certificate-oidc-issuer', ISSUER]).code, 0);
  const partial = vouch(['verify-blob', ...args, '--certificate-identity-regexp', 'sigstore-conformance', '--certificate-oidc-issuer', ISSUER]);
  assert.equal(partial.code, 1);
  assert.match(partial.stderr, /\[VERIFY_IDENTITY\]/);
  const issuer = vouch(['verify-blob', ...args, '--certificate-identity', ID, '--certificate-oidc-issuer', 'https://accounts.google.com']);
  assert.equal(issuer.code, 1);
  assert.match(issuer.stderr, /OIDC issuer .*\[VERIFY_IDENTITY\]/);
});

test('attest-blob → verify-blob-attestation with --type and a policy; a failed policy exits 1', () => {
  writeFileSync(join(work, 'sbom.cdx.json'), readFileSync(join(DATA, 'cosign/predicates/bom-go-mod.cyclonedx.json')));
  const a = vouch(['attest-blob', 'release.tar.gz', '--key', 'cosign.key', '--type', 'cyclonedx', '--predicate', 'sbom.cdx.json', '--bundle', 'release.att.json'], PW);
  assert.equal(a.code, 0, a.stderr);
  writeFileSync(join(work, 'policy.yaml'), '- path: predicate.bomFormat\n  equals: CycloneDX\n- path: subject[*].name\n  equals: release.tar.gz\n');
  const v = vouch(['verify-blob-attestation', 'release.tar.gz', '--bundle', 'release.att.json', '--key', 'cosign.pub', '--type', 'cyclonedx', '--policy', 'policy.yaml', '--json']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal((JSON.parse(v.stdout) as { predicateType: string }).predicateType, 'https://cyclonedx.org/bom');
  const wrongType = vouch(['verify-blob-attestation', 'release.tar.gz', '--bundle', 'release.att.json', '--key', 'cosign.pub', '--type', 'spdx']);
  assert.equal(wrongType.code, 1);
  assert.match(wrongType.stderr, /\[POLICY_FAILED\]/);
  writeFileSync(join(work, 'strict.yaml'), '- path: predicate.specVersion\n  in: ["1.6"]\n');
  const p = vouch(['verify-blob-attestation', 'release.tar.gz', '--bundle', 'release.att.json', '--key', 'cosign.pub', '--policy', 'strict.yaml']);
  assert.equal(p.code, 1);
  assert.match(p.stderr, /policy failed: predicate.specVersion is .*, expected one of \["1.6"\] \[POLICY_FAILED\]/);
  writeFileSync(join(work, 'broken.yaml'), '- path: a\n  same: 1\n');
  assert.equal(vouch(['verify-blob-attestation', 'release.tar.gz', '--bundle', 'release.att.json', '--key', 'cosign.pub', '--policy', 'broken.yaml']).code, 2);
  // grype's bare DSSE envelope (cosign's legacy attestation) verifies with its key.
  const g = vouch(['verify-blob-attestation', `sha256:${'0'.repeat(64)}`, '--bundle', join(DATA, 'grype-attestations/alpine.cdx.att.json'), '--key', join(DATA, 'grype-attestations/cosign.pub')]);
  assert.equal(g.code, 1);
  assert.match(g.stderr, /\[VERIFY_DIGEST\]/);
});

test('import-key-pair: openssl keys (SEC1 EC, PKCS#8 Ed25519, PKCS#1 RSA) and cosign\'s encrypted key; wrong password writes nothing', (t) => {
  const openssl = spawnSync('openssl', ['version']);
  if (openssl.status !== 0) {
    t.skip('openssl is not installed');
    return;
  }
  const gen: [string, string[]][] = [
    ['ec.pem', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'ec.pem']],
    ['ed.pem', ['genpkey', '-algorithm', 'ed25519', '-out', 'ed.pem']],
    ['rsa.pem', ['genrsa', '-traditional', '-out', 'rsa.pem', '2048']],
  ];
  for (const [file, args] of gen) {
    assert.equal(spawnSync('openssl', args, { cwd: work }).status, 0, file);
    const r = vouch(['import-key-pair', '--key', file, '--output-key-prefix', `imp-${file}`, '--json'], PW);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(work, 'msg.txt'), 'm');
    assert.equal(vouch(['sign-blob', 'msg.txt', '--key', `imp-${file}.key`, '--bundle', `msg-${file}.json`], PW).code, 0);
    const v = vouch(['verify-blob', 'msg.txt', '--bundle', `msg-${file}.json`, '--key', `imp-${file}.pub`]);
    assert.equal(v.code, 0, `${file}: ${v.stderr}`);
  }
  const cosignKey = join(DATA, 'cosign/keys/keys_test-pemsigstorekey.encrypted.key');
  const wrong = vouch(['import-key-pair', '--key', cosignKey, '--output-key-prefix', 'imp-cosign'], { ...PW, VOUCH_PASSWORD_IN: 'nope' });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /\[KEY_PASSWORD\]/);
  assert.ok(!existsSync(join(work, 'imp-cosign.key')) && !existsSync(join(work, 'imp-cosign.pub')));
  assert.equal(vouch(['import-key-pair', '--key', cosignKey, '--output-key-prefix', 'imp-cosign'], { ...PW, VOUCH_PASSWORD_IN: 'hello' }).code, 0);
  const sec1 = vouch(['import-key-pair', '--key', join(DATA, 'cosign/keys/keys_test-pemcosigneckey.ec.encrypted.key'), '--output-key-prefix', 'imp-sec1'], { ...PW, VOUCH_PASSWORD_IN: 'hello' });
  assert.equal(sec1.code, 3);
  assert.match(sec1.stderr, /not PKCS#8.*\[KEY_INVALID\]/);
});

test('help texts carry usage and examples', () => {
  for (const cmd of ['generate-key-pair', 'import-key-pair', 'sign-blob', 'verify-blob', 'attest-blob', 'verify-blob-attestation']) {
    const r = vouch([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: vouch /);
    assert.match(r.stdout, /Examples:/);
  }
});

test('sign-blob --tlog-upload to Vouch\'s log; verify-blob --require-tlog with a trusted root listing it', async () => {
  const { startServer } = await import('../../src/servers/http/index.ts');
  const { createLogService } = await import('../../src/servers/log/index.ts');
  let url = '';
  const service = await createLogService({ dir: join(work, 'log'), publicUrl: () => url, env: {}, synchronous: 'NORMAL', verifyThreads: 0 });
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  url = server.url;
  try {
    const root = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [{ baseUrl: url, hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: service.log.signer.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } }, logId: { keyId: service.log.signer.logId.toString('base64') } }],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    };
    writeFileSync(join(work, 'log-root.json'), JSON.stringify(root));
    writeFileSync(join(work, 'logged.txt'), 'logged\n');
    // The child process signs while this process serves the log: spawn asynchronously.
    const { spawn } = await import('node:child_process');
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
        const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env: base, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const s = await run(['sign-blob', 'logged.txt', '--key', 'cosign.key', '--tlog-upload', '--rekor-url', url, '--bundle', 'logged.sigstore.json'], PW);
    assert.equal(s.code, 0, s.stderr);
    const v = await run(['verify-blob', 'logged.txt', '--bundle', 'logged.sigstore.json', '--key', 'cosign.pub', '--trusted-root', 'log-root.json', '--require-tlog', '--json']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal((JSON.parse(v.stdout) as { tlogEntries: { kind: string }[] }).tlogEntries[0]?.kind, 'hashedrekord');
    // Without a root that lists the log, the entry cannot be trusted.
    const noLog = await run(['verify-blob', 'logged.txt', '--bundle', 'logged.sigstore.json', '--key', 'cosign.pub', '--trusted-root', join(DATA, 'trusted-roots/production-trusted_root.json')]);
    assert.equal(noLog.code, 1);
    assert.match(noLog.stderr, /\[VERIFY_SET\]/);
    // An unsigned-by-log bundle fails --require-tlog.
    const plain = await run(['verify-blob', 'release.tar.gz', '--bundle', 'release.sigstore.json', '--key', 'cosign.pub', '--trusted-root', 'log-root.json', '--require-tlog']);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /\[VERIFY_TLOG\]/);
    assert.equal((await run(['sign-blob', 'logged.txt', '--key', 'cosign.key', '--tlog-upload'], PW)).code, 2);
  } finally {
    await server.close();
  }
});
