/**
 * The one generic cataloger every ecosystem is built from (house rule 6, after syft's
 * `generic.NewCataloger().WithParserByGlobs(...)`): a name plus a list of (globs, parser)
 * pairs. Parsers are plain functions of (path, context); one bad file is recorded as a
 * warning and the scan goes on.
 */
import picomatch from 'picomatch';
import { VouchError, type Limits, type Logger } from '../../core/index.ts';
import type { Location, Package, Relationship, Warning } from '../../formats/model/index.ts';
import { decodeText, type FileResolver } from '../source/resolver.ts';

/** What a parser reports for one package; the cataloger fills in the rest. */
export type PackageInput = Omit<Package, 'foundBy' | 'locations' | 'licenses' | 'hashes' | 'scope'> & {
  readonly locations?: readonly Location[];
  readonly licenses?: readonly string[];
  readonly hashes?: Package['hashes'];
  readonly scope?: Package['scope'];
};

export interface ParseResult {
  readonly packages: readonly PackageInput[];
  readonly relationships?: readonly Relationship[];
  /** Problems that did not stop the parse (a bad entry skipped, say). */
  readonly warnings?: readonly Warning[];
}

export interface ParseContext {
  readonly resolver: FileResolver;
  readonly limits: Limits;
  readonly logger: Logger;
  /** Read a file of the source as text (UTF-8, or UTF-16 with a BOM). */
  readText(path: string): Promise<string>;
}

export type Parser = (path: string, ctx: ParseContext) => Promise<ParseResult> | ParseResult;

export interface ParserBinding {
  /** picomatch globs matched against the POSIX path relative to the source root. */
  readonly globs: readonly string[];
  readonly parse: Parser;
}

export interface CatalogResult {
  readonly packages: readonly Package[];
  readonly relationships: readonly Relationship[];
  readonly warnings: readonly Warning[];
}

export interface Cataloger {
  readonly name: string;
  /** The files of `resolver` this cataloger would parse, in order. */
  select(resolver: FileResolver): readonly string[];
  catalog(ctx: Omit<ParseContext, 'readText'>): Promise<CatalogResult>;
}

/** A parse failure that knows its line. Parsers throw it (or any VouchError); the cataloger turns it into a warning. */
export class FileParseError extends VouchError<'PARSE_ERROR'> {
  readonly line: number | undefined;
  constructor(message: string, line?: number, cause?: unknown) {
    super('PARSE_ERROR', message, { cause });
    this.line = line;
  }
}

/** Concurrency of file parsing inside one cataloger: I/O overlaps, parsing is CPU-bound. */
const CONCURRENCY = 8;

export function genericCataloger(name: string, bindings: readonly ParserBinding[]): Cataloger {
  const compiled = bindings.map((b) => ({ parse: b.parse, match: compileGlobs(b.globs) }));

  const select = (resolver: FileResolver): string[] => {
    const out: string[] = [];
    for (const f of resolver.files()) if (compiled.some((c) => c.match(f.path))) out.push(f.path);
    return out;
  };

  return {
    name,
    select,
    async catalog(base) {
      const ctx: ParseContext = {
        ...base,
        readText: async (path) => decodeText(await base.resolver.read(path)),
      };
      const jobs: { path: string; parse: Parser }[] = [];
      for (const f of base.resolver.files()) {
        const hit = compiled.find((c) => c.match(f.path));
        if (hit) jobs.push({ path: f.path, parse: hit.parse });
      }
      const results: (CatalogResult | undefined)[] = new Array<CatalogResult | undefined>(jobs.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < jobs.length) {
          const i = next++;
          const job = jobs[i]!;
          results[i] = await runParser(name, job.path, job.parse, ctx);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));
      const packages: Package[] = [];
      const relationships: Relationship[] = [];
      const warnings: Warning[] = [];
      for (const r of results) {
        if (!r) continue;
        packages.push(...r.packages);
        relationships.push(...r.relationships);
        warnings.push(...r.warnings);
      }
      return { packages, relationships, warnings };
    },
  };
}

async function runParser(foundBy: string, path: string, parse: Parser, ctx: ParseContext): Promise<CatalogResult> {
  try {
    const r = await parse(path, ctx);
    if (r.packages.length > ctx.limits.maxPackagesPerFile) {
      throw new VouchError('LIMIT_EXCEEDED', `${r.packages.length} packages is over the limit of ${ctx.limits.maxPackagesPerFile}`);
    }
    return {
      packages: r.packages.map((p) => ({
        ...p,
        licenses: p.licenses ?? [],
        hashes: p.hashes ?? [],
        scope: p.scope ?? 'required',
        locations: p.locations ?? [{ path }],
        foundBy,
      })),
      relationships: r.relationships ?? [],
      warnings: r.warnings ?? [],
    };
  } catch (err) {
    const line = err instanceof FileParseError ? err.line : undefined;
    const message = err instanceof VouchError ? err.message : `unexpected error: ${(err as Error).message ?? String(err)}`;
    ctx.logger.debug(`${foundBy}: ${path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return {
      packages: [],
      relationships: [],
      warnings: [{ location: line === undefined ? { path } : { path, line }, message: `${foundBy}: ${message}` }],
    };
  }
}

/**
 * Compile globs once. Globs whose last segment is a literal file name are checked by a
 * cheap basename comparison first: most paths in a tree fail there.
 */
function compileGlobs(globs: readonly string[]): (path: string) => boolean {
  const matchers = globs.map((g) => {
    const last = g.slice(g.lastIndexOf('/') + 1);
    const literal = picomatch.scan(last).isGlob ? undefined : last;
    const re = picomatch(g, { dot: true });
    return literal === undefined
      ? re
      : (path: string) => path.endsWith(literal) && (path.length === literal.length || path[path.length - literal.length - 1] === '/') && re(path);
  });
  return (path) => matchers.some((m) => m(path));
}
