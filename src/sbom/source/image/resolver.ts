/**
 * ImageResolver: the FileResolver catalogers read an image through.
 *
 * open() streams every layer once, bottom to top (tar.ts), and keeps only metadata: per path,
 * per layer, the entry's type, size, mode, link target and its position in its layer's tar
 * (layer.ts applies whiteouts and answers lookups in any layer's state). No file content is
 * kept, and nothing is written to disk unless `capture` asks for it (below).
 *
 * Reading: the first read of a file extracts it, in one more pass over its layer, into a
 * private temporary folder (mkdtemp, 0700) under a name of our own (a counter; a tar path is
 * never used as a file name, so nothing can be written outside that folder whatever the tar
 * says); later reads are served from there. prefetch(paths) extracts all the files a scan will
 * read up front, one pass per layer; reads that miss it start a pass of their own, and misses
 * that arrive together share one. With `capture`, the files it picks (by name, say) are kept
 * during the index pass itself, so that a scan that reads only those makes one pass per layer
 * in all (decompression is most of the time: a Debian layer is ~1 s of gunzip per pass).
 *
 * Ranges: the binary catalogers probe every executable for ELF headers, which sit at both ends
 * of the file (the ELF and program headers at the start; the section header table and, from
 * GNU ld and Go's linker alike, the section-name table within the last few KiB). For the files
 * `capture` answers `'ends'` to, the index pass keeps their first ENDS_HEAD_BYTES and last
 * ENDS_TAIL_BYTES in memory (all of a file that small), up to MAX_ENDS_BYTES for the image, and
 * readRange() answers from them; a range outside them (a Go binary's build info) extracts the
 * file as a read does and reads just that range of it. So only the real Go and Rust binaries
 * are extracted, not every executable (439 files, 40 MB, in a Debian minbase image).
 *
 * A pass stops decompressing after its last wanted file but still reads the blob to its end,
 * so the source checks the digest before anything extracted is used: a pass that fails
 * (DIGEST_MISMATCH, UNSAFE_ARCHIVE) deletes what it wrote and every later read from that layer
 * fails the same way; a failed open() removes the temporary folder. Memory stays bounded by the
 * metadata: layers are streamed, and a file is held in memory only when it is read (and only
 * up to the limit).
 *
 * Views (ImageScope):
 * - `squashed`: what the container sees: the top state, files at their own paths. A symlink
 *   that resolves to a regular file is listed as a file (`etc/os-release` → `../usr/lib/os-release`).
 * - `all-layers`: the squashed files at their own paths, plus every other regular file of every
 *   layer (overwritten or deleted by a higher layer) at `.layers/<i>/<path>`, `<i>` being the
 *   index of the layer that has it (0 = bottom). Such a path reads the filesystem as it was
 *   after layer `<i>`: the copy of that layer, and its siblings of that time, so a cataloger
 *   that reads `.layers/1/var/lib/dpkg/status` and then `.layers/1/usr/share/doc/x/copyright`
 *   sees layer 1's world. In this view every path under `.layers/` is such a layer path: an
 *   image's own `.layers` folder shows up as `.layers/<top>/.layers/...`. locate() turns a path
 *   back into the image path and its layer, for SBOM locations.
 *
 * layerOf(path) is the layer that holds the bytes read at `path` (for a symlink, its target's).
 * close() removes the temporary folder; it does not close the source (its opener does).
 */
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { VouchError, wrapError, type Limits, type Logger } from '../../../core/index.ts';
import type { Warning } from '../../../formats/model/index.ts';
import type { FileRef, FileResolver } from '../resolver.ts';
import { LayeredTree, type Content, type TreeEntry } from './layer.ts';
import { streamLayer, type TarEntry } from './tar.ts';
import type { ImageScope, ImageSource } from './types.ts';

/** Prefix of the layer paths of the all-layers view: `.layers/<index>/<path>`. */
export const LAYER_PATH_PREFIX = '.layers/';

/** Layer passes that run at once (each holds a decompressor and a tar parser). */
const PASS_CONCURRENCY = 2;

