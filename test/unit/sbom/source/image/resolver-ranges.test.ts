/**
 * ImageResolver.readRange and the file ends `capture` keeps while indexing: ranges inside the
 * kept ends cost no pass over the layer; ranges outside extract the file once; prefetch with
 * `ranges` leaves files whose ends are kept alone; the memory cap on kept ends holds.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { VouchError, resolveLimits, silentLogger, type Limits } from '../../../../../src/core/index.ts';
import { ENDS_HEAD_BYTES, ENDS_TAIL_BYTES, ImageResolver, MAX_ENDS_BYTES } from '../../../../../src/sbom/source/image/resolver.ts';
import type { ImageScope, ImageSource } from '../../../../../src/sbom/source/image/types.ts';
import { fakeImage, tmpParent, type TarItem } from './resolver-helpers.ts';

/** `n` bytes that differ at every offset (a SHA-256 chain), so a range read from the wrong place shows. */
function bytes(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < n; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

const code = (c: string) => (err: unknown) => err instanceof VouchError && err.code === c;

async function open(
  source: ImageSource,
  capture: (path: string, size: number, mode: number) => boolean | 'ends',
  options: { scope?: ImageScope; limits?: Partial<Limits>; tmpDir?: string } = {},
): Promise<ImageResolver> {
  return ImageResolver.open(source, {
    scope: options.scope ?? 'squashed',
    limits: resolveLimits(options.limits ?? {}),
    logger: silentLogger,
    capture,
    ...(options.tmpDir === undefined ? {} : { tmpDir: options.tmpDir }),
  });
}

const BIG = bytes(100_000, 'big');
const SMALL = bytes(1000, 'small');
const execs = (path: string): boolean | 'ends' => (path.startsWith('bin/') ? 'ends' : false);

function items(): TarItem[] {
  return [
    { name: 'bin/big', body: BIG, mode: 0o755 },
    { name: 'bin/small', body: SMALL, mode: 0o755 },
    { name: 'etc/conf', body: 'x=1\n' },
  ];
}

describe('ImageResolver.readRange', () => {
  it('answers ranges inside the kept ends without a pass, and extracts the file once for the others', async () => {
    const parent = await tmpParent();
    const src = await fakeImage([items()]);
    const r = await open(src, execs, { tmpDir: parent.dir });
    try {
      assert.deepEqual(src.opens, [1]);
      assert.deepEqual(await r.readRange('bin/big', 0, 64), BIG.subarray(0, 64));
      assert.deepEqual(await r.readRange('bin/big', 100, ENDS_HEAD_BYTES - 100), BIG.subarray(100, ENDS_HEAD_BYTES));
      assert.deepEqual(await r.readRange('bin/big', BIG.length - ENDS_TAIL_BYTES, ENDS_TAIL_BYTES), BIG.subarray(BIG.length - ENDS_TAIL_BYTES));
      assert.deepEqual(await r.readRange('bin/big', BIG.length - 100, 1000), BIG.subarray(BIG.length - 100), 'fewer bytes at the end');
      assert.equal((await r.readRange('bin/big', BIG.length, 10)).length, 0, 'none past the end');
      assert.equal((await r.readRange('bin/big', 5, 0)).length, 0);
      assert.deepEqual(await r.readRange('bin/small', 10, 500), SMALL.subarray(10, 510), 'a small file is kept whole');
      assert.deepEqual(await r.readRange('bin/small', 900, 500), SMALL.subarray(900));
      assert.deepEqual(src.opens, [1], 'no pass for ranges inside the ends');
      assert.deepEqual(await parent.entries(), [], 'nothing written');

      // Across the head's end, in the middle, and across the tail's start: the file is extracted.
      assert.deepEqual(await r.readRange('bin/big', ENDS_HEAD_BYTES - 10, 20), BIG.subarray(ENDS_HEAD_BYTES - 10, ENDS_HEAD_BYTES + 10));
      assert.deepEqual(src.opens, [2]);
      assert.deepEqual(await r.readRange('bin/big', 50_000, 300), BIG.subarray(50_000, 50_300));
      assert.deepEqual(await r.readRange('bin/big', BIG.length - ENDS_TAIL_BYTES - 1, 2), BIG.subarray(BIG.length - ENDS_TAIL_BYTES - 1, BIG.length - ENDS_TAIL_BYTES + 1));
      assert.deepEqual(src.opens, [2], 'extracted once');
      assert.deepEqual(await r.read('bin/big'), BIG);
      // A file that was not captured reads its ranges from the extracted file too.
      assert.deepEqual(await r.readRange('etc/conf', 2, 10), Buffer.from('1\n'));
      assert.deepEqual(src.opens, [3]);
    } finally {
      await r.close();
      await parent.remove();
    }
  });

  it('checks its arguments and the file size limit like a read', async () => {
    const src = await fakeImage([items()]);
    const r = await open(src, execs, { limits: { maxFileBytes: 50_000 } });
    try {
      await assert.rejects(r.readRange('bin/big', -1, 10), code('IO_ERROR'));
      await assert.rejects(r.readRange('bin/big', 0, 1.5), code('IO_ERROR'));
      await assert.rejects(r.readRange('no/such', 0, 10), code('IO_ERROR'));
      await assert.rejects(r.readRange('bin/big', 0, 50_001), code('LIMIT_EXCEEDED'));
      // Over the limit, but its ends were kept: probes still work; a range elsewhere is refused.
      assert.deepEqual(await r.readRange('bin/big', 0, 4), BIG.subarray(0, 4));
      await assert.rejects(r.readRange('bin/big', 60_000, 4), code('LIMIT_EXCEEDED'));
      assert.deepEqual(src.opens, [1]);
      await r.close();
      await assert.rejects(r.readRange('bin/big', 0, 4), code('IO_ERROR'));
    } finally {
      await r.close();
    }
  });

  it('prefetch with ranges extracts only the files whose ends were not kept', async () => {
    const parent = await tmpParent();
    const src = await fakeImage([items()]);
    const r = await open(src, execs, { tmpDir: parent.dir });
    try {
      await r.prefetch(['bin/big', 'bin/small'], { ranges: true });
      assert.deepEqual(src.opens, [1], 'both kept: no pass');
      await r.prefetch(['bin/big', 'etc/conf'], { ranges: true });
      assert.deepEqual(src.opens, [2]);
      assert.equal((await parent.entries()).filter((e) => e.includes('/')).length, 1, 'only etc/conf extracted');
      await r.prefetch(['bin/big']);
      assert.deepEqual(src.opens, [3], 'without ranges, the whole file');
      assert.deepEqual(await r.readRange('bin/big', 70_000, 8), BIG.subarray(70_000, 70_008));
      assert.deepEqual(src.opens, [3]);
    } finally {
      await r.close();
      await parent.remove();
    }
  });

  it('keeps the ends of every layer’s copy: the all-layers view reads a hidden one', async () => {
    const older = bytes(30_000, 'older');
    const src = await fakeImage([[{ name: 'bin/tool', body: older, mode: 0o755 }], [{ name: 'bin/tool', body: BIG, mode: 0o755 }]]);
    const r = await open(src, execs, { scope: 'all-layers' });
    try {
      assert.deepEqual(await r.readRange('.layers/0/bin/tool', older.length - 8, 8), older.subarray(older.length - 8));
      assert.deepEqual(await r.readRange('bin/tool', 0, 8), BIG.subarray(0, 8));
      assert.deepEqual(src.opens, [1, 1]);
    } finally {
      await r.close();
    }
  });

  it('keeps no more than MAX_ENDS_BYTES of ends: later files are extracted when probed', async () => {
    const per = ENDS_HEAD_BYTES + ENDS_TAIL_BYTES;
    const fit = Math.floor(MAX_ENDS_BYTES / per);
    const body = Buffer.alloc(per + 1); // over head + tail: exactly `per` bytes kept
    const many: TarItem[] = [];
    for (let i = 0; i <= fit; i++) many.push({ name: `bin/f${String(i).padStart(5, '0')}`, body, mode: 0o755 });
    const src = await fakeImage([many]);
    const r = await open(src, execs);
    try {
      const first = 'bin/f00000';
      const last = `bin/f${String(fit).padStart(5, '0')}`;
      assert.deepEqual(await r.readRange(first, 0, 4), Buffer.alloc(4));
      assert.deepEqual(src.opens, [1]);
      assert.deepEqual(await r.readRange(last, 0, 4), Buffer.alloc(4));
      assert.deepEqual(src.opens, [2], 'the file past the cap was extracted');
    } finally {
      await r.close();
    }
  });
});
