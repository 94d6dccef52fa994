/**
 * Streaming one layer blob: the compression is detected by its magic bytes (a media type can
 * lie, and Docker's `tar.gzip` layers are often labelled plain `tar`), decompressed with
 * node:zlib (gzip, zstd; multi-frame zstd through zstd.ts) and parsed with tar-stream, one
 * entry at a time. Nothing here buffers
 * a layer or writes anything to disk; the caller decides what to do with each entry's body.
 *
 * Limits (house rule 7), each a VouchError('UNSAFE_ARCHIVE') naming the layer:
 * - decompressed bytes per layer (`limits.maxLayerBytes`) and, past RATIO_FLOOR_BYTES, the
 *   ratio of decompressed to compressed bytes read so far (`limits.maxCompressionRatio`);
 * - tar entries over the whole image (`limits.maxFiles`, the caller passes what is left);
 * - names and link targets over MAX_NAME_BYTES; pax and GNU long-name headers over
 *   tar-stream's own 4 MiB cap (it refuses them before buffering more);
 * - absolute names and `..` that climbs above the root;
 * - truncated or corrupt gzip, zstd or tar data.
 *
 * The source verifies the blob's digest while it is read and fails the stream at its end on a
 * mismatch (types.ts). So this function always reads the raw stream to its end, even after
 * the caller asks it to stop parsing (`done()`): a result is returned only for a blob whose
 * digest held.
 */
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { VouchError, wrapError, type Limits } from '../../../core/index.ts';
import { ZstdFrameSplitter } from './zstd.ts';

/** Longest name or link target accepted, in bytes (Linux PATH_MAX). */
export const MAX_NAME_BYTES = 4096;
/**
 * Output chunk of the decompressors. zlib's default (16 KiB) costs a stream turn per 16 KiB:
 * gunzip of a 95 MB Debian layer (204 MB of tar) took 0.63–0.73 s with it, 0.36–0.41 s with
 * 64 KiB and 0.30–0.33 s with 256 KiB (Node 24, bench machine); larger was slower again.
 */
export const DECOMPRESS_CHUNK_BYTES = 256 * 1024;
/** Below this many decompressed bytes the ratio is not checked: an empty tar gzips 1 KiB to ~40 bytes. */
export const RATIO_FLOOR_BYTES = 64 * 1024 * 1024;

export type Compression = 'gzip' | 'zstd' | 'none';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** Position of the entry in the tar (0-based; pax and long-name headers are not entries). */
  readonly ordinal: number;
  /** Normalised POSIX path relative to the root, without `./` or a trailing slash; '' is the root itself. */
  readonly path: string;
  readonly type: TarEntryType;
  readonly size: number;
  readonly mode: number;
  /** Link target as written in the tar, for symlinks and hardlinks. */
  readonly linkname?: string;
}

export interface StreamLayerOptions {
  readonly limits: Limits;
  /** Names the layer in error messages: `layer 2 (sha256:...)`. */
  readonly label: string;
  /** Most entries this layer may have (what is left of `limits.maxFiles` for the image). */
  readonly maxEntries: number;
  /**
   * Called for every entry, in tar order. It may read `body` (the entry's data, exactly
   * `size` bytes); whatever it leaves unread is skipped. A throw fails the whole stream.
   */
  onEntry(entry: TarEntry, body: AsyncIterable<Buffer>): Promise<void> | void;
  /** Asked after each entry: true stops parsing (the raw blob is still read to its end). */
  done?(): boolean;
}

export interface StreamLayerResult {
  readonly compression: Compression;
  readonly entries: number;
  /** Bytes of the blob as stored. */
  readonly compressedBytes: number;
  /** Bytes of the tar stream that were decompressed (all of them unless stopped early). */
  readonly tarBytes: number;
  readonly stopped: boolean;
}

/** Compression from the first bytes of a blob (RFC 1952 §2.3.1; RFC 8878 §3.1.1). */
export function detectCompression(head: Buffer, label: string): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  // a zstd frame, or a skippable frame (zstd:chunked may start with one; RFC 8878 §3.1.2)
  if (head.length >= 4 && (head.readUInt32LE(0) === 0xfd2fb528 || (head.readUInt32LE(0) & 0xfffffff0) >>> 0 === 0x184d2a50)) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') {
    throw new VouchError('IMAGE_INVALID', `${label}: bzip2-compressed layers are not supported (OCI layers are tar, tar+gzip or tar+zstd)`);
  }
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    throw new VouchError('IMAGE_INVALID', `${label}: xz-compressed layers are not supported (OCI layers are tar, tar+gzip or tar+zstd)`);
  }
  return 'none';
}

