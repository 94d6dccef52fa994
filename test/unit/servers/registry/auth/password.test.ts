import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { DEFAULT_ARGON2_PARAMS, generateSecret, hashPassword, verifyPassword } from '../../../../../src/servers/registry/auth/index.ts';

describe('password hashing', () => {
  test('argon2id PHC strings with the stored parameters and a fresh salt', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    assert.match(a, new RegExp(`^\\$argon2id\\$v=19\\$m=${DEFAULT_ARGON2_PARAMS.memoryKiB},t=${DEFAULT_ARGON2_PARAMS.passes},p=1\\$`));
    assert.ok(DEFAULT_ARGON2_PARAMS.memoryKiB >= 19456, 'memory-hard (OWASP minimum)');
    assert.notEqual(a, b, 'salted');
    assert.equal(await verifyPassword('correct horse battery staple', a), true);
    assert.equal(await verifyPassword('correct horse battery stapl', a), false);
    assert.equal(await verifyPassword('', a), false);
  });

  test('parameters are read from the hash (cheaper test parameters still verify)', async () => {
    const h = await hashPassword('pw-123456', { memoryKiB: 1024, passes: 1, parallelism: 1 });
    assert.match(h, /m=1024,t=1,p=1/);
    assert.equal(await verifyPassword('pw-123456', h), true);
  });

  test('scrypt hashes (N = 2^15) verify too', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const tag = scryptSync('hunter2-pw', salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const stored = `$scrypt$ln=15,r=8,p=1$${salt.toString('base64').replace(/=+$/, '')}$${tag.toString('base64').replace(/=+$/, '')}`;
    assert.equal(await verifyPassword('hunter2-pw', stored), true);
    assert.equal(await verifyPassword('hunter3-pw', stored), false);
  });

  test('malformed hashes and oversized passwords are refusals, not crashes', async () => {
    for (const bad of ['', 'plain', '$argon2id$v=19$m=x$y$z', '$scrypt$ln=99,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA', '$md5$abc']) {
      assert.equal(await verifyPassword('pw', bad), false, bad);
    }
    const h = await hashPassword('x');
    assert.equal(await verifyPassword('x'.repeat(5000), h), false);
  });

  test('generated secrets are long and distinct', () => {
    const s = new Set(Array.from({ length: 100 }, () => generateSecret()));
    assert.equal(s.size, 100);
    for (const x of s) assert.ok(x.length >= 32 && /^[A-Za-z0-9_-]+$/.test(x));
  });
});
