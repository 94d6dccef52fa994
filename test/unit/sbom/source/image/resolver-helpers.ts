/**
 * Test helpers for the image resolver: tars built with tar-stream's pack, compressed with
 * node:zlib, served by a small fake ImageSource that checks digests the way real sources do
 * (the stream fails at its end with DIGEST_MISMATCH).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { PassThrough, Readable, Transform, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, createZstdCompress, gzipSync, zstdCompressSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { VouchError, resolveLimits, silentLogger, type Limits } from '../../../../../src/core/index.ts';
import type { ImageSource } from '../../../../../src/sbom/source/image/types.ts';
import { ImageResolver } from '../../../../../src/sbom/source/image/resolver.ts';
import type { ImageScope } from '../../../../../src/sbom/source/image/types.ts';

export interface TarItem {
  readonly name: string;
  readonly type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  readonly body?: string | Buffer;
  readonly linkname?: string;
  readonly mode?: number;
  readonly pax?: Record<string, string>;
}

/** A tar of `items`, in order. A string item is a file whose content is its own name. */
export async function makeTar(items: readonly (TarItem | string)[]): Promise<Buffer> {
  const p = pack();
  for (const raw of items) {
    const it: TarItem = typeof raw === 'string' ? { name: raw, body: `content of ${raw}` } : raw;
    const type = it.type ?? 'file';
    const header = {
      name: it.name,
      type,
      mode: it.mode ?? (type === 'directory' ? 0o755 : 0o644),
      ...(it.linkname === undefined ? {} : { linkname: it.linkname }),
      ...(it.pax === undefined ? {} : { pax: it.pax }),
    };
    if (type === 'file') p.entry(header, it.body ?? '');
    else p.entry(header);
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export type Compressor = 'gzip' | 'zstd' | 'none';

/**
 * A compressed layer whose first file, `zeros`, is `size` zero bytes, followed by `after`;
 * generated as a stream, so only the (small) compressed bytes are ever in memory.
 */
export async function zerosLayer(size: number, how: 'gzip' | 'zstd', after: readonly string[] = []): Promise<Buffer> {
  const p = pack();
  const out: Duplex = how === 'gzip' ? createGzip({ level: 1 }) : createZstdCompress();
  const chunks: Buffer[] = [];
  const collect = pipeline(p as unknown as Readable, out, new PassThrough().on('data', (c: Buffer) => chunks.push(c)));
  const w = p.entry({ name: 'zeros', size, mode: 0o644 });
  const zero = Buffer.alloc(1024 * 1024);
  for (let left = size; left > 0; left -= zero.length) {
    if (!w.write(left >= zero.length ? zero : zero.subarray(0, left))) await once(w as unknown as NodeJS.EventEmitter, 'drain');
  }
  w.end(undefined);
  for (const name of after) p.entry({ name, mode: 0o644 }, `content of ${name}`);
  p.finalize();
  await collect;
  return Buffer.concat(chunks);
}

export function compress(tar: Buffer, how: Compressor): Buffer {
  return how === 'gzip' ? gzipSync(tar) : how === 'zstd' ? zstdCompressSync(tar) : tar;
}

function sha256(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

/** A layer of the fake source: fixed bytes, or a factory for each open (e.g. generated data). */
export type FakeLayer = Buffer | { readonly digest: string; open(): Readable };

/** Bytes in chunks, as a file read would give them. */
function chunked(buf: Buffer, size = 16 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let off = 0; off < buf.length; off += size) yield buf.subarray(off, off + size);
    })(),
  );
}

/** Passes the bytes through and fails at the end when their digest is not `digest`, as sources do. */
export function verifying(digest: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const got = `sha256:${hash.digest('hex')}`;
      cb(got === digest ? null : new VouchError('DIGEST_MISMATCH', `blob ${digest}: content has digest ${got}`));
    },
  });
}

export class FakeSource implements ImageSource {
  readonly description;
  /** How many times each layer was opened. */
  readonly opens: number[];
  closed = false;
  private readonly layers: readonly FakeLayer[];
  /** Replace a layer's bytes for later opens (the descriptor keeps the first digest). */
  readonly tampered = new Map<number, Buffer>();

  constructor(layers: readonly FakeLayer[]) {
    this.layers = layers;
    this.opens = layers.map(() => 0);
    this.description = {
      reference: 'fake',
      manifestDigest: 'sha256:' + '0'.repeat(64),
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      configDigest: 'sha256:' + '1'.repeat(64),
      platform: { os: 'linux', architecture: 'amd64' },
      layers: layers.map((l) => ({
        digest: Buffer.isBuffer(l) ? sha256(l) : l.digest,
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        size: Buffer.isBuffer(l) ? l.length : 0,
      })),
    };
  }

   
  async openLayer(index: number): Promise<Readable> {
    const l = this.layers[index];
    if (l === undefined) throw new VouchError('IMAGE_NOT_FOUND', `no layer ${index}`);
    this.opens[index]!++;
    const digest = this.description.layers[index]!.digest;
    const bytes = this.tampered.get(index) ?? (Buffer.isBuffer(l) ? l : undefined);
    const raw = bytes ? chunked(bytes) : (l as { open(): Readable }).open();
    return raw.pipe(verifying(digest)).on('error', () => undefined);
  }

   
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** One layer per item list, all compressed the same way. */
export async function fakeImage(layers: readonly (readonly (TarItem | string)[])[], how: Compressor = 'gzip'): Promise<FakeSource> {
  return new FakeSource(await Promise.all(layers.map(async (items) => compress(await makeTar(items), how))));
}

/** A fresh parent folder for the resolver's temporary folder; `entries()` lists what is in it. */
export async function tmpParent(): Promise<{ dir: string; entries(): Promise<string[]>; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-resolver-test-'));
  return {
    dir,
    entries: async () => (await readdir(dir, { recursive: true })).sort(),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function openResolver(
  source: ImageSource,
  scope: ImageScope = 'squashed',
  limits: Partial<Limits> = {},
  tmpDir?: string,
  capture?: (path: string, size: number, mode: number) => boolean,
): Promise<ImageResolver> {
  return ImageResolver.open(source, {
    scope,
    limits: resolveLimits(limits),
    logger: silentLogger,
    ...(tmpDir === undefined ? {} : { tmpDir }),
    ...(capture === undefined ? {} : { capture }),
  });
}
