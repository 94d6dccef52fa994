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

/**
 * Globs and the parser of the files they match: the parser itself (`parse`), or a loader of it
 * (`load`, a dynamic import) that runs only when the cataloger has files to read, so a scan
 * loads only the parsers (and their libraries) of the ecosystems the source holds. select() and
 * wants() never load a parser.
 */
export type ParserBinding = {
  /** picomatch globs matched against the POSIX path relative to the source root. */
  readonly globs: readonly string[];
} & ({ readonly parse: Parser } | { readonly load: () => Promise<Parser> });

export interface CatalogResult {
  readonly packages: readonly Package[];
  readonly relationships: readonly Relationship[];
  readonly warnings: readonly Warning[];
}

/** What a source knows of a file before it lists it (an image's tar header). */
export interface FileInfo {
  readonly size: number;
  readonly mode: number;
}

/**
 * How much of a file a cataloger will read: `read` the whole file (read()), `probe` only a few
 * ranges, most of them near its start and its end (readRange(): ELF headers, the section table),
 * or nothing (false).
 */
export type FileWant = 'read' | 'probe' | false;

export interface Cataloger {
  readonly name: string;
  /** The files of `resolver` this cataloger would parse, in order. */
  select(resolver: FileResolver): readonly string[];
  /**
   * A cheap test on one path (and, where the source records them, its size and mode) that says
   * what select() would pick, before the source's listing exists: an image keeps those bytes
   * while it indexes its layers rather than reading the layers again (inventory.ts). Optional:
   * without it, the files the cataloger selects are extracted afterwards. Files a parser reads on
   * its own beside the selected ones (a lockfile's package.json) need not be named: they are read
   * on demand.
   */
  wants?(path: string, info?: FileInfo): FileWant;
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

export interface GenericCatalogerOptions {
  /**
   * Directory names whose contents this cataloger never reads. By default `node_modules`:
   * a requirements.txt or Cargo.lock there is an npm package's template or test fixture, not
   * part of the project (the installed-npm and archive catalogers opt back in).
   */
  readonly skipUnder?: readonly string[];
}

export const DEFAULT_SKIP_UNDER: readonly string[] = ['node_modules'];

export function genericCataloger(name: string, bindings: readonly ParserBinding[], options: GenericCatalogerOptions = {}): Cataloger {
  const compiled = bindings.map((b) => {
    let loaded: Promise<Parser> | undefined;
    const parser = 'parse' in b ? (): Promise<Parser> => Promise.resolve(b.parse) : (): Promise<Parser> => (loaded ??= b.load());
    return { parser, globs: b.globs.map(compileGlob) };
  });
  const skip = (options.skipUnder ?? DEFAULT_SKIP_UNDER).map((d) => ({ inner: `/${d}/`, first: `${d}/` }));
  const skipped = (path: string): boolean => skip.some((s) => path.startsWith(s.first) || path.includes(s.inner));
  const globs = compiled.flatMap((c) => c.globs);

  /** (path, parser) for every file this cataloger reads, sorted by path; the first binding that matches wins. */
  const jobsFor = (resolver: FileResolver): { path: string; parser: () => Promise<Parser> }[] => {
    const index = nameIndex(resolver);
    const chosen = new Map<string, () => Promise<Parser>>();
    for (const c of compiled) {
      for (const g of c.globs) {
        for (const path of g.candidates(index)) if (!chosen.has(path) && !skipped(path)) chosen.set(path, c.parser);
      }
    }
    return [...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, parser]) => ({ path, parser }));
  };

  return {
    name,
    select: (resolver) => jobsFor(resolver).map((j) => j.path),
    wants: (path) => {
      const base = path.slice(path.lastIndexOf('/') + 1);
      return globs.some((g) => g.test(path, base)) && !skipped(path) ? 'read' : false;
    },
    async catalog(base) {
      const ctx: ParseContext = {
        ...base,
        readText: async (path) => decodeText(await base.resolver.read(path)),
      };
      const jobs = jobsFor(base.resolver);
      const results: (CatalogResult | undefined)[] = new Array<CatalogResult | undefined>(jobs.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < jobs.length) {
          const i = next++;
          const job = jobs[i]!;
          results[i] = await runParser(name, job.path, await job.parser(), ctx);
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

/** File name → paths of the resolver's files with that name; built once per resolver. */
const nameIndexes = new WeakMap<FileResolver, ReadonlyMap<string, readonly string[]>>();

function nameIndex(resolver: FileResolver): ReadonlyMap<string, readonly string[]> {
  if (resolver.byName) return resolver.byName();
  let index = nameIndexes.get(resolver);
  if (!index) {
    const m = new Map<string, string[]>();
    for (const { path } of resolver.files()) {
      const base = path.slice(path.lastIndexOf('/') + 1);
      const list = m.get(base);
      if (list) list.push(path);
      else m.set(base, [path]);
    }
    index = m;
    nameIndexes.set(resolver, index);
  }
  return index;
}

/**
 * Compile a glob once. Catalogers look files up by name rather than testing every path of
 * the tree: a glob whose last segment is a literal name (`**\/package.json`) is one index
 * lookup; otherwise the last segment is matched against the tree's distinct file names
 * (far fewer than its paths), and the whole glob only against the paths of those names.
 */
interface CompiledGlob {
  /** The paths of the index that match. */
  candidates(index: ReadonlyMap<string, readonly string[]>): string[];
  /** Whether one path (whose file name is `base`) matches: the name first, the whole glob only then. */
  test(path: string, base: string): boolean;
}

function compileGlob(glob: string): CompiledGlob {
  const last = glob.slice(glob.lastIndexOf('/') + 1);
  const whole = picomatch(glob, { dot: true });
  if (!picomatch.scan(last).isGlob) {
    return {
      candidates: (index) => (index.get(last) ?? []).filter((p) => whole(p)),
      test: (path, base) => base === last && whole(path),
    };
  }
  const nameMatch = picomatch(last, { dot: true });
  // The literal tail after the last wildcard (`*.jar` → `.jar`): a cheap test before the regex.
  const suffix = /[*?\]}]([^*?[\]{}()!+@]*)$/.exec(last)?.[1] ?? '';
  const inDir = literalParent(glob);
  return {
    candidates: (index) => {
      const out: string[] = [];
      for (const [name, paths] of index) {
        if (!name.endsWith(suffix)) continue;
        // The name's regex only once one of its paths is in the glob's folder (a negation matches most names).
        let named: boolean | undefined;
        for (const p of paths) if (inDir(p) && (named ??= nameMatch(name)) && whole(p)) out.push(p);
      }
      return out;
    },
    test: (path, base) => base.endsWith(suffix) && inDir(path) && nameMatch(base) && whole(path),
  };
}

/**
 * A cheap necessary condition on a path from the literal folders a glob names just before its
 * file name (`**\/var/lib/dpkg/status.d/!(*.md5sums)` → the path holds `var/lib/dpkg/status.d/`
 * at its start or after a `/`): a name pattern that matches most names (a negation) then costs
 * a substring search per path rather than the whole glob's regex.
 */
function literalParent(glob: string): (path: string) => boolean {
  const segments = glob.split('/').slice(0, -1);
  let start = segments.length;
  while (start > 0 && !picomatch.scan(segments[start - 1]!).isGlob) start--;
  // Only after a `**` (or at the start) is the folder's place in the path free: other globs keep the whole-glob test alone.
  if (start === segments.length || (start > 0 && segments[start - 1] !== '**')) return () => true;
  const dirs = `${segments.slice(start).join('/')}/`;
  if (start === 0) return (path) => path.startsWith(dirs);
  const inner = `/${dirs}`;
  return (path) => path.startsWith(dirs) || path.includes(inner);
}
