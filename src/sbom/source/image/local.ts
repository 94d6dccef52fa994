/**
 * What the local image sources share: blob stores over a directory or over an uncompressed tar
 * (indexed by one scan of its headers, never extracted), digest-verified blob reads, and the
 * walk from an OCI image layout's index.json to one image (image-layout.md):
 * index.json → (nested index →) manifest for the platform → config → layers.
 *
 * Every blob is verified against its descriptor: manifests, indexes and configs are read whole
 * (bounded), checked, then parsed; layers are streamed through a DigestVerifier, so a wrong
 * byte fails the layer's stream at its end (types.ts). Nothing is trusted by name alone.
 */
import { constants as fsConstants, type Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import {
  DigestVerifier,
  VouchError,
  parseDigest,
  verifyDigest,
  wrapError,
  type Logger,
  type ParsedDigest,
} from '../../../core/index.ts';
import {
  MAX_CONFIG_BYTES,
  MAX_INDEX_BYTES,
  MAX_MANIFEST_BYTES,
  formatPlatform,
  isImageConfigMediaType,
  isLayerMediaType,
  LEGACY_DOCKER_CONFIG,
  DOCKER_MANIFEST,
  parseImageConfig,
  parseImageIndex,
  parseJsonDocument,
  parseLayoutHeader,
  parseManifestDocument,
  parsePlatform,
  platformRank,
  selectImageManifest,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type PlatformSpec,
} from '../../../formats/oci/index.ts';
import type { ImageDescription, ImageLayer } from '../../../formats/model/index.ts';
import type { ImageOpenOptions, ImageSource } from './types.ts';

/** Most headers (entries, pax and long-name headers) an archive may have. */
export const MAX_ARCHIVE_HEADERS = 200_000;
/** Largest pax extended header or GNU long name accepted. */
export const MAX_TAR_META_BYTES = 1024 * 1024;
/** Longest entry name accepted (Linux PATH_MAX). */
export const MAX_TAR_NAME_BYTES = 4096;
/** Most symlinks followed to resolve one archive path. */
export const MAX_LINK_HOPS = 16;
/** Largest `oci-layout` file read. */
const MAX_LAYOUT_HEADER_BYTES = 64 * 1024;

// --- blob stores ----------------------------------------------------------------------------

/** A file in a store: its size, and its bytes on demand. */
export interface StoredFile {
  readonly size: number;
  open(): Promise<Readable>;
}

/** Where a layout's files live: a directory or an archive. */
export interface FileStore {
  /** Names the store in messages: `OCI layout /x`, `oci-archive x.tar`. */
  readonly label: string;
  /** The file at a store-relative POSIX path, or undefined when there is none. */
  file(path: string): Promise<StoredFile | undefined>;
  close(): Promise<void>;
}

/** `blobs/<algorithm>/<hex>` (image-layout.md "Blobs"). */
export function blobPath(digest: ParsedDigest): string {
  return `blobs/${digest.algorithm}/${digest.hex}`;
}

async function readAll(stream: Readable, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      stream.destroy();
      throw new VouchError('DIGEST_MISMATCH', `${what}: more than the expected ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** A small file of the store (index.json, oci-layout, manifest.json), bounded; undefined if absent. */
export async function readStoreFile(store: FileStore, path: string, maxBytes: number): Promise<Buffer | undefined> {
  const f = await store.file(path);
  if (f === undefined) return undefined;
  if (f.size > maxBytes) throw new VouchError('LIMIT_EXCEEDED', `${path} in ${store.label} is ${f.size} bytes, over the ${maxBytes}-byte limit`);
  return readAll(await f.open(), maxBytes, `${path} in ${store.label}`);
}

/** The blob file for a descriptor, its size checked; IMAGE_NOT_FOUND when missing. */
export async function findBlob(store: FileStore, d: Descriptor, what: string): Promise<{ digest: ParsedDigest; file: StoredFile }> {
  const digest = parseDigest(d.digest);
  const file = await store.file(blobPath(digest));
  if (file === undefined) {
    throw new VouchError('IMAGE_NOT_FOUND', `${what} ${d.digest} is missing from ${store.label}`, {
      ...(d.urls !== undefined && { hint: 'a non-distributable layer: Vouch does not download it from its URLs' }),
    });
  }
  if (file.size !== d.size) {
    throw new VouchError('DIGEST_MISMATCH', `${what} ${d.digest} in ${store.label} is ${file.size} bytes, its descriptor says ${d.size}`);
  }
  return { digest, file };
}

/** Read a whole blob (at most `maxBytes`) and verify its digest and size. */
export async function readVerifiedBlob(store: FileStore, d: Descriptor, maxBytes: number, what: string): Promise<Buffer> {
  if (d.size > maxBytes) throw new VouchError('LIMIT_EXCEEDED', `${what} ${d.digest} is ${d.size} bytes, over the ${maxBytes}-byte limit`);
  const { file } = await findBlob(store, d, what);
  const bytes = await readAll(await file.open(), d.size, `${what} ${d.digest}`);
  verifyDigest(bytes, d.digest, d.size, what);
  return bytes;
}

/**
 * The raw stream piped through a DigestVerifier: it errors with DIGEST_MISMATCH at the end on a
 * wrong digest or size, and as soon as too many bytes come. Destroying it releases the file.
 */
export function verifiedStream(raw: Readable, digest: string, size: number, what: string): Readable {
  const verifier = new DigestVerifier(digest, { size, what });
  pipeline(raw, verifier, () => {
    // Errors reach the consumer through `verifier`, which pipeline destroys with them.
  });
  return verifier;
}

// --- a directory ------------------------------------------------------------------------------

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Files of a directory. A path that is a symlink (or runs through one) leading outside the
 * directory is refused with PATH_ESCAPE; anything not a regular file (a FIFO would hang a read)
 * with IMAGE_INVALID.
 */
export class DirectoryStore implements FileStore {
  readonly label: string;
  readonly #root: string;

  private constructor(root: string, label: string) {
    this.#root = root;
    this.label = label;
  }

  static async open(path: string, label: string): Promise<DirectoryStore> {
    let root: string;
    let st: Stats;
    try {
      root = await realpath(path);
      st = await stat(root);
    } catch (err) {
      throw new VouchError('TARGET_NOT_FOUND', `${label}: ${path} does not exist or cannot be read`, { cause: err });
    }
    if (!st.isDirectory()) {
      throw new VouchError('BAD_TARGET', `${label}: ${path} is not a directory`, { hint: 'for a tar of a layout use oci-archive:, for docker save output docker-archive:' });
    }
    return new DirectoryStore(root, label);
  }

  async file(path: string): Promise<StoredFile | undefined> {
    const parts = path.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new VouchError('PATH_ESCAPE', `${this.label}: bad path ${JSON.stringify(path)}`);
    let real: string;
    try {
      real = await realpath(join(this.#root, ...parts));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw wrapError(err, 'IO_ERROR', `${this.label}: cannot read ${path}`);
    }
    if (!isInside(this.#root, real)) {
      throw new VouchError('PATH_ESCAPE', `${this.label}: ${path} is a link to ${real}, outside the layout`);
    }
    const st = await stat(real).catch((err: unknown) => {
      throw wrapError(err, 'IO_ERROR', `${this.label}: cannot read ${path}`);
    });
    if (!st.isFile()) throw new VouchError('IMAGE_INVALID', `${this.label}: ${path} is not a regular file`);
    const label = this.label;
    return {
      size: st.size,
      async open(): Promise<Readable> {
        let fh: FileHandle;
        try {
          fh = await open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
        } catch (err) {
          throw wrapError(err, 'IO_ERROR', `${label}: cannot open ${path}`);
        }
        const now = await fh.stat();
        if (!now.isFile()) {
          await fh.close();
          throw new VouchError('IMAGE_INVALID', `${label}: ${path} is not a regular file`);
        }
        return fh.createReadStream({ highWaterMark: 1024 * 1024 });
      },
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// --- an uncompressed tar, indexed ---------------------------------------------------------------

export type TarIndexType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface TarIndexEntry {
  readonly path: string;
  readonly type: TarIndexType;
  /** Offset of the entry's data in the archive. */
  readonly offset: number;
  readonly size: number;
  readonly linkname?: string;
}

function unsafe(label: string, reason: string): VouchError {
  return new VouchError('UNSAFE_ARCHIVE', `${label}: ${reason}`);
}

/** A tar numeric field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function tarNumber(block: Buffer, offset: number, length: number, label: string, field: string): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw unsafe(label, `negative ${field} in a tar header`);
    let value = first & 0x7f;
    for (let i = offset + 1; i < offset + length; i++) {
      value = value * 256 + (block[i] ?? 0);
      if (!Number.isSafeInteger(value)) throw unsafe(label, `absurd ${field} in a tar header`);
    }
    return value;
  }
  const text = block.toString('latin1', offset, offset + length).replace(/[\0 ]+$/, '').replace(/^[ ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new VouchError('IMAGE_INVALID', `${label}: bad ${field} ${JSON.stringify(text)} in a tar header`);
  const value = parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw unsafe(label, `absurd ${field} in a tar header`);
  return value;
}

function cString(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return block.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}

function checksumOk(block: Buffer): boolean {
  const stored = block.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  const want = parseInt(stored, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/** pax extended header records: `<length> <key>=<value>\n` (POSIX.1-2001 pax format). */
function parsePax(data: Buffer, label: string): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1 || space - pos > 20) throw new VouchError('IMAGE_INVALID', `${label}: malformed pax header`);
    const len = Number(data.toString('latin1', pos, space));
    if (!Number.isSafeInteger(len) || len <= space - pos || pos + len > data.length) throw new VouchError('IMAGE_INVALID', `${label}: malformed pax header`);
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** A tar member name made a clean relative POSIX path; absolute names and `..` are hostile. */
export function cleanArchivePath(name: string, label: string): string {
  if (name.includes('\0')) throw unsafe(label, `entry name with a NUL byte`);
  if (Buffer.byteLength(name) > MAX_TAR_NAME_BYTES) throw unsafe(label, `entry name longer than ${MAX_TAR_NAME_BYTES} bytes`);
  if (name.startsWith('/')) throw unsafe(label, `absolute entry name ${JSON.stringify(name.slice(0, 200))}`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw unsafe(label, `entry name ${JSON.stringify(name.slice(0, 200))} climbs out with ..`);
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * Index an uncompressed tar by reading its headers only: each header's position gives the
 * next, so a multi-GiB archive costs one 512-byte read per member. Supports ustar, GNU long
 * names and pax headers (path, linkpath, size). Bounded: header count, metadata sizes, names.
 * A later member of the same name replaces an earlier one, as extraction would.
 */
export async function indexTar(
  fh: FileHandle,
  fileSize: number,
  label: string,
  maxHeaders: number = MAX_ARCHIVE_HEADERS,
): Promise<Map<string, TarIndexEntry>> {
  const entries = new Map<string, TarIndexEntry>();
  const block = Buffer.alloc(512);
  let pos = 0;
  let headers = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, string> | undefined;

  const readAt = async (buf: Buffer, length: number, at: number): Promise<number> => {
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, at + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  };
  const readMeta = async (at: number, size: number, what: string): Promise<Buffer> => {
    if (size > MAX_TAR_META_BYTES) throw unsafe(label, `${what} of ${size} bytes, over the ${MAX_TAR_META_BYTES}-byte limit`);
    if (at + size > fileSize) throw new VouchError('IMAGE_INVALID', `${label}: the archive is truncated (a ${what} runs past its end)`);
    const buf = Buffer.alloc(size);
    await readAt(buf, size, at);
    return buf;
  };

  // A compressed archive is named as such, whatever its length.
  const magic = Buffer.alloc(4);
  const magicLength = await readAt(magic, Math.min(4, fileSize), 0);
  const gz = magicLength >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const zst = magicLength === 4 && magic.readUInt32LE(0) === 0xfd2fb528;
  if (gz || zst) {
    throw new VouchError('IMAGE_INVALID', `${label}: not a tar archive (it is ${gz ? 'gzip' : 'zstd'}-compressed)`, {
      hint: 'decompress it first (gunzip / unzstd), then scan the .tar',
    });
  }

  for (;;) {
    if (pos + 512 > fileSize) {
      if (pos === fileSize && pos > 0 && longName === undefined && pax === undefined) break; // no end-of-archive blocks: tolerated
      throw new VouchError('IMAGE_INVALID', `${label}: the archive is truncated at byte ${fileSize} (a header runs past its end)`);
    }
    const got = await readAt(block, 512, pos);
    if (got < 512) throw new VouchError('IMAGE_INVALID', `${label}: the archive is truncated at byte ${pos + got}`);
    if (block.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(block)) {
      if (pos === 0) throw new VouchError('IMAGE_INVALID', `${label}: not a tar archive`);
      throw new VouchError('IMAGE_INVALID', `${label}: corrupt tar header at byte ${pos} (bad checksum)`);
    }
    if (++headers > maxHeaders) throw unsafe(label, `more than ${maxHeaders} tar headers`);
    const typeflag = String.fromCharCode(block[156] ?? 0);
    let size = tarNumber(block, 124, 12, label, 'size');
    const dataAt = pos + 512;
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      const data = await readMeta(dataAt, size, typeflag === 'L' ? 'long name' : typeflag === 'K' ? 'long link name' : 'pax header');
      if (typeflag === 'x') pax = parsePax(data, label);
      else if (typeflag === 'L') longName = cString(data, 0, data.length);
      else if (typeflag === 'K') longLink = cString(data, 0, data.length);
      // 'g' (global pax) sets defaults Vouch does not need.
      pos = dataAt + Math.ceil(size / 512) * 512;
      continue;
    }
    const magic = block.toString('latin1', 257, 263);
    let name = cString(block, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cString(block, 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    let linkname = cString(block, 157, 100);
    if (longName !== undefined) name = longName;
    if (longLink !== undefined) linkname = longLink;
    if (pax !== undefined) {
      name = pax.get('path') ?? name;
      linkname = pax.get('linkpath') ?? linkname;
      const paxSize = pax.get('size');
      if (paxSize !== undefined) {
        if (!/^\d+$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) throw unsafe(label, `absurd pax size ${JSON.stringify(paxSize.slice(0, 40))}`);
        size = Number(paxSize);
      }
    }
    longName = longLink = pax = undefined;
    const type: TarIndexType =
      typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file'
      : typeflag === '5' ? 'dir'
      : typeflag === '2' ? 'symlink'
      : typeflag === '1' ? 'hardlink'
      : 'other';
    // Links, directories and devices carry no data, whatever their size field says.
    const dataSize = type === 'file' || type === 'other' ? size : 0;
    if (dataAt + dataSize > fileSize) {
      throw new VouchError('IMAGE_INVALID', `${label}: the archive is truncated (${JSON.stringify(name.slice(0, 200))} needs ${dataSize} bytes, ${Math.max(0, fileSize - dataAt)} remain)`);
    }
    const path = cleanArchivePath(name, label);
    if (path !== '') {
      entries.set(path, {
        path,
        type,
        offset: dataAt,
        size: dataSize,
        ...((type === 'symlink' || type === 'hardlink') && { linkname }),
      });
    }
    pos = dataAt + Math.ceil(dataSize / 512) * 512;
  }
  return entries;
}

const RANGE_CHUNK = 1024 * 1024;

/**
 * `size` bytes of a shared file handle from `offset`, by positional reads. (A FileHandle's own
 * createReadStream closes the handle when the stream is destroyed early, whatever autoClose
 * says; the handle here serves every member and is closed by the store.) A file that ends early
 * ends the stream early: the digest verifier downstream reports it.
 */
function rangeStream(fh: FileHandle, offset: number, size: number, label: string, isClosed: () => boolean): Readable {
  let pos = offset;
  const end = offset + size;
  return new Readable({
    highWaterMark: RANGE_CHUNK,
    read(): void {
      if (pos >= end) {
        this.push(null);
        return;
      }
      if (isClosed()) {
        this.destroy(new VouchError('IO_ERROR', `${label} is closed`));
        return;
      }
      const buf = Buffer.allocUnsafe(Math.min(RANGE_CHUNK, end - pos));
      fh.read(buf, 0, buf.length, pos).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) {
            this.push(null);
            return;
          }
          pos += bytesRead;
          this.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        },
        (err: unknown) => this.destroy(wrapError(err, 'IO_ERROR', `${label}: read failed`)),
      );
    },
  });
}

/** Files of an uncompressed tar, read by offset range from the archive file (never extracted). */
export class TarStore implements FileStore {
  readonly label: string;
  readonly entries: ReadonlyMap<string, TarIndexEntry>;
  readonly #fh: FileHandle;
  #closed = false;

  private constructor(fh: FileHandle, entries: Map<string, TarIndexEntry>, label: string) {
    this.#fh = fh;
    this.entries = entries;
    this.label = label;
  }

  static async open(file: string, label: string): Promise<TarStore> {
    let fh: FileHandle;
    try {
      fh = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (err) {
      throw new VouchError('TARGET_NOT_FOUND', `${label}: ${file} does not exist or cannot be read`, { cause: err });
    }
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw new VouchError('BAD_TARGET', `${label}: ${file} is a directory`, { hint: 'for an OCI layout directory use oci-dir:' });
      if (!st.isFile()) throw new VouchError('BAD_TARGET', `${label}: ${file} is not a regular file`);
      const entries = await indexTar(fh, st.size, label);
      return new TarStore(fh, entries, label);
    } catch (err) {
      await fh.close();
      throw wrapError(err, 'IO_ERROR', `${label}: cannot read ${file}`);
    }
  }

  /** The entry a path names, symlinks and hard links followed inside the archive. */
  resolve(path: string): TarIndexEntry | undefined {
    let current = path;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const e = this.entries.get(current);
      if (e === undefined || e.type === 'file' || e.type === 'dir' || e.type === 'other') return e;
      const link = e.linkname ?? '';
      if (link.startsWith('/')) throw unsafe(this.label, `${e.path} links to the absolute path ${JSON.stringify(link.slice(0, 200))}`);
      // A symlink is relative to its directory; a hard link names a member from the archive root.
      const target = e.type === 'symlink' ? posix.normalize(posix.join(posix.dirname(e.path), link)) : posix.normalize(link);
      if (target === '..' || target.startsWith('../')) throw unsafe(this.label, `${e.path} links to ${JSON.stringify(link.slice(0, 200))}, outside the archive`);
      current = cleanArchivePath(target, this.label);
    }
    throw unsafe(this.label, `more than ${MAX_LINK_HOPS} links to follow for ${path}`);
  }

  file(path: string): Promise<StoredFile | undefined> {
    const e = this.resolve(path);
    if (e === undefined) return Promise.resolve(undefined);
    if (e.type !== 'file') return Promise.reject(new VouchError('IMAGE_INVALID', `${this.label}: ${path} is not a regular file`));
    const fh = this.#fh;
    const isClosed = (): boolean => this.#closed;
    const label = this.label;
    return Promise.resolve({
      size: e.size,
      open(): Promise<Readable> {
        if (isClosed()) return Promise.reject(new VouchError('IO_ERROR', `${label} is closed`));
        return Promise.resolve(rangeStream(fh, e.offset, e.size, label, isClosed));
      },
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fh.close();
  }
}

// --- from a layout to an image ------------------------------------------------------------------

export interface LayoutImageOptions {
  /** The reference to report (the path as given). */
  readonly reference: string;
  /** Tags to report besides the layout's ref names (docker save's RepoTags). */
  readonly extraTags?: readonly string[];
}

function wantedPlatform(options: ImageOpenOptions): PlatformSpec | undefined {
  return options.platform === undefined ? undefined : parsePlatform(options.platform);
}

/** Parse a verified manifest blob that must be an image manifest. */
async function loadManifest(store: FileStore, d: Descriptor): Promise<{ manifest: ImageManifest; mediaType: string }> {
  const bytes = await readVerifiedBlob(store, d, MAX_MANIFEST_BYTES, 'manifest');
  const doc = parseManifestDocument(parseJsonDocument(bytes, `manifest ${d.digest}`), d.mediaType, `manifest ${d.digest}`);
  if (doc.kind !== 'manifest') throw new VouchError('IMAGE_INVALID', `manifest ${d.digest} in ${store.label} is an image index`);
  return { manifest: doc.manifest, mediaType: doc.mediaType };
}

/** Parse a verified config blob; its media type must be an image config's (not an artifact's). */
async function loadConfig(store: FileStore, manifest: ImageManifest, manifestMediaType: string): Promise<ImageConfig> {
  const d = manifest.config;
  const legacy = d.mediaType === LEGACY_DOCKER_CONFIG && manifestMediaType === DOCKER_MANIFEST;
  if (!isImageConfigMediaType(d.mediaType) && !legacy) {
    throw new VouchError('IMAGE_INVALID', `${store.label}: the manifest's config is ${d.mediaType}: an artifact, not a container image`);
  }
  const bytes = await readVerifiedBlob(store, d, MAX_CONFIG_BYTES, 'config');
  return parseImageConfig(parseJsonDocument(bytes, `config ${d.digest}`, MAX_CONFIG_BYTES), { mediaType: d.mediaType }, `config ${d.digest}`);
}

/** Check that the layers are filesystem layers, match diff_ids one to one, and are all present. */
export async function describeLayers(store: FileStore, manifest: ImageManifest, config: ImageConfig): Promise<ImageLayer[]> {
  const diffIds = config.rootfs.diffIds;
  if (diffIds.length !== manifest.layers.length) {
    throw new VouchError('IMAGE_INVALID', `${store.label}: the manifest has ${manifest.layers.length} layers but the config ${diffIds.length} diff_ids`);
  }
  const layers: ImageLayer[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    if (!isLayerMediaType(l.mediaType)) {
      throw new VouchError('IMAGE_INVALID', `${store.label}: layer ${i} has media type ${l.mediaType}, not a filesystem layer`);
    }
    await findBlob(store, l, `layer ${i}`);
    layers.push({ digest: l.digest, mediaType: l.mediaType, size: l.size, diffId: diffIds[i] });
  }
  return layers;
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v !== ''))];
}

