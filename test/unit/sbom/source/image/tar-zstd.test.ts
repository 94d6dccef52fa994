import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { constants, zstdCompressSync } from 'node:zlib';
import { VouchError, resolveLimits } from '../../../../../src/core/index.ts';
import { streamLayer } from '../../../../../src/sbom/source/image/tar.ts';
import { makeTar, zerosLayer } from './resolver-helpers.ts';

/** The entries (path:size) of a zstd layer delivered in chunks of `size` bytes. */
async function names(blob: Buffer, size = blob.length): Promise<string[]> {
  const out: string[] = [];
  const chunks = Readable.from(
    (function* () {
      for (let off = 0; off < blob.length; off += size) yield blob.subarray(off, off + size);
    })(),
  );
  await streamLayer(chunks, { limits: resolveLimits(), label: 'L', maxEntries: Infinity, onEntry: (e) => void out.push(`${e.path}:${e.size}`) });
  return out;
}

/** A skippable frame (RFC 8878 §3.1.2) of `n` bytes of content. */
function skippable(n: number, nibble = 0): Buffer {
  const b = Buffer.alloc(8 + n, 0x5a);
  b.writeUInt32LE(0x184d2a50 + nibble, 0);
  b.writeUInt32LE(n, 4);
  return b;
}

const isUnsafe = (e: unknown): boolean => e instanceof VouchError && e.code === 'UNSAFE_ARCHIVE';

describe('multi-frame zstd', async () => {
  // Random content makes raw blocks; zeros make RLE blocks; text makes compressed blocks.
  const tar = await makeTar([
    { name: 'random', body: randomBytes(300_000) },
    { name: 'zeros', body: Buffer.alloc(200_000) },
    { name: 'text', body: 'Package: a\n'.repeat(5000) },
    'last',
  ]);
  const want = ['random:300000', 'zeros:200000', 'text:55000', 'last:15'];
  const cut = [100_000, 333_333, 500_001];
  const frames = (opts = {}): Buffer[] => [0, ...cut].map((from, i) => zstdCompressSync(tar.subarray(from, cut[i] ?? tar.length), opts));

  it('reads every frame, whatever the chunking (Node drops what follows a frame in the same write)', async () => {
    const blob = Buffer.concat(frames());
    for (const size of [blob.length, 65_536, 4096, 999]) assert.deepEqual(await names(blob, size), want, `chunks of ${size}`);
  });

  it('frames with checksums, and frames of unknown content size from a stream', async () => {
    const withChecksum = Buffer.concat(frames({ params: { [constants.ZSTD_c_checksumFlag]: 1 } }));
    assert.deepEqual(await names(withChecksum, 4096), want);
    const big = await zerosLayer(3 * 1024 * 1024, 'zstd', ['after']);
    assert.deepEqual(await names(Buffer.concat([big, zstdCompressSync(Buffer.alloc(0))]), 1000), ['zeros:3145728', 'after:16']);
  });

  it('skips skippable frames (zstd:chunked metadata) anywhere', async () => {
    const [a, b, c, d] = frames();
    const blob = Buffer.concat([skippable(10), a!, skippable(0, 7), b!, c!, skippable(70_000, 15), d!, skippable(5)]);
    for (const size of [blob.length, 4096, 997]) assert.deepEqual(await names(blob, size), want, `chunks of ${size}`);
  });

  it('refuses bytes after the last frame, and a stream that ends inside a frame', async () => {
    const blob = Buffer.concat(frames());
    await assert.rejects(names(Buffer.concat([blob, Buffer.from('trailing garbage')])), (e) => isUnsafe(e) && /no frame where frame 5 should start/.test((e as Error).message));
    await assert.rejects(names(blob.subarray(0, blob.length - 1)), isUnsafe);
    await assert.rejects(names(Buffer.concat([blob, skippable(100).subarray(0, 50)])), (e) => isUnsafe(e) && /ends inside frame 5/.test((e as Error).message));
    const reserved = Buffer.from(blob);
    reserved[4] = reserved[4]! | 0x08; // reserved bit of the first frame header descriptor
    await assert.rejects(names(reserved), (e) => isUnsafe(e) && /reserved bit/.test((e as Error).message));
  });
});
