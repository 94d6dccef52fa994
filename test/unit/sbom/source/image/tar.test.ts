import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { VouchError, resolveLimits } from '../../../../../src/core/index.ts';
import {
  MAX_NAME_BYTES,
  RATIO_FLOOR_BYTES,
  detectCompression,
  normalizeTarPath,
  streamLayer,
  type StreamLayerOptions,
  type StreamLayerResult,
  type TarEntry,
} from '../../../../../src/sbom/source/image/tar.ts';
import { FakeSource, compress, makeTar, verifying, zerosLayer } from './resolver-helpers.ts';

const code = (c: string) => (err: unknown) => err instanceof VouchError && err.code === c;

function chunks(buf: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let off = 0; off < buf.length; off += size) yield buf.subarray(off, off + size);
    })(),
  );
}

/** Stream `blob` and collect the entries and the bodies read. */
async function run(
  blob: Buffer | Readable,
  opts: Partial<StreamLayerOptions> & { read?: (e: TarEntry) => boolean } = {},
): Promise<{ result: StreamLayerResult; entries: TarEntry[]; bodies: Map<string, string> }> {
  const entries: TarEntry[] = [];
  const bodies = new Map<string, string>();
  const result = await streamLayer(Buffer.isBuffer(blob) ? chunks(blob, 4096) : blob, {
    limits: resolveLimits(),
    label: 'layer 0 (test)',
    maxEntries: Infinity,
    ...opts,
    onEntry: async (e, body) => {
      entries.push(e);
      if (opts.read?.(e) === true) {
        const parts: Buffer[] = [];
        for await (const c of body) parts.push(c);
        bodies.set(e.path, Buffer.concat(parts).toString());
      }
    },
  });
  return { result, entries, bodies };
}

describe('normalizeTarPath', () => {
  const ok: [string, string][] = [
    ['a/b', 'a/b'],
    ['./a/b', 'a/b'],
    ['a//b/./c/', 'a/b/c'],
    ['./', ''],
    ['.', ''],
    ['a/../b', 'b'],
    ['a/b/..', 'a'],
    ['.wh..wh..opq', '.wh..wh..opq'],
    ['dir with space/ünï', 'dir with space/ünï'],
  ];
  for (const [name, want] of ok) it(`${JSON.stringify(name)} → ${JSON.stringify(want)}`, () => assert.equal(normalizeTarPath(name, 'L'), want));
  const bad: [string, RegExp][] = [
    ['/etc/passwd', /absolute/],
    ['//x', /absolute/],
    ['../x', /outside the root/],
    ['a/../../x', /outside the root/],
    ['./..', /outside the root/],
    ['a'.repeat(MAX_NAME_BYTES + 1), /over the 4096-byte limit/],
  ];
  for (const [name, message] of bad) {
    it(`${JSON.stringify(name.slice(0, 20))}: UNSAFE_ARCHIVE`, () => {
      assert.throws(() => normalizeTarPath(name, 'L'), (e: unknown) => code('UNSAFE_ARCHIVE')(e) && message.test((e as Error).message));
    });
  }
});

describe('detectCompression', () => {
  it('reads magic bytes, not media types', async () => {
    const tar = await makeTar(['a']);
    assert.equal(detectCompression(compress(tar, 'gzip'), 'L'), 'gzip');
    assert.equal(detectCompression(compress(tar, 'zstd'), 'L'), 'zstd');
    assert.equal(detectCompression(tar, 'L'), 'none');
    assert.equal(detectCompression(Buffer.alloc(0), 'L'), 'none');
    assert.throws(() => detectCompression(Buffer.from('BZh91AY&SY'), 'L'), code('IMAGE_INVALID'));
    assert.throws(() => detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]), 'L'), /xz/);
  });
});