/**
 * Open the image a layout holds for the wanted platform. The store is closed when this throws;
 * otherwise the returned source owns it.
 */
export async function openLayoutImage(store: FileStore, options: ImageOpenOptions, layout: LayoutImageOptions): Promise<ImageSource> {
  try {
    return await openLayoutImageInner(store, options, layout);
  } catch (err) {
    await store.close();
    throw wrapError(err, 'IO_ERROR', `${store.label}: cannot read the image`);
  }
}

async function openLayoutImageInner(store: FileStore, options: ImageOpenOptions, layout: LayoutImageOptions): Promise<ImageSource> {
  const logger: Logger = options.logger;
  const header = await readStoreFile(store, 'oci-layout', MAX_LAYOUT_HEADER_BYTES);
  if (header === undefined) logger.warn(`${store.label}: no oci-layout file (image-layout.md requires one); reading index.json anyway`);
  else parseLayoutHeader(parseJsonDocument(header, `${store.label}: oci-layout`, MAX_LAYOUT_HEADER_BYTES), `${store.label}: oci-layout`);

  const indexBytes = await readStoreFile(store, 'index.json', MAX_INDEX_BYTES);
  if (indexBytes === undefined) throw new VouchError('IMAGE_INVALID', `${store.label}: no index.json: not an OCI image layout`);
  const index = parseImageIndex(parseJsonDocument(indexBytes, `${store.label}: index.json`, MAX_INDEX_BYTES), `${store.label}: index.json`);

  const platform = wantedPlatform(options);
  const manifests = new Map<string, { manifest: ImageManifest; mediaType: string }>();
  const manifestOf = async (d: Descriptor): Promise<{ manifest: ImageManifest; mediaType: string }> => {
    let m = manifests.get(d.digest);
    if (m === undefined) manifests.set(d.digest, (m = await loadManifest(store, d)));
    return m;
  };
  const selection = await selectImageManifest(index, {
    platform,
    mode: 'collection',
    what: store.label,
    loadIndex: async (d): Promise<ImageIndex> => {
      const bytes = await readVerifiedBlob(store, d, MAX_MANIFEST_BYTES, 'index');
      const doc = parseManifestDocument(parseJsonDocument(bytes, `index ${d.digest}`), d.mediaType, `index ${d.digest}`);
      if (doc.kind !== 'index') throw new VouchError('IMAGE_INVALID', `index ${d.digest} in ${store.label} is an image manifest`);
      return doc.index;
    },
    loadPlatform: async (d): Promise<PlatformSpec | undefined> => {
      const { manifest, mediaType } = await manifestOf(d);
      const config = await loadConfig(store, manifest, mediaType);
      return { os: config.os, architecture: config.architecture, ...(config.variant !== undefined && { variant: config.variant }) };
    },
  });

  const { manifest, mediaType } = await manifestOf(selection.descriptor);
  const config = await loadConfig(store, manifest, mediaType);
  const imagePlatform = { os: config.os, architecture: config.architecture, ...(config.variant !== undefined && { variant: config.variant }) };
  if (platform !== undefined && platformRank(platform, imagePlatform) < 0) {
    logger.warn(`${store.label}: asked for ${formatPlatform(platform)}, but its only image is ${formatPlatform(imagePlatform)}; reading that`);
  }
  const layers = await describeLayers(store, manifest, config);

  // Tags: containerd's full image names where it wrote them, else the OCI ref names.
  const tags = dedupe([
    ...(selection.imageNames.length > 0 ? selection.imageNames : selection.refNames),
    ...(layout.extraTags ?? []),
  ]);

  const description: ImageDescription = {
    reference: layout.reference,
    manifestDigest: selection.descriptor.digest,
    manifestMediaType: mediaType,
    configDigest: manifest.config.digest,
    platform: imagePlatform,
    layers,
    ...(tags.length > 0 && { tags }),
  };
  return layerSource(store, description, manifest.layers);
}

/** Where layer `index` (described by `d`) is stored; by default the blob its digest names. */
export type LayerLocator = (index: number, d: Descriptor) => Promise<StoredFile>;

/** An ImageSource over a store: layer `i` is streamed through a verifier of `layerDescriptors[i]`. */
export function layerSource(
  store: FileStore,
  description: ImageDescription,
  layerDescriptors: readonly Descriptor[],
  locate: LayerLocator = async (index, d) => (await findBlob(store, d, `layer ${index}`)).file,
): ImageSource {
  return {
    description,
    async openLayer(index: number): Promise<Readable> {
      const d = layerDescriptors[index];
      if (d === undefined) throw new VouchError('IMAGE_NOT_FOUND', `${store.label}: no layer ${index} (the image has ${layerDescriptors.length})`);
      const file = await locate(index, d);
      return verifiedStream(await file.open(), d.digest, d.size, `layer ${index} (${d.digest})`);
    },
    close: () => store.close(),
  };
}
