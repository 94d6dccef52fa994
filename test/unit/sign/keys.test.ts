/** Keys: cosign's test keys (password "hello"), the encrypted envelope, generation and import. */
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VouchError } from '../../../src/core/index.ts';
import { parseKeyEnvelope, parsePublicKey } from '../../../src/formats/sigstore/index.ts';
import { encryptPrivateKey, generateKeyPair, importKeyPair, loadPrivateKey } from '../../../src/sign/index.ts';

const DATA = new URL('../../../../shared/data/sigstore/cosign/', import.meta.url).pathname;
const key = (f: string): string => readFileSync(join(DATA, 'keys', f), 'utf8');

const code = (c: string) => (err: unknown) => {
  assert.ok(err instanceof VouchError, String(err));
  assert.equal((err as VouchError).code, c, (err as Error).message);
  return true;
};

test('cosign TestReadingPrivatePemTypes: COSIGN-labelled and SIGSTORE-labelled keys load; the SEC1 EC one decrypts but is refused', async () => {
  for (const f of ['keys_test-pemcosignkey.rsa.encrypted.key', 'keys_test-pemsigstorekey.encrypted.key']) {
    const k = loadPrivateKey(key(f), 'hello');
    const sig = await k.sign(Buffer.from('data'));
    assert.ok(verify('sha256', Buffer.from('data'), k.publicKey, sig), f);
  }
  assert.throws(() => loadPrivateKey(key('keys_test-pemcosigneckey.ec.encrypted.key'), 'hello'), (err: unknown) => {
    code('KEY_INVALID')(err);
    assert.match((err as Error).message, /not PKCS#8/);
    return true;
  });
});

test('a wrong password is KEY_PASSWORD; no password for an encrypted key is PASSWORD_REQUIRED', () => {
  assert.throws(() => loadPrivateKey(key('keys_test-pemsigstorekey.encrypted.key'), 'hell0'), code('KEY_PASSWORD'));
  assert.throws(() => loadPrivateKey(key('keys_test-pemsigstorekey.encrypted.key')), code('PASSWORD_REQUIRED'));
  // cosign CI's key: its password is secret, so it can only fail to decrypt here; its envelope parses.
  assert.throws(() => loadPrivateKey(key('cosign-test.key'), 'hello'), code('KEY_PASSWORD'));
  const env = parseKeyEnvelope(key('cosign-test.key'));
  assert.deepEqual(env.kdf.params, { N: 32768, r: 8, p: 1 });
  assert.equal(env.cipher.name, 'nacl/secretbox');
  assert.equal(parsePublicKey(key('cosign-test.pub')).asymmetricKeyDetails?.namedCurve, 'prime256v1');
});

test('hostile envelopes: huge scrypt N, wrong cipher, bad nonce are refused before any work', () => {
  const good = JSON.parse(Buffer.from(key('keys_test-pemsigstorekey.encrypted.key').split('\n').filter((l) => !l.startsWith('-----')).join(''), 'base64').toString()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const pem = (o: unknown): string => `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(JSON.stringify(o)).toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
  assert.throws(() => loadPrivateKey(pem({ ...good, kdf: { ...good.kdf, params: { N: 2 ** 30, r: 8, p: 1 } } }), 'hello'), code('KEY_INVALID'));
  assert.throws(() => loadPrivateKey(pem({ ...good, kdf: { ...good.kdf, params: { N: 1000, r: 8, p: 1 } } }), 'hello'), code('KEY_INVALID'));
  assert.throws(() => loadPrivateKey(pem({ ...good, cipher: { name: 'aes', nonce: good.cipher.nonce } }), 'hello'), code('KEY_INVALID'));
  assert.throws(() => loadPrivateKey(pem({ ...good, cipher: { ...good.cipher, nonce: 'AAAA' } }), 'hello'), code('KEY_INVALID'));
  assert.throws(() => loadPrivateKey(pem({ ...good, ciphertext: 'not base64!' }), 'hello'), code('KEY_INVALID'));
  assert.throws(() => loadPrivateKey('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nbm90IGpzb24=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n', 'x'), code('KEY_INVALID'));
  assert.throws(() => loadPrivateKey('x'.repeat(70_000), 'x'), code('KEY_INVALID'));
});

test('generateKeyPair writes cosign\'s envelope; every algorithm round-trips and signs', async () => {
  for (const algorithm of ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa'] as const) {
    const pair = generateKeyPair({ password: 'pw', algorithm });
    assert.match(pair.privateKeyPem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    assert.doesNotMatch(pair.privateKeyPem, /BEGIN PRIVATE KEY/);
    assert.deepEqual(parseKeyEnvelope(pair.privateKeyPem).kdf.params, { N: 32768, r: 8, p: 1 });
    const k = loadPrivateKey(pair.privateKeyPem, 'pw');
    assert.equal(k.algorithm, algorithm);
    assert.equal(k.publicKeyPem, pair.publicKeyPem);
    const sig = await k.sign(Buffer.from('m'));
    assert.ok(verify(algorithm === 'ed25519' ? null : 'sha256', Buffer.from('m'), parsePublicKey(pair.publicKeyPem), sig));
    assert.throws(() => loadPrivateKey(pair.privateKeyPem, 'PW'), code('KEY_PASSWORD'));
  }
  // An empty password is allowed (cosign: empty COSIGN_PASSWORD) and still an envelope.
  const empty = generateKeyPair({ password: '' });
  assert.equal(loadPrivateKey(empty.privateKeyPem, '').algorithm, 'ecdsa-p256');
});

test('import: PKCS#8, SEC1 and PKCS#1 PEM keys of ECDSA P-256/P-384, Ed25519, RSA', () => {
  const cases: [string, ReturnType<typeof generateKeyPairSync>['privateKey'], string[]][] = [
    ['ecdsa-p256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, ['pkcs8', 'sec1']],
    ['ecdsa-p384', generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey, ['pkcs8', 'sec1']],
    ['ed25519', generateKeyPairSync('ed25519').privateKey, ['pkcs8']],
    ['rsa', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, ['pkcs8', 'pkcs1']],
  ];
  for (const [alg, priv, types] of cases) {
    for (const type of types) {
      const pem = priv.export({ format: 'pem', type: type as 'pkcs8' }).toString();
      const imported = importKeyPair(pem, { newPassword: 'new' });
      assert.equal(imported.algorithm, alg);
      const k = loadPrivateKey(imported.privateKeyPem, 'new');
      assert.equal(k.algorithm, alg, `${alg} ${type}`);
      assert.equal(loadPrivateKey(pem).publicKeyPem, k.publicKeyPem);
    }
  }
  // Re-encrypting a cosign key under a new password.
  const again = importKeyPair(key('keys_test-pemsigstorekey.encrypted.key'), { password: 'hello', newPassword: 'x' });
  assert.equal(loadPrivateKey(again.privateKeyPem, 'x').publicKeyPem, loadPrivateKey(key('keys_test-pemsigstorekey.encrypted.key'), 'hello').publicKeyPem);
  assert.throws(() => importKeyPair(key('keys_test-pemsigstorekey.encrypted.key'), { password: 'nope', newPassword: 'x' }), code('KEY_PASSWORD'));
  // Refused: small RSA, other curves, non-keys.
  assert.throws(() => encryptPrivateKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'x'), code('KEY_INVALID'));
  assert.throws(() => encryptPrivateKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, 'x'), code('KEY_INVALID'));
  assert.throws(() => loadPrivateKey('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), code('KEY_INVALID'));
  assert.throws(() => loadPrivateKey('hello'), code('KEY_INVALID'));
});

test('cosign public keys: PKIX RSA, PKCS#1 RSA, DER ECDSA parse; garbage is refused', () => {
  const pk = (f: string): Buffer => readFileSync(join(DATA, 'public-keys', f));
  assert.equal(parsePublicKey(pk('google')).asymmetricKeyDetails?.modulusLength, 4096);
  assert.equal(parsePublicKey(pk('rsa')).asymmetricKeyDetails?.modulusLength, 4096);
  assert.equal(parsePublicKey(pk('letsencrypt-testflume-2021')).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.throws(() => parsePublicKey(pk('garbage-there-are-limits')), code('KEY_INVALID'));
});