/**
 * A tar member name → a path relative to the root. `./` prefixes, empty and `.` segments are
 * dropped; `..` is resolved. Absolute names and names that climb above the root are hostile
 * (no tool that builds images writes them): UNSAFE_ARCHIVE.
 */
export function normalizeTarPath(name: string, label: string): string {
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new VouchError('UNSAFE_ARCHIVE', `${label}: an entry name of ${Buffer.byteLength(name)} bytes is over the ${MAX_NAME_BYTES}-byte limit`);
  }
  if (name.startsWith('/')) throw new VouchError('UNSAFE_ARCHIVE', `${label}: entry ${JSON.stringify(name)} has an absolute path`);
  const out: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new VouchError('UNSAFE_ARCHIVE', `${label}: entry ${JSON.stringify(name)} leads outside the root`);
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

function entryType(type: Header['type'] | null): TarEntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      // devices, fifos, GNU sparse and unknown types: they occupy a path but have no readable content
      return 'other';
  }
}

function toEntry(h: Header, ordinal: number, label: string): TarEntry {
  const path = normalizeTarPath(h.name, label);
  const type = entryType(h.type);
  const size = h.size ?? 0;
  const mode = h.mode ?? 0;
  if (type !== 'symlink' && type !== 'hardlink') return { ordinal, path, type, size, mode };
  const linkname = h.linkname ?? '';
  if (Buffer.byteLength(linkname) > MAX_NAME_BYTES) {
    throw new VouchError('UNSAFE_ARCHIVE', `${label}: the link target of ${JSON.stringify(path)} is over the ${MAX_NAME_BYTES}-byte limit`);
  }
  return { ordinal, path, type, size, mode, linkname };
}

/**
 * Why the parsing side is torn down on purpose (stopped early, or failed). Its input is always
 * destroyed *with* an error: node:stream's pipeline never settles when its source is destroyed
 * without one after it has ended but before it has emitted 'end' (bytes still buffered because
 * a later stage is busy): it then waits for an 'end' that never comes, and with nothing else
 * to do Node exits on the unsettled await (exit 13).
 */
class Teardown extends Error {}

/** Errors of zlib and tar-stream → UNSAFE_ARCHIVE with a message that says what broke. */
function innerError(err: unknown, label: string, compression: Compression): VouchError {
  if (err instanceof VouchError) return err as VouchError;
  const e = err as NodeJS.ErrnoException;
  const msg = e?.message ?? String(err);
  let what: string;
  if (typeof e?.code === 'string' && (e.code.startsWith('Z_') || e.code.startsWith('ERR_ZSTD') || e.code.startsWith('ERR_ZLIB'))) {
    what = `corrupt or truncated ${compression} data`;
  } else if (msg === 'Unexpected end of data') what = 'truncated tar';
  else if (msg.startsWith('Invalid tar header')) what = 'not a tar archive, or a corrupt tar header';
  else if (msg === 'Header exceeds max size') what = 'a pax or long-name tar header is over 4 MiB';
  else if (msg === 'Invalid header') what = 'a tar header with an invalid size';
  else what = 'cannot read the tar';
  return new VouchError('UNSAFE_ARCHIVE', `${label}: ${what}: ${msg}`, { cause: err });
}

