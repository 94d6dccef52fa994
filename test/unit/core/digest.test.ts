import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import {
  computeDigest,
  createDigestVerifier,
  DigestVerifier,
  digestMatches,
  isDigest,
  isVouchError,
  parseDigest,
  tryParseDigest,
  verifyDigest,
} from '../../../src/core/index.ts';

const DATA = Buffer.from('hello, vouch\n'.repeat(1000));
const SHA256 = `sha256:${createHash('sha256').update(DATA).digest('hex')}`;
const SHA512 = `sha512:${createHash('sha512').update(DATA).digest('hex')}`;

test('parseDigest and isDigest accept sha256/sha512 lower hex only', () => {
  assert.deepEqual(parseDigest(SHA256), { algorithm: 'sha256', hex: SHA256.slice(7), digest: SHA256 });
  assert.equal(parseDigest(SHA512).algorithm, 'sha512');
  assert.ok(isDigest(SHA256) && isDigest(SHA512));
  const bad: [unknown, RegExp][] = [
    [42, /must be a string/],
    ['sha256', /malformed digest/],
    ['sha256:', /malformed digest/],
    [`sha256:${'A'.repeat(64)}`, /64 lower-case hex/],
    [`sha256:${'a'.repeat(63)}`, /64 lower-case hex/],
    [`sha256:${'a'.repeat(128)}`, /64 lower-case hex/],
    [`sha512:${'a'.repeat(64)}`, /128 lower-case hex/],
    [`md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
    [`sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564`, /unsupported digest algorithm/],
    [` ${SHA256}`, /malformed/],
  ];
  for (const [value, reason] of bad) {
    assert.equal(isDigest(value), false, String(value));
    assert.equal(tryParseDigest(value), undefined);
    assert.throws(() => parseDigest(value), (e) => isVouchError(e) && e.code === 'IMAGE_INVALID' && reason.test(e.message), String(value));
  }
  assert.throws(() => parseDigest('x', 'BAD_TARGET'), (e) => isVouchError(e) && e.code === 'BAD_TARGET');
});

test('computeDigest, digestMatches and verifyDigest', () => {
  assert.equal(computeDigest(DATA), SHA256);
  assert.equal(computeDigest(DATA, 'sha512'), SHA512);
  // The empty blob's digest, as in image-spec manifest.md ("Guidance for an Empty Descriptor" uses '{}').
  assert.equal(computeDigest(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(computeDigest('{}'), 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  assert.ok(digestMatches(DATA, SHA256));
  assert.ok(digestMatches(DATA, SHA512));
  assert.equal(digestMatches(DATA.subarray(1), SHA256), false);
  assert.equal(digestMatches(DATA, 'nope'), false);
  verifyDigest(DATA, SHA256, DATA.length);
  assert.throws(() => verifyDigest(DATA, SHA256, DATA.length + 1, 'manifest'), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH' && /manifest .* bytes, expected/.test(e.message));
  assert.throws(() => verifyDigest(Buffer.from('x'), SHA256), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH' && /digest is sha256:/.test(e.message));
});

function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function run(input: Buffer[], verifier: DigestVerifier): Promise<Buffer> {
  const got: Buffer[] = [];
  await pipeline(
    Readable.from(input),
    verifier,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        got.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(got);
}

test('DigestVerifier passes the bytes through unchanged when they match', async () => {
  assert.deepEqual(await run(chunks(DATA, 777), createDigestVerifier(SHA256, { size: DATA.length })), DATA);
  assert.deepEqual(await run(chunks(DATA, 4096), new DigestVerifier(SHA512)), DATA);
  assert.deepEqual(await run([], new DigestVerifier(computeDigest(''), { size: 0 })), Buffer.alloc(0));
});

test('DigestVerifier fails at the end on a wrong digest or a short stream', async () => {
  const flipped = Buffer.from(DATA);
  flipped[100] = flipped[100]! ^ 1;
  await assert.rejects(run(chunks(flipped, 1000), new DigestVerifier(SHA256, { size: DATA.length, what: 'layer 0' })), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH' && /^layer 0: digest is sha256:/.test(e.message));
  await assert.rejects(run(chunks(DATA.subarray(0, 100), 10), new DigestVerifier(SHA256, { size: DATA.length })), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH' && /100 bytes, expected 13000/.test(e.message));
});

test('DigestVerifier fails as soon as more bytes than declared arrive', async () => {
  const verifier = new DigestVerifier(SHA256, { size: 10 });
  // An endless source: the verifier must stop it, not hash forever.
  const endless = new Readable({
    read() {
      this.push(Buffer.alloc(8));
    },
  });
  await assert.rejects(run2(endless, verifier), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH' && /more than the declared 10 bytes/.test(e.message));
  assert.ok(verifier.bytesSeen <= 16, `stopped after ${verifier.bytesSeen} bytes`);
});

async function run2(source: Readable, verifier: DigestVerifier): Promise<void> {
  await pipeline(source, verifier, new Writable({ write: (_c, _e, cb) => cb() }));
}

test('DigestVerifier rejects a malformed expected digest or size at construction', () => {
  assert.throws(() => new DigestVerifier('sha256:xyz'), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH');
  assert.throws(() => new DigestVerifier(SHA256, { size: -1 }), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH');
  assert.throws(() => new DigestVerifier(SHA256, { size: 1.5 }), (e) => isVouchError(e) && e.code === 'DIGEST_MISMATCH');
});
