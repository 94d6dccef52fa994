/**
 * Streaming the entries of an OSV `all.zip` from disk with yauzl, one at a time (lazyEntries):
 * the archive is never loaded whole, and each entry is inflated into memory only up to a cap.
 * Zip bombs: an entry is refused when its header claims more than `maxEntryBytes` or a
 * compression ratio over `maxRatio` (after a small grace size), and because headers lie, the
 * inflated bytes are counted as they arrive and cut off at the same cap (yauzl's
 * validateEntrySizes also fails a stream longer than its header says). A bad entry is reported
 * to the caller, which skips it; a corrupt central directory fails the whole archive.
 *
 * Reads go through two 1 MiB windows (WindowReader) instead of yauzl's own fd reader, which makes
 * two or three small asynchronous reads per entry: on OSV's archives of thousands of small
 * entries that was two thirds of the import time. Memory stays bounded by the window.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

const RATIO_GRACE_BYTES = 64 * 1024;

export interface ZipReadLimits {
  readonly maxEntryBytes: number;
  readonly maxRatio: number;
  readonly maxEntries: number;
}

export class ZipEntryError extends Error {
  override readonly name = 'ZipEntryError';
}

export type ZipItem = { readonly name: string; readonly data: Buffer } | { readonly name: string; readonly error: Error };

const WINDOW_BYTES = 1024 * 1024;

/** A yauzl reader serving small ranges from a cached window of the file, large ones as streams. */
class WindowReader extends yauzl.RandomAccessReader {
  private readonly path: string;
  private fd: number | undefined;
  /**
   * Two windows, least recently used replaced: yauzl walks the central directory (at the end of
   * the archive) while the entries' data is read near the start; one window would be refilled
   * twice per entry.
   */
  private readonly windows = [0, 1].map(() => ({ buf: Buffer.alloc(WINDOW_BYTES), start: 0, length: 0, used: 0 }));
  private clock = 0;

  constructor(path: string, fd: number) {
    super();
    this.path = path;
    this.fd = fd;
  }

  /** Bytes [start, end) of the file; the range must be at most WINDOW_BYTES. Valid until the next read. */
  slice(start: number, end: number): Buffer {
    if (this.fd === undefined) throw new Error('zip reader closed');
    let w = this.windows.find((x) => start >= x.start && end <= x.start + x.length);
    if (w === undefined) {
      w = this.windows[0]!.used <= this.windows[1]!.used ? this.windows[0]! : this.windows[1]!;
      w.start = start;
      w.length = readSync(this.fd, w.buf, 0, WINDOW_BYTES, start);
      if (end > start + w.length) throw new Error('unexpected end of file');
    }
    w.used = ++this.clock;
    return w.buf.subarray(start - w.start, end - w.start);
  }

