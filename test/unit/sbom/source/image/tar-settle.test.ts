/**
 * streamLayer settles whatever order its streams end, close and fail in: an await that nothing
 * will ever settle leaves Node's event loop empty, and `vouch` died with "unsettled top-level
 * await" (exit 13) instead of answering. Each case here pins one order that once hung.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { VouchError, resolveLimits } from '../../../../../src/core/index.ts';
import { streamLayer, type StreamLayerOptions } from '../../../../../src/sbom/source/image/tar.ts';
import { compress, makeTar, type Compressor } from './resolver-helpers.ts';

/** `blob` in `size`-byte chunks; `ended` resolves once the consumer has asked past the last one. */
function source(blob: Buffer, size: number): { raw: Readable; ended: Promise<void> } {
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const raw = Readable.from(
    (function* () {
      for (let off = 0; off < blob.length; off += size) yield blob.subarray(off, off + size);
      markEnded();
    })(),
  );
  return { raw, ended };
}

/** Incompressible bytes, the same on every run (xorshift32). */
function noise(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A tar whose first file is large, followed by `rest` KiB that stay in the stream buffers while
 * the first entry is handled (random bytes, so that gzip does not shrink them to nothing).
 */
async function layer(how: Compressor, rest: number): Promise<Buffer> {
  return compress(
    await makeTar([
      { name: 'big', body: Buffer.alloc(256 * 1024, 0x61) },
      { name: 'rest', body: noise(rest * 1024) },
      'last',
    ]),
    how,
  );
}

/**
 * Wait until the blob has ended, or for `turns` turns of the event loop when it cannot (the
 * rest of the tar is then more than the buffers hold, and the blob waits for this entry).
 */
async function blobEndedOr(ended: Promise<void>, turns: number): Promise<void> {
  let done = false;
  void ended.then(() => (done = true));
  for (let i = 0; i < turns && !done; i++) await nextTurn();
  for (let i = 0; i < 20; i++) await nextTurn();
}

function options(extra: Partial<StreamLayerOptions> & Pick<StreamLayerOptions, 'onEntry'>): StreamLayerOptions {
  return { limits: resolveLimits(), label: 'layer 0 (test)', maxEntries: Infinity, ...extra };
}

// A regression hangs a case rather than failing it: the timeout turns that into a failure.
describe('streamLayer settles', { timeout: 30_000 }, () => {
  // How much of the tar is still buffered when the blob ends depends on the buffer sizes of
  // node:stream, zlib and tar-stream; these sizes each hung before the fix (most of them do).
  for (const how of ['none', 'gzip'] as const) {
    for (const rest of [64, 128, 160, 256, 352]) {
      it(`stopping after the blob has ended, with the rest of the tar still buffered (${how}, ${rest} KiB)`, async () => {
        // The last wanted entry is handled after the whole blob was read and the parsing side
        // was told its input ended: stopping then destroys an input stream that has ended but not
        // emitted 'end' (its bytes are still buffered), which a stream pipeline never settles on.
        const blob = await layer(how, rest);
        const { raw, ended } = source(blob, 16 * 1024);
        const seen: string[] = [];
        const r = await streamLayer(
          raw,
          options({
            onEntry: async (e, body) => {
              seen.push(e.path);
              for await (const _ of body);
              if (e.path !== 'big') return;
              await blobEndedOr(ended, 500);
            },
            done: () => seen.includes('big'),
          }),
        );
        assert.deepEqual(seen, ['big']);
        assert.equal(r.stopped, true);
        assert.equal(r.compressedBytes, blob.length);
      });
    }
  }

  it('a layer stream destroyed without an error mid-way is an IO_ERROR, not a hang', async () => {
    const blob = await layer('gzip', 160);
    let sent = 0;
    const raw = new Readable({
      read() {
        if (sent >= blob.length / 2) {
          this.destroy();
          return;
        }
        this.push(blob.subarray(sent, sent + 8192));
        sent += 8192;
      },
    });
    await assert.rejects(
      streamLayer(raw, options({ onEntry: async (_e, body) => { for await (const _ of body); } })),
      (err: unknown) => err instanceof VouchError && err.code === 'IO_ERROR' && /cannot read the layer/.test(err.message),
    );
  });

  it('an entry handler that fails after the blob has ended rejects with its error', async () => {
    const { raw, ended } = source(await layer('gzip', 160), 16 * 1024);
    await assert.rejects(
      streamLayer(
        raw,
        options({
          onEntry: async (e, body) => {
            for await (const _ of body);
            if (e.path !== 'big') return;
            await blobEndedOr(ended, 500);
            throw new VouchError('IMAGE_INVALID', 'refused by the test');
          },
        }),
      ),
      (err: unknown) => err instanceof VouchError && err.code === 'IMAGE_INVALID' && /refused by the test/.test(err.message),
    );
  });
});