/** Bytes kept from the start of a file `capture` answers `'ends'` to: the ELF and program headers. */
export const ENDS_HEAD_BYTES = 4 * 1024;
/**
 * Bytes kept from its end: the section header table and the section-name table (on Debian 12,
 * libc.so.6's start 5168 bytes from the end, 64 sections; /usr/bin's, Go's included, within 3 KiB).
 */
export const ENDS_TAIL_BYTES = 12 * 1024;
/** Most bytes of file ends kept for one image (2048 files); files past it are extracted when read. */
export const MAX_ENDS_BYTES = 32 * 1024 * 1024;

export interface ImageResolverOptions {
  readonly scope: ImageScope;
  readonly limits: Limits;
  readonly logger: Logger;
  /** Parent of the temporary folder; default os.tmpdir(). */
  readonly tmpDir?: string;
  /**
   * Files to keep while indexing, saving a second pass over their layer: called with each
   * regular file's path in its layer (whether or not a higher layer hides it), its size and
   * mode. Say yes (true) to what the catalogers will read (a name or glob match); files over
   * `limits.maxFileBytes` are never kept. `'ends'` keeps only the file's first and last bytes,
   * in memory, for readRange() (see the file comment). Default: none (every file is extracted
   * on demand).
   */
  readonly capture?: (path: string, size: number, mode: number) => boolean | 'ends';
}

/** The first and last bytes of a file, kept while indexing (all of it when it is small). */
interface Ends {
  readonly head: Buffer;
  readonly tail: Buffer;
  /** Offset of `tail` in the file. */
  readonly tailStart: number;
}

/** A file of an image. */
export interface ImageFileRef extends FileRef {
  readonly size: number;
  readonly mode: number;
  /** Digest of the layer that holds the file's bytes. */
  readonly layer: string;
}

/** Where a resolver path is in the image. */
export interface ImageLocation {
  /** The path in the image (without a `.layers/<i>/` prefix). */
  readonly path: string;
  /** Digest of the layer that holds the file's bytes. */
  readonly layer: string;
  readonly layerIndex: number;
}

interface Wanted {
  readonly content: Content;
  resolve(file: string): void;
  reject(err: unknown): void;
}

interface LayerQueue {
  pending: Map<number, Wanted>;
  running: boolean;
}

interface Listing {
  readonly refs: readonly ImageFileRef[];
  readonly byPath: ReadonlyMap<string, ImageFileRef>;
  readonly names: ReadonlyMap<string, readonly string[]>;
}

function layerLabel(index: number, digest: string): string {
  return `layer ${index} (${digest.slice(0, digest.indexOf(':') + 13)})`;
}

async function openLayer(source: ImageSource, index: number, label: string): Promise<Readable> {
  try {
    return await source.openLayer(index);
  } catch (err) {
    throw wrapError(err, 'IO_ERROR', `${label}: cannot open the layer`);
  }
}

/** The private temporary folder, made on first use (mkdtemp: mode 0700); files in it are named by a counter. */
class TempFolder {
  private readonly parent: string;
  private dir: Promise<string> | undefined;
  private closed = false;
  private counter = 0;

  constructor(parent: string) {
    this.parent = parent;
  }

  /** A path for a new file (not created). */
  async newFile(): Promise<string> {
    if (this.closed) throw new VouchError('IO_ERROR', 'the image resolver is closed');
    this.dir ??= mkdtemp(join(this.parent, 'vouch-image-')).catch((err: unknown) => {
      throw wrapError(err, 'IO_ERROR', `cannot create a temporary folder under ${this.parent}`);
    });
    return join(await this.dir, String(++this.counter));
  }

