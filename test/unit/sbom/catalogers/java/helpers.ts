/**
 * Test helpers for the Java catalogers: a resolver that shows only part of a fixture tree
 * (one trivy case folder plus the shared local Maven repository), and a tiny ZIP writer so
 * the JAR tests build their archives in-process (no `jar`/`zip` binary needed in CI).
 */
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

export { makeZip, type ZipEntrySpec } from '../../../../helpers/zip.ts';