  override _readStreamForRange(start: number, end: number): Readable {
    if (end - start > WINDOW_BYTES) return createReadStream(this.path, { start, end: end - 1, highWaterMark: WINDOW_BYTES });
    let data: Buffer;
    try {
      data = Buffer.from(this.slice(start, end));
    } catch (err) {
      return new Readable({ read() { this.destroy(err instanceof Error ? err : new Error(String(err))); } });
    }
    return new Readable({
      read() {
        this.push(data);
        this.push(null);
      },
    });
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    try {
      this.slice(position, position + length).copy(buffer, offset);
    } catch (err) {
      process.nextTick(callback, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    process.nextTick(callback, null);
  }

  override close(callback: (err: Error | null) => void): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    process.nextTick(callback, null);
  }
}

/** The window reader of each open archive (for the in-window fast path of readEntry). */
const readers = new WeakMap<ZipFile, WindowReader>();

function open(path: string): Promise<ZipFile> {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (err) {
    closeSync(fd);
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  const reader = new WindowReader(path, fd);
  return new Promise((resolve, reject) => {
    const done = (zip: ZipFile): void => {
      readers.set(zip, reader);
      resolve(zip);
    };
    yauzl.fromRandomAccessReader(reader, size, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false }, (err, zip) => {
      if (err) {
        reader.close(() => undefined);
        reject(err);
      } else done(zip);
    });
  });
}

function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: Entry): void => {
      cleanup();
      resolve(e);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function readEntry(zip: ZipFile, entry: Entry, name: string, limits: ZipReadLimits): Promise<Buffer> {
  if (entry.isEncrypted()) return Promise.reject(new ZipEntryError(`${name}: encrypted, not read`));
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    return Promise.reject(new ZipEntryError(`${name}: ${entry.uncompressedSize} bytes uncompressed is over the ${limits.maxEntryBytes}-byte limit`));
  }
  const byRatio = entry.compressionMethod === 0 ? Infinity : Math.max(RATIO_GRACE_BYTES, entry.compressedSize * limits.maxRatio);
  if (entry.uncompressedSize > byRatio) return Promise.reject(new ZipEntryError(`${name}: compression ratio over ${limits.maxRatio}:1, refused (zip bomb?)`));
  const cap = Math.min(limits.maxEntryBytes, byRatio);
  const reader = readers.get(zip);
  if (reader !== undefined && entry.compressedSize <= WINDOW_BYTES && (entry.compressionMethod === 0 || entry.compressionMethod === 8)) {
    return readSmallEntry(zip, reader, entry, name, cap);
  }
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream: Readable) => {
      if (err) {
        reject(new ZipEntryError(`${name}: ${err.message}`));
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      let done = false;
      const fail = (e: Error): void => {
        if (done) return;
        done = true;
        stream.destroy();
        reject(e instanceof ZipEntryError ? e : new ZipEntryError(/too many bytes/.test(e.message) ? `${name}: inflates past its declared size, refused (zip bomb?)` : `${name}: ${e.message}`));
      };
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > cap) fail(new ZipEntryError(`${name}: inflates past ${cap} bytes, refused (zip bomb?)`));
        else chunks.push(chunk);
      });
      stream.once('error', fail);
      stream.once('end', () => {
        if (done) return;
        done = true;
        resolve(Buffer.concat(chunks, total));
      });
    });
  });
}

/**
 * The fast path for an entry whose compressed bytes fit the window (every OSV advisory): read
 * them from the window and inflate in one call, with the same checks as the stream path — the
 * output capped (`maxOutputLength`), its length equal to the central directory's size, and its
 * CRC-32 equal to the recorded one (APPNOTE 4.4.7), as yauzl's validateEntrySizes and the
 * stream path's length check would. Streams cost more than the inflation on thousands of
 * small entries.
 */
function readSmallEntry(zip: ZipFile, reader: WindowReader, entry: Entry, name: string, cap: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.readLocalFileHeader(entry, { minimal: true }, (err, header) => {
      if (err) {
        reject(new ZipEntryError(`${name}: ${err.message}`));
        return;
      }
      try {
        const raw = reader.slice(header.fileDataStart, header.fileDataStart + entry.compressedSize);
        let data: Buffer;
        if (entry.compressionMethod === 0) data = Buffer.from(raw);
        else {
          try {
            data = inflateRawSync(raw, { maxOutputLength: Math.max(1, Math.min(cap, entry.uncompressedSize + 1)) });
          } catch (e) {
            const code = (e as { code?: string }).code;
            throw new ZipEntryError(code === 'ERR_BUFFER_TOO_LARGE' ? `${name}: inflates past its declared size, refused (zip bomb?)` : `${name}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (data.length !== entry.uncompressedSize) throw new ZipEntryError(`${name}: ${data.length} bytes, the archive says ${entry.uncompressedSize}`);
        if (crc32(data) !== entry.crc32) throw new ZipEntryError(`${name}: CRC-32 mismatch`);
        resolve(data);
      } catch (e) {
        reject(e instanceof ZipEntryError ? e : new ZipEntryError(`${name}: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  });
}

/**
 * Yield the `.json` entries of the archive one by one. Entry errors are yielded (and the walk
 * goes on); an unreadable archive or central directory throws.
 */
export async function* zipJsonEntries(path: string, limits: ZipReadLimits): AsyncGenerator<ZipItem> {
  const zip = await open(path);
  try {
    let count = 0;
    for (;;) {
      const entry = await nextEntry(zip);
      if (entry === undefined) return;
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      if (name.endsWith('/') || !name.toLowerCase().endsWith('.json')) continue;
      if (++count > limits.maxEntries) {
        yield { name, error: new ZipEntryError(`more than ${limits.maxEntries} entries; the rest are not read`) };
        return;
      }
      try {
        yield { name, data: await readEntry(zip, entry, name, limits) };
      } catch (err) {
        yield { name, error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
  } finally {
    zip.close();
  }
}