/** Stream one layer blob through decompression and tar parsing; see the file comment. */
export async function streamLayer(raw: Readable, options: StreamLayerOptions): Promise<StreamLayerResult> {
  const { limits, label } = options;
  let compressed = 0;
  let tarBytes = 0;
  let entries = 0;
  let stopped = false;
  let compression: Compression = 'none';

  /** The decompress → count → tar part, fed by `feed`; started once the first bytes are known. */
  const start = (head: Buffer): { feed: PassThrough; done: Promise<void> } => {
    compression = detectCompression(head, label);
    const feed = new PassThrough();
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        tarBytes += chunk.length;
        if (tarBytes > limits.maxLayerBytes) {
          cb(new VouchError('UNSAFE_ARCHIVE', `${label}: decompresses to more than ${limits.maxLayerBytes} bytes (maxLayerBytes)`));
        } else if (compression !== 'none' && tarBytes > RATIO_FLOOR_BYTES && tarBytes > compressed * limits.maxCompressionRatio) {
          cb(
            new VouchError(
              'UNSAFE_ARCHIVE',
              `${label}: decompression bomb: ${compressed} compressed bytes expanded to over ${tarBytes} (more than ${limits.maxCompressionRatio}×, maxCompressionRatio)`,
            ),
          );
        } else cb(null, chunk);
      },
    });
    const tar = extract();
    tar.on('entry', (header, body, next) => {
      current = handleEntry(header, body);
      current.then(
        () => {
          if (options.done?.() === true) {
            // No more entries: end the parsing side; the loop below drains the blob.
            stopped = true;
            feed.destroy(new Teardown('stopped'));
            tar.destroy();
          } else next();
        },
        (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
      );
    });
    const stages =
      compression === 'gzip'
        ? pipeline(feed, createGunzip({ chunkSize: DECOMPRESS_CHUNK_BYTES }), counter, tar)
        : compression === 'zstd'
          ? pipeline(feed, new ZstdFrameSplitter(label), createZstdDecompress({ chunkSize: DECOMPRESS_CHUNK_BYTES }), counter, tar)
          : pipeline(feed, counter, tar);
    const done = stages.catch((err: unknown) => {
      if (!stopped) throw innerError(err, label, compression);
    });
    return { feed, done };
  };

  const handleEntry = async (header: Header, body: AsyncIterable<unknown>): Promise<void> => {
    const ordinal = entries++;
    if (entries > options.maxEntries) {
      throw new VouchError('UNSAFE_ARCHIVE', `${label}: more tar entries than the image limit of ${limits.maxFiles} (maxFiles)`);
    }
    await options.onEntry(toEntry(header, ordinal, label), body as AsyncIterable<Buffer>);
    // Skip whatever the caller did not read.
    for await (const _ of body);
  };

  let inner: { feed: PassThrough; done: Promise<void> } | undefined;
  let innerFailure: unknown;
  /** The entry being handled: waited for before returning, so no caller work outlives the call. */
  let current: Promise<void> | undefined;
  const head: Buffer[] = [];
  let headBytes = 0;
  const write = async (chunk: Buffer): Promise<void> => {
    const stage = inner!;
    if (stage.feed.write(chunk)) return;
    const ac = new AbortController();
    try {
      await Promise.race([once(stage.feed, 'drain', { signal: ac.signal }), stage.done]);
    } catch (err) {
      if (!stopped) throw err;
    } finally {
      ac.abort();
    }
  };

  /** The first error of the decompress-and-parse side. The blob is still read to its end: a digest mismatch, if any, is the better error. */
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
    inner?.feed.destroy(new Teardown('failed'));
  };
  /** Start the decompress-and-parse side on the first bytes; returns them. */
  const begin = (): Buffer => {
    const first = Buffer.concat(head);
    inner = start(first);
    inner.done.catch((err: unknown) => (innerFailure ??= err));
    return first;
  };

  try {
    const iterator = (raw as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    for (;;) {
      let step: IteratorResult<Buffer | string>;
      try {
        step = await iterator.next();
      } catch (err) {
        throw wrapError(err, 'IO_ERROR', `${label}: cannot read the layer`);
      }
      if (step.done === true) break;
      const chunk = typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
      compressed += chunk.length;
      if (stopped || failure !== undefined) continue; // drain: the source checks the digest at the end
      try {
        if (!inner) {
          head.push(chunk);
          headBytes += chunk.length;
          if (headBytes < 6) continue;
          await write(begin());
        } else await write(chunk);
        if (innerFailure !== undefined) throw innerFailure as Error;
      } catch (err) {
        fail(err);
      }
    }
    if (!stopped && failure === undefined) {
      try {
        if (!inner) {
          const first = begin();
          inner!.feed.write(first);
        }
        inner!.feed.end();
        await inner!.done;
      } catch (err) {
        fail(err);
      }
    }
    if (failure !== undefined) throw failure as Error;
  } finally {
    if (inner) {
      if (!inner.feed.destroyed && !inner.feed.writableFinished) inner.feed.destroy(new Teardown('failed'));
      await inner.done.catch(() => undefined);
    }
    await current?.catch(() => undefined);
    if (!raw.destroyed) raw.destroy();
  }
  return { compression, entries, compressedBytes: compressed, tarBytes, stopped };
}
