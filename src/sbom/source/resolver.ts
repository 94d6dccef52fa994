/**
 * A FileResolver is the read-only view of a source (a directory, a single file, later an
 * image's squashed filesystem) that catalogers see. Paths are POSIX, relative to the root,
 * without a leading slash.
 */
export interface FileRef {
  /** POSIX path relative to the source root. */
  readonly path: string;
}

export interface FileResolver {
  /** Every regular file in the source, sorted by path. */
  files(): readonly FileRef[];
  /** File name → paths of the files with that name, if the source keeps such an index (else callers build one). */
  byName?(): ReadonlyMap<string, readonly string[]>;
  /** In an image: digest of the layer the visible copy of `path` comes from. */
  layerOf?(path: string): string | undefined;
  /** The file at `path`, if the source has it. */
  get(path: string): FileRef | undefined;
  /** Read a whole file; throws LIMIT_EXCEEDED when it is over `maxBytes` (default: the source's file limit), IO_ERROR on failure. */
  read(path: string, maxBytes?: number): Promise<Buffer>;
  /**
   * Read up to `length` bytes of a file from byte `start` (fewer at the end of the file, none
   * past it), without reading the rest: the binary catalogers probe every file's first bytes
   * for an ELF header and then read only a few sections. Optional: without it they read whole
   * files with read(). Throws LIMIT_EXCEEDED when `length` is over the source's file limit,
   * IO_ERROR on failure.
   */
  readRange?(path: string, start: number, length: number): Promise<Buffer>;
  /**
   * A hint that the files at `paths` are about to be read: a source that reads in passes (an
   * image's layers) fetches them together, one pass per layer, rather than one pass per read.
   * With `ranges`, they will be read only through readRange(), so a file whose first and last
   * bytes the source already holds is left for readRange() to answer (or fetch on a miss).
   * Paths that are not files, and files over the size limit, are skipped (reads report them).
   * Optional: sources that read any file cheaply do not need it. Rejects when a pass fails.
   */
  prefetch?(paths: readonly string[], options?: { readonly ranges?: boolean }): Promise<void>;
}

/** Read a file as UTF-8 text, dropping a BOM and decoding UTF-16 (LE/BE with BOM) as well. */
export async function readText(resolver: FileResolver, path: string, maxBytes?: number): Promise<string> {
  return decodeText(await resolver.read(path, maxBytes));
}

export function decodeText(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const swapped = Buffer.from(buf.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  return buf.toString('utf8');
}

/** POSIX dirname of a resolver path ('' for the root). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Join resolver path segments, resolving `.` and `..`; returns undefined when the result would leave the root. */
export function joinPath(...parts: string[]): string | undefined {
  const out: string[] = [];
  for (const part of parts) {
    for (const seg of part.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (out.length === 0) return undefined;
        out.pop();
      } else out.push(seg);
    }
  }
  return out.join('/');
}
