/**
 * Reading ZIP archives (JAR/WAR/EAR) from memory with yauzl, defended against hostile input
 * (house rule 7). Nothing is ever written to disk, and entry names are only compared with
 * the few names we look for, never used as file paths; names that would be unsafe as paths
 * (absolute, drive letters, `..`, backslashes: yauzl's `validateFileName`) are set apart.
 *
 * Zip bombs: an entry is refused when its header claims more than `maxEntryBytes` or a
 * compression ratio over `maxRatio`; and because headers lie, the inflated stream is
 * counted as it arrives and cut off at the same limits (plus yauzl's own check that the
 * stream matches the header's size). The ratio is enforced once an entry is past a small
 * grace size, as Apache POI's ZipSecureFile does: a few KiB of padding compress far better
 * than 200:1 and are harmless.
 */
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/** Most entries listed per archive (a JAR with more is hostile or broken). */
export const MAX_ZIP_ENTRIES = 100_000;
/** Below this many inflated bytes the ratio limit is not applied. */
const RATIO_GRACE_BYTES = 64 * 1024;

export interface ZipLimits {
  readonly maxEntryBytes: number;
  readonly maxRatio: number;
}

export interface ZipEntry {
  /** Decoded name (CP437 or UTF-8 per the general-purpose flag / Info-ZIP unicode path field). */
  readonly name: string;
  /** True when the name would be unsafe as a path; such entries are never read. */
  readonly unsafe: boolean;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly entry: Entry;
}

export class ZipLimitError extends Error {
  override readonly name = 'ZipLimitError';
}

export interface OpenedZip {
  readonly entries: readonly ZipEntry[];
  /** True when the archive had more than MAX_ZIP_ENTRIES entries (the rest are not listed). */
  readonly truncated: boolean;
  read(e: ZipEntry, limits: ZipLimits): Promise<Buffer>;
  close(): void;
}

export async function openZip(buf: Buffer): Promise<OpenedZip> {
  const zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false });
  try {
    const { entries, truncated } = await listEntries(zip);
    return { entries, truncated, read: (e, limits) => readEntry(zip, e, limits), close: () => zip.close() };
  } catch (err) {
    zip.close();
    throw err;
  }
}

function listEntries(zip: ZipFile): Promise<{ entries: ZipEntry[]; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const entries: ZipEntry[] = [];
    zip.on('entry', (entry: Entry) => {
      if (entries.length >= MAX_ZIP_ENTRIES) {
        zip.removeAllListeners();
        resolve({ entries, truncated: true });
        return;
      }
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      entries.push({
        name,
        unsafe: yauzl.validateFileName(name) !== null || name.includes('\u0000'),
        compressedSize: entry.compressedSize,
        uncompressedSize: entry.uncompressedSize,
        entry,
      });
      zip.readEntry();
    });
    zip.once('end', () => resolve({ entries, truncated: false }));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function readEntry(zip: ZipFile, e: ZipEntry, limits: ZipLimits): Promise<Buffer> {
  if (e.unsafe) return Promise.reject(new ZipLimitError(`${e.name}: unsafe entry name, not read`));
  if (e.entry.isEncrypted()) return Promise.reject(new ZipLimitError(`${e.name}: encrypted, not read`));
  if (e.uncompressedSize > limits.maxEntryBytes) {
    return Promise.reject(new ZipLimitError(`${e.name}: ${e.uncompressedSize} bytes uncompressed is over the ${limits.maxEntryBytes}-byte limit`));
  }
  const maxByRatio = e.entry.compressionMethod === 0 ? Infinity : Math.max(RATIO_GRACE_BYTES, e.compressedSize * limits.maxRatio);
  if (e.uncompressedSize > maxByRatio) {
    return Promise.reject(new ZipLimitError(`${e.name}: compression ratio over ${limits.maxRatio}:1, refused (zip bomb?)`));
  }
  const cap = Math.min(limits.maxEntryBytes, maxByRatio);
  return new Promise((resolve, reject) => {
    zip.openReadStream(e.entry, (err, stream: Readable) => {
      if (err) {
        reject(err);
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      let done = false;
      const fail = (error: Error): void => {
        if (done) return;
        done = true;
        stream.destroy();
        // yauzl's own byte count (validateEntrySizes) may notice a lying header first.
        reject(
          /too many bytes/.test(error.message)
            ? new ZipLimitError(`${e.name}: inflates past the ${e.uncompressedSize} bytes its header claims, refused (zip bomb?)`)
            : error instanceof ZipLimitError
              ? error
              : new Error(`${e.name}: ${error.message}`),
        );
      };
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > cap) {
          fail(new ZipLimitError(`${e.name}: inflates past ${cap} bytes (header said ${e.uncompressedSize}), refused (zip bomb?)`));
          return;
        }
        chunks.push(chunk);
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
