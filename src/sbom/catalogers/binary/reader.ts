/**
 * Bounded random access to one file of the source, for the binary catalogers.
 *
 * Binaries have no fixed names, so every candidate file is probed: its first bytes are read
 * and checked for the ELF magic before anything else is read. With a resolver that has
 * `readRange` (the directory source has), a probe costs one small read and a Go or Rust
 * binary a handful more (headers, the section-name table, one section); nothing else of the
 * file is read. A resolver without it serves ranges from one whole-file read, bounded by
 * `limits.maxFileBytes` like every other cataloger's reads.
 *
 * Whatever the resolver, the bytes one file may cost are bounded: `limits.maxFileBytes` in all.
 */
import { VouchError, type Limits } from '../../../core/index.ts';
import type { FileResolver } from '../../source/resolver.ts';

export interface ByteSource {
  readonly path: string;
  /** Up to `length` bytes from byte `start` (fewer at the end of the file, none past it). */
  read(start: number, length: number): Promise<Buffer>;
}

/**
 * Bytes read by the first probe of every file: the whole ELF header of either class (52 bytes
 * for ELF32, 64 for ELF64). A resolver that records this much of each file while indexing (an
 * image's, say) can answer probes without extracting anything.
 */
export const PROBE_BYTES = 64;

export function byteSource(resolver: FileResolver, path: string, limits: Limits): ByteSource {
  let budget = limits.maxFileBytes;
  const spend = (length: number): void => {
    if (length > budget) {
      throw new VouchError('LIMIT_EXCEEDED', `${path}: reading ${length} more bytes would pass the ${limits.maxFileBytes}-byte limit`);
    }
    budget -= length;
  };
  const readRange = resolver.readRange?.bind(resolver);
  if (readRange) {
    return {
      path,
      read: async (start, length) => {
        if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(length) || length < 0) return Buffer.alloc(0);
        spend(length);
        return readRange(path, start, length);
      },
    };
  }
  let whole: Promise<Buffer> | undefined;
  return {
    path,
    read: async (start, length) => {
      whole ??= resolver.read(path, limits.maxFileBytes);
      const buf = await whole;
      if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(length) || length < 0 || start >= buf.length) {
        return Buffer.alloc(0);
      }
      return buf.subarray(start, Math.min(buf.length, start + length));
    },
  };
}