describe('streamLayer', () => {
  const items = [
    { name: './etc/', type: 'directory' as const },
    { name: './etc/hostname', body: 'box\n', mode: 0o600 },
    { name: 'bin/sh', type: 'symlink' as const, linkname: '/bin/dash' },
    { name: 'bin/ash', type: 'link' as const, linkname: 'bin/sh' },
    { name: 'dev/null', type: 'character-device' as const },
    { name: 'run/fifo', type: 'fifo' as const },
    { name: `${'long/'.repeat(40)}name`, body: 'deep' },
  ];

  for (const how of ['gzip', 'zstd', 'none'] as const) {
    it(`reads entries and bodies (${how})`, async () => {
      const tar = await makeTar(items);
      const blob = compress(tar, how);
      const { result, entries, bodies } = await run(blob, { read: (e) => e.type === 'file' });
      assert.deepEqual(
        entries.map((e) => [e.ordinal, e.path, e.type, e.size, e.mode, e.linkname]),
        [
          [0, 'etc', 'dir', 0, 0o755, undefined],
          [1, 'etc/hostname', 'file', 4, 0o600, undefined],
          [2, 'bin/sh', 'symlink', 0, 0o644, '/bin/dash'],
          [3, 'bin/ash', 'hardlink', 0, 0o644, 'bin/sh'],
          [4, 'dev/null', 'other', 0, 0o644, undefined],
          [5, 'run/fifo', 'other', 0, 0o644, undefined],
          [6, `${'long/'.repeat(40)}name`, 'file', 4, 0o644, undefined],
        ],
      );
      assert.equal(bodies.get('etc/hostname'), 'box\n');
      assert.equal(bodies.get(`${'long/'.repeat(40)}name`), 'deep');
      assert.deepEqual(result, { compression: how, entries: 7, compressedBytes: blob.length, tarBytes: tar.length, stopped: false });
    });
  }

  it('gathers the first bytes when the blob arrives in tiny chunks', async () => {
    const blob = compress(await makeTar(['a', 'b']), 'zstd');
    const { entries, result } = await run(chunks(blob, 1));
    assert.deepEqual(entries.map((e) => e.path), ['a', 'b']);
    assert.equal(result.compression, 'zstd');
  });

  it('an empty blob is an empty layer; a few stray bytes are not', async () => {
    assert.equal((await run(Buffer.alloc(0))).result.entries, 0);
    await assert.rejects(run(Buffer.from([0x1f, 0x8b, 8])), code('UNSAFE_ARCHIVE'));
  });

  it('stops parsing when asked, but reads the blob to its end', async () => {
    const blob = compress(await makeTar(['a', 'b', 'c', 'd']), 'gzip');
    const { result, entries } = await run(blob, { done: () => true });
    assert.equal(entries.length, 1);
    assert.equal(result.stopped, true);
    assert.equal(result.compressedBytes, blob.length);
  });

  it('a digest failure at the end of the blob fails the call, also after a stop', async () => {
    const blob = compress(await makeTar(['a', 'b']), 'gzip');
    const bad = (): Readable => chunks(blob, 16).pipe(verifying('sha256:' + 'f'.repeat(64)));
    await assert.rejects(run(bad()), code('DIGEST_MISMATCH'));
    await assert.rejects(run(bad(), { done: () => true }), code('DIGEST_MISMATCH'));
  });

  it('a digest failure wins over the parse error that bad bytes cause', async () => {
    const blob = compress(await makeTar(['a', 'b']), 'gzip');
    const bytes = Buffer.from(blob);
    bytes[30] = bytes[30]! ^ 0xff;
    const src = new FakeSource([blob]);
    src.tampered.set(0, bytes);
    await assert.rejects(run(await src.openLayer(0)), code('DIGEST_MISMATCH'));
    await assert.rejects(run(chunks(bytes, 16)), code('UNSAFE_ARCHIVE'));
  });

  it('an error of the blob stream is an IO_ERROR; a VouchError passes unchanged', async () => {
    const failing = (err: Error): Readable =>
      Readable.from(
        (async function* () {
          yield Buffer.from('\x1f\x8b\x08\x00\x00\x00\x00\x00');
          await Promise.resolve();
          throw err;
        })(),
      );
    await assert.rejects(run(failing(new Error('ECONNRESET'))), (e: unknown) => code('IO_ERROR')(e) && /ECONNRESET/.test((e as Error).message));
    await assert.rejects(run(failing(new VouchError('REGISTRY_ERROR', 'gone'))), code('REGISTRY_ERROR'));
  });

  it('an error thrown by the caller fails the call with that error', async () => {
    const blob = compress(await makeTar(['a', 'b']), 'gzip');
    await assert.rejects(
      streamLayer(chunks(blob, 64), {
        limits: resolveLimits(),
        label: 'L',
        maxEntries: Infinity,
        onEntry: () => {
          throw new VouchError('IMAGE_INVALID', 'no thanks');
        },
      }),
      code('IMAGE_INVALID'),
    );
  });

  it('limits the entries', async () => {
    const blob = await makeTar(['a', 'b', 'c']);
    await assert.rejects(run(blob, { maxEntries: 2 }), (e: unknown) => code('UNSAFE_ARCHIVE')(e) && /more tar entries/.test((e as Error).message));
    assert.equal((await run(blob, { maxEntries: 3 })).result.entries, 3);
  });

  it('limits the decompressed bytes of a layer, compressed or not', async () => {
    const tar = await makeTar([{ name: 'f', body: Buffer.alloc(100_000) }]);
    for (const how of ['gzip', 'none'] as const) {
      await assert.rejects(run(compress(tar, how), { limits: resolveLimits({ maxLayerBytes: 50_000 }) }), /maxLayerBytes/);
    }
  });

  it(`stops a decompression bomb past ${RATIO_FLOOR_BYTES / 1024 / 1024} MiB by its ratio`, async () => {
    const bomb = await zerosLayer(RATIO_FLOOR_BYTES * 2, 'zstd', ['after']);
    await assert.rejects(
      run(bomb),
      (e: unknown) => code('UNSAFE_ARCHIVE')(e) && /decompression bomb: .* \(more than 200×, maxCompressionRatio\)/.test((e as Error).message),
    );
    const { entries } = await run(bomb, { limits: resolveLimits({ maxCompressionRatio: 1_000_000 }) });
    assert.deepEqual(entries.map((e) => e.path), ['zeros', 'after']);
  });

  it('does not apply the ratio below the floor', async () => {
    // 4 MiB of zeros gzip to ~4 KiB: a ratio of ~1000, but too small to matter.
    const { entries } = await run(await zerosLayer(4 * 1024 * 1024, 'gzip'));
    assert.deepEqual(entries.map((e) => e.path), ['zeros']);
  });
});
