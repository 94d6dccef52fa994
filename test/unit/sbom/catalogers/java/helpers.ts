/**
 * Test helpers for the Java catalogers: a resolver that shows only part of a fixture tree
 * (one trivy case folder plus the shared local Maven repository), and a tiny ZIP writer so
 * the JAR tests build their archives in-process (no `jar`/`zip` binary needed in CI).
 */
import { crc32, deflateRawSync } from 'node:zlib';
import { resolveLimits, silentLogger, type Limits } from '../../../../../src/core/index.ts';
import type { Cataloger, CatalogResult, ParseContext, ParseResult, Parser } from '../../../../../src/sbom/generic/index.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
import { decodeText, type FileRef, type FileResolver } from '../../../../../src/sbom/source/resolver.ts';

/** A view of `inner` holding only the files under the given folders. */
export class SubsetResolver implements FileResolver {
  private readonly inner: FileResolver;
  private readonly visible: readonly FileRef[];
  constructor(inner: FileResolver, folders: readonly string[]) {
    this.inner = inner;
    const prefixes = folders.map((f) => (f.endsWith('/') ? f : `${f}/`));
    this.visible = inner.files().filter((f) => prefixes.some((p) => f.path.startsWith(p)));
  }
  files(): readonly FileRef[] {
    return this.visible;
  }
  get(path: string): FileRef | undefined {
    return this.visible.find((f) => f.path === path);
  }
  read(path: string, maxBytes?: number): Promise<Buffer> {
    if (!this.get(path)) return Promise.reject(new Error(`${path}: not in source`));
    return this.inner.read(path, maxBytes);
  }
}

export function contextFor(resolver: FileResolver, limits: Partial<Limits> = {}): ParseContext {
  return {
    resolver,
    limits: resolveLimits(limits),
    logger: silentLogger,
    readText: async (p) => decodeText(await resolver.read(p)),
  };
}

/** Run `parser` on `file` (relative to `root`) with only `folders` of `root` visible. */
export async function parseInTree(parser: Parser, root: string, file: string, folders: readonly string[]): Promise<ParseResult> {
  const fs = await FsResolver.fromDirectory(root, { limits: resolveLimits() });
  return parser(file, contextFor(new SubsetResolver(fs, folders)));
}

/** Run a cataloger over `folders` of `root`. */
export async function catalogInTree(cataloger: Cataloger, root: string, folders: readonly string[]): Promise<CatalogResult> {
  const fs = await FsResolver.fromDirectory(root, { limits: resolveLimits() });
  const resolver = new SubsetResolver(fs, folders);
  return cataloger.catalog({ resolver, limits: resolveLimits(), logger: silentLogger });
}

/** An in-memory source: path → content. */
export class MemoryResolver implements FileResolver {
  private readonly content: Map<string, Buffer>;
  constructor(files: Readonly<Record<string, string | Buffer>>) {
    this.content = new Map(Object.entries(files).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));
  }
  files(): readonly FileRef[] {
    return [...this.content.keys()].sort().map((path) => ({ path }));
  }
  get(path: string): FileRef | undefined {
    return this.content.has(path) ? { path } : undefined;
  }
  read(path: string, maxBytes = Infinity): Promise<Buffer> {
    const b = this.content.get(path);
    if (!b) return Promise.reject(new Error(`${path}: not in source`));
    if (b.length > maxBytes) return Promise.reject(new Error(`${path}: over ${maxBytes} bytes`));
    return Promise.resolve(b);
  }
}

export interface ZipEntrySpec {
  readonly name: string;
  readonly data: string | Buffer;
  /** Default true (deflate); false stores the bytes. */
  readonly deflate?: boolean;
  /** Lie in the headers about the uncompressed size (for zip-bomb tests). */
  readonly claimedSize?: number;
}

/**
 * A minimal ZIP writer (APPNOTE.TXT 6.3.x: local file headers, central directory, end of
 * central directory; no ZIP64, no data descriptors). Enough for JAR fixtures.
 */
export function makeZip(entries: readonly ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const deflate = e.deflate ?? true;
    const body = deflate ? deflateRawSync(raw) : raw;
    const name = Buffer.from(e.name, 'utf8');
    const size = e.claimedSize ?? raw.length;
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
