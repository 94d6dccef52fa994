/**
 * Shared cataloger test harness (after syft's pkgtest): run one parser on one real fixture,
 * or a whole cataloger on a directory, and read the expectations the source repositories'
 * own tests state (../shared/data/lockfiles/<eco>/<repo>/expected.json).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveLimits, silentLogger, type Limits } from '../../src/core/index.ts';
import type { CatalogResult, Cataloger, ParseContext, ParseResult, Parser } from '../../src/sbom/generic/index.ts';
import { FsResolver } from '../../src/sbom/source/directory.ts';
import { decodeText } from '../../src/sbom/source/resolver.ts';

/** ../shared/data, next to the project root (CI has it at the same place). */
export const SHARED_DATA = resolve(import.meta.dirname, '../../../shared/data');
export const LOCKFILES = join(SHARED_DATA, 'lockfiles');

/** Run `parser` on one file; the resolver is rooted at the file's directory so siblings are visible. */
export async function parseFixture(parser: Parser, file: string, limits: Partial<Limits> = {}): Promise<ParseResult> {
  const lim = resolveLimits(limits);
  const resolver = await FsResolver.fromDirectory(dirname(file), { limits: lim });
  const ctx: ParseContext = {
    resolver,
    limits: lim,
    logger: silentLogger,
    readText: async (p) => decodeText(await resolver.read(p)),
  };
  return parser(basename(file), ctx);
}

/** Run a whole cataloger over a directory. */
export async function catalogDir(cataloger: Cataloger, dir: string, limits: Partial<Limits> = {}): Promise<CatalogResult> {
  const lim = resolveLimits(limits);
  const resolver = await FsResolver.fromDirectory(dir, { limits: lim });
  return cataloger.catalog({ resolver, limits: lim, logger: silentLogger });
}

export interface ExpectedCase {
  readonly readFrom?: string;
  readonly testCase?: string;
  readonly testFunction?: string;
  readonly expectError?: string;
  readonly expectedPackageCount?: number;
  readonly packages?: readonly Record<string, unknown>[];
  readonly note?: string;
  readonly [key: string]: unknown;
}

export interface ExpectedFile {
  readonly files: Readonly<Record<string, readonly ExpectedCase[]>>;
}

/** expected.json of `lockfiles/<eco>/<repo>/`. */
export function loadExpected(eco: string, repo: string): ExpectedFile {
  return JSON.parse(readFileSync(join(LOCKFILES, eco, repo, 'expected.json'), 'utf8')) as ExpectedFile;
}