  /** Remove the folder and everything in it; idempotent, and no folder is made afterwards. */
  async remove(): Promise<void> {
    this.closed = true;
    const dir = await this.dir?.catch(() => undefined);
    this.dir = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Write an entry's body to a new file of ours, never replacing one. */
async function writeBody(file: string, body: AsyncIterable<Buffer>): Promise<void> {
  await writeFile(file, body, { flag: 'wx', mode: 0o600 });
}

/** Read an entry's body, keeping its first ENDS_HEAD_BYTES and last ENDS_TAIL_BYTES (copies: no chunk of the stream is retained). */
async function keepEnds(size: number, body: AsyncIterable<Buffer>): Promise<Ends> {
  if (size <= ENDS_HEAD_BYTES + ENDS_TAIL_BYTES) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    const all = Buffer.concat(chunks);
    return { head: all, tail: Buffer.alloc(0), tailStart: all.length };
  }
  const head: Buffer[] = [];
  let headBytes = 0;
  const tail: Buffer[] = [];
  let tailBytes = 0;
  let read = 0;
  for await (const c of body) {
    if (headBytes < ENDS_HEAD_BYTES) {
      const part = Buffer.from(c.subarray(0, ENDS_HEAD_BYTES - headBytes));
      head.push(part);
      headBytes += part.length;
    }
    tail.push(c);
    tailBytes += c.length;
    while (tail.length > 1 && tailBytes - tail[0]!.length >= ENDS_TAIL_BYTES) tailBytes -= tail.shift()!.length;
    read += c.length;
  }
  const last = Buffer.concat(tail);
  const kept = Buffer.from(last.subarray(Math.max(0, last.length - ENDS_TAIL_BYTES)));
  return { head: Buffer.concat(head), tail: kept, tailStart: read - kept.length };
}

/** Up to `length` bytes of an extracted file from `start`. */
async function readFileRange(file: string, start: number, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    let off = 0;
    while (off < length) {
      const { bytesRead } = await fh.read(buf, off, length - off, start + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

/** At most `n` tasks at once. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

export class ImageResolver implements FileResolver {
  readonly scope: ImageScope;
  /** Links not followed (out of the root, loops, hardlinks to nothing). */
  readonly warnings: readonly Warning[];
  private readonly source: ImageSource;
  private readonly tree: LayeredTree;
  private readonly limits: Limits;
  private readonly logger: Logger;
  private readonly digests: readonly string[];
  private readonly listing: Listing;
  private readonly temp: TempFolder;
  private closed = false;
  /** `layer:ordinal` → the extracted file (a rejected promise after a failed pass). */
  private readonly extracted = new Map<string, Promise<string>>();
  /** `layer:ordinal` → the ends kept while indexing. */
  private readonly ends: ReadonlyMap<string, Ends>;
  private readonly queues = new Map<number, LayerQueue>();
  private readonly failed = new Map<number, VouchError>();
  private readonly slots = new Slots(PASS_CONCURRENCY);

  private constructor(
    source: ImageSource,
    tree: LayeredTree,
    warnings: Warning[],
    options: ImageResolverOptions,
    temp: TempFolder,
    captured: ReadonlyMap<string, string>,
    ends: ReadonlyMap<string, Ends>,
  ) {
    this.source = source;
    this.tree = tree;
    this.scope = options.scope;
    this.limits = options.limits;
    this.logger = options.logger;
    this.temp = temp;
    for (const [key, file] of captured) this.extracted.set(key, Promise.resolve(file));
    this.ends = ends;
    this.digests = source.description.layers.map((l) => l.digest);
    this.warnings = warnings;
    this.listing = this.buildListing(warnings);
  }

  /** Index every layer of `source` (one streaming pass each); see the file comment. */
  static async open(source: ImageSource, options: ImageResolverOptions): Promise<ImageResolver> {
    const { limits, logger, capture } = options;
    const layers = source.description.layers;
    const tree = new LayeredTree();
    const warnings: Warning[] = [];
    const note = (path: string, layer: number, message: string): void => {
      warnings.push({ location: { path, layer: layers[layer]?.digest ?? String(layer) }, message });
    };
    const temp = new TempFolder(options.tmpDir ?? tmpdir());
    const captured = new Map<string, string>();
    const ends = new Map<string, Ends>();
    let endsBytes = 0;
    let endsRefused = 0;
    try {
      let left = limits.maxFiles;
      for (let i = 0; i < layers.length; i++) {
        const label = layerLabel(i, layers[i]!.digest);
        const entries: TarEntry[] = [];
        const kept = new Map<number, string>();
        const keptEnds = new Map<number, Ends>();
        const raw = await openLayer(source, i, label);
        const r = await streamLayer(raw, {
          limits,
          label,
          maxEntries: left,
          onEntry: async (e, body) => {
            entries.push(e);
            if (!capture || e.type !== 'file' || e.size === 0) return;
            const want = capture(e.path, e.size, e.mode);
            if (want === true && e.size <= limits.maxFileBytes) {
              const file = await temp.newFile();
              kept.set(e.ordinal, file);
              await writeBody(file, body);
            } else if (want === 'ends') {
              if (endsBytes + Math.min(e.size, ENDS_HEAD_BYTES + ENDS_TAIL_BYTES) > MAX_ENDS_BYTES) {
                endsRefused++;
                return;
              }
              const got = await keepEnds(e.size, body);
              endsBytes += got.head.length + got.tail.length;
              keptEnds.set(e.ordinal, got);
            }
          },
        });
        left -= r.entries;
        // Only now, with the whole blob read and its digest checked, does the layer count.
        tree.applyLayer(i, entries, note);
        for (const [ordinal, file] of kept) captured.set(`${i}:${ordinal}`, file);
        for (const [ordinal, got] of keptEnds) ends.set(`${i}:${ordinal}`, got);
        logger.debug(
          `${label}: ${r.entries} entries (${kept.size} kept, ends of ${keptEnds.size}), ${r.compression}, ${r.compressedBytes} → ${r.tarBytes} bytes`,
        );
      }
      if (endsRefused > 0) logger.debug(`${endsRefused} file(s) past the ${MAX_ENDS_BYTES}-byte cap on kept file ends: extracted when probed`);
      return new ImageResolver(source, tree, warnings, options, temp, captured, ends);
    } catch (err) {
      await temp.remove();
      throw err;
    }
  }

  private buildListing(warnings: Warning[]): Listing {
    const top = this.tree.topLayer;
    const refs: ImageFileRef[] = [];
    const ref = (path: string, entry: TreeEntry): void => {
      const c = entry.content!;
      refs.push({ path, size: c.size, mode: entry.mode, layer: this.digests[c.layer]! });
    };
    const note = (path: string, layer: number, message: string): void => {
      warnings.push({ location: { path, layer: this.digests[layer] ?? String(layer) }, message });
    };
    for (const f of this.tree.list(top, note)) {
      ref(this.scope === 'all-layers' && f.path.startsWith(LAYER_PATH_PREFIX) ? layerPath(top, f.path) : f.path, f.entry);
    }
    if (this.scope === 'all-layers') for (const h of this.tree.hidden()) ref(layerPath(h.layer, h.path), h.entry);
    const byPath = new Map<string, ImageFileRef>();
    const names = new Map<string, string[]>();
    for (const r of refs) {
      byPath.set(r.path, r);
      const name = r.path.slice(r.path.lastIndexOf('/') + 1);
      const list = names.get(name);
      if (list) list.push(r.path);
      else names.set(name, [r.path]);
    }
    return { refs, byPath, names };
  }

  files(): readonly ImageFileRef[] {
    return this.listing.refs;
  }

  byName(): ReadonlyMap<string, readonly string[]> {
    return this.listing.names;
  }

  get(path: string): ImageFileRef | undefined {
    const listed = this.listing.byPath.get(path);
    if (listed) return listed;
    const entry = this.fileAt(path)?.entry;
    if (!entry) return undefined;
    const c = entry.content!;
    return { path, size: c.size, mode: entry.mode, layer: this.digests[c.layer]! };
  }

  layerOf(path: string): string | undefined {
    return this.locate(path)?.layer;
  }

  /** The image path and layer of a resolver path (a `.layers/<i>/` path of the all-layers view included). */
  locate(path: string): ImageLocation | undefined {
    const f = this.fileAt(path);
    if (!f) return undefined;
    const layerIndex = f.entry.content!.layer;
    return { path: f.path, layer: this.digests[layerIndex]!, layerIndex };
  }

  async read(path: string, maxBytes: number = this.limits.maxFileBytes): Promise<Buffer> {
    if (this.closed) throw new VouchError('IO_ERROR', `${path}: the image resolver is closed`);
    const entry = this.fileAt(path)?.entry;
    if (!entry) throw new VouchError('IO_ERROR', `${path}: not in image`);
    const { size } = entry.content!;
    if (size > maxBytes) throw new VouchError('LIMIT_EXCEEDED', `${path}: ${size} bytes is over the ${maxBytes}-byte limit, skipped`);
    if (size === 0) return Buffer.alloc(0);
    const file = await this.extract(entry.content!);
    try {
      return await readFile(file);
    } catch (err) {
      throw wrapError(err, 'IO_ERROR', `cannot read ${path}`);
    }
  }

  /**
   * Up to `length` bytes of the file at `path` from byte `start` (FileResolver.readRange): from
   * the ends kept while indexing when the range is inside them, else from the extracted file
   * (extracted as read() would, so a file over `limits.maxFileBytes` is LIMIT_EXCEEDED).
   */
  async readRange(path: string, start: number, length: number): Promise<Buffer> {
    if (this.closed) throw new VouchError('IO_ERROR', `${path}: the image resolver is closed`);
    const entry = this.fileAt(path)?.entry;
    if (!entry) throw new VouchError('IO_ERROR', `${path}: not in image`);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0) {
      throw new VouchError('IO_ERROR', `${path}: invalid range ${start}+${length}`);
    }
    if (length > this.limits.maxFileBytes) {
      throw new VouchError('LIMIT_EXCEEDED', `${path}: a read of ${length} bytes is over the ${this.limits.maxFileBytes}-byte limit`);
    }
    const c = entry.content!;
    const end = Math.min(c.size, start + length);
    if (end <= start) return Buffer.alloc(0);
    const kept = this.ends.get(`${c.layer}:${c.ordinal}`);
    if (kept && end <= kept.head.length) return Buffer.from(kept.head.subarray(start, end));
    if (kept && start >= kept.tailStart && kept.tail.length > 0) return Buffer.from(kept.tail.subarray(start - kept.tailStart, end - kept.tailStart));
    if (c.size > this.limits.maxFileBytes) {
      throw new VouchError('LIMIT_EXCEEDED', `${path}: ${c.size} bytes is over the ${this.limits.maxFileBytes}-byte limit, skipped`);
    }
    const file = await this.extract(c);
    try {
      return await readFileRange(file, start, end - start);
    } catch (err) {
      throw wrapError(err, 'IO_ERROR', `cannot read ${path}`);
    }
  }

  /**
   * Extract the files at `paths` (those a scan will read) in one pass per layer. Paths that are
   * not files, and files over `limits.maxFileBytes`, are skipped (read() reports them). With
   * `ranges` (the files will be read only through readRange()), files whose ends were kept are
   * skipped too. Rejects when a pass fails (DIGEST_MISMATCH, UNSAFE_ARCHIVE, IO_ERROR).
   */
  async prefetch(paths: Iterable<string>, options: { readonly ranges?: boolean } = {}): Promise<void> {
    const jobs: Promise<string>[] = [];
    for (const path of paths) {
      const c = this.fileAt(path)?.entry.content;
      if (!c || c.size === 0 || c.size > this.limits.maxFileBytes) continue;
      if (options.ranges === true && this.ends.has(`${c.layer}:${c.ordinal}`)) continue;
      jobs.push(this.extract(c));
    }
    await Promise.all(jobs);
  }

  /** Remove the temporary folder. Idempotent; reads fail afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.temp.remove();
  }

  /** The file entry `path` leads to (following symlinks), and the image path and state it was looked up in. */
  private fileAt(path: string): { path: string; entry: TreeEntry } | undefined {
    let at = this.tree.topLayer;
    let inImage = path;
    if (this.scope === 'all-layers' && path.startsWith(LAYER_PATH_PREFIX)) {
      const m = /^\.layers\/(0|[1-9][0-9]{0,8})\/(.+)$/.exec(path);
      if (!m || Number(m[1]) > at) return undefined;
      at = Number(m[1]);
      inImage = m[2]!;
    }
    const r = this.tree.resolve(inImage, at, true);
    return r.ok && r.entry.kind === 'file' ? { path: inImage, entry: r.entry } : undefined;
  }

  private extract(content: Content): Promise<string> {
    const key = `${content.layer}:${content.ordinal}`;
    const known = this.extracted.get(key);
    if (known) return known;
    let wanted: Wanted | undefined;
    const promise = new Promise<string>((resolve, reject) => {
      wanted = { content, resolve, reject };
    });
    promise.catch(() => undefined); // a failure is reported to whoever awaits it, and kept for later reads
    this.extracted.set(key, promise);
    let q = this.queues.get(content.layer);
    if (!q) {
      q = { pending: new Map(), running: false };
      this.queues.set(content.layer, q);
    }
    q.pending.set(content.ordinal, wanted!);
    this.pump(content.layer, q);
    return promise;
  }

  /** Run passes over `layer` until no file of it is waiting; misses of the same turn share a pass. */
  private pump(layer: number, q: LayerQueue): void {
    if (q.running) return;
    q.running = true;
    void (async () => {
      try {
        await new Promise((resolve) => setImmediate(resolve));
        while (q.pending.size > 0) {
          const batch = q.pending;
          q.pending = new Map();
          await this.slots.run(() => this.pass(layer, batch));
        }
      } finally {
        q.running = false;
      }
    })();
  }

  /** One pass over `layer`: extract the entries of `batch`, then settle each (never throws). */
  private async pass(layer: number, batch: ReadonlyMap<number, Wanted>): Promise<void> {
    const label = layerLabel(layer, this.digests[layer] ?? '');
    const files = new Map<number, string>();
    try {
      const failure = this.failed.get(layer);
      if (failure) throw failure;
      let remaining = batch.size;
      const raw = await openLayer(this.source, layer, label);
      await streamLayer(raw, {
        limits: this.limits,
        label,
        maxEntries: this.limits.maxFiles,
        onEntry: async (e, body) => {
          const want = batch.get(e.ordinal);
          if (!want || files.has(e.ordinal)) return;
          if (e.type !== 'file' || e.size !== want.content.size) {
            throw new VouchError('IMAGE_INVALID', `${label}: entry ${e.ordinal} is not what the layer had when it was indexed`);
          }
          const file = await this.temp.newFile();
          files.set(e.ordinal, file);
          await writeBody(file, body);
          remaining--;
        },
        done: () => remaining === 0,
      });
      for (const [ordinal, w] of batch) {
        const file = files.get(ordinal);
        if (file !== undefined) w.resolve(file);
        else {
          this.extracted.delete(`${layer}:${ordinal}`);
          w.reject(new VouchError('IMAGE_INVALID', `${label}: entry ${ordinal} is missing from the layer`));
        }
      }
      this.logger.debug(`${label}: extracted ${files.size} file(s)`);
    } catch (err) {
      const e = wrapError(err, 'IO_ERROR', `${label}: cannot extract files`);
      // Bad content is final for the layer; an I/O error may pass, so those files may be asked for again.
      if (e.code === 'DIGEST_MISMATCH' || e.code === 'UNSAFE_ARCHIVE' || e.code === 'IMAGE_INVALID') this.failed.set(layer, e);
      else for (const ordinal of batch.keys()) this.extracted.delete(`${layer}:${ordinal}`);
      // Never throws: every waiter below must be settled, or a read would wait forever.
      await Promise.all([...files.values()].map((f) => rm(f, { force: true }).catch(() => undefined)));
      for (const w of batch.values()) w.reject(e);
    }
  }
}

function layerPath(layer: number, path: string): string {
  return `${LAYER_PATH_PREFIX}${layer}/${path}`;
}
