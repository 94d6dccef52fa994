/** Fixtures and expectations of ../shared/data/os (see its README.md). */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resolveLimits, silentLogger } from '../../../../../src/core/index.ts';
import type { ParseContext, ParseResult, Parser } from '../../../../../src/sbom/generic/index.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
import { decodeText } from '../../../../../src/sbom/source/resolver.ts';
import { SHARED_DATA, type ExpectedFile } from '../../../../helpers/catalog.ts';

export const OS_DATA = join(SHARED_DATA, 'os');

export function loadOsExpected(folder: string): ExpectedFile & { readonly note?: string } {
  return JSON.parse(readFileSync(join(OS_DATA, folder, 'expected.json'), 'utf8')) as ExpectedFile;
}

/** A temporary directory with the given files (path → content). */
export function tree(files: Readonly<Record<string, string | Buffer>>, prefix = 'vouch-os-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return dir;
}

/** Run a parser on `path` inside the directory `root` (so a root filesystem layout is seen as such). */
export async function parseIn(parser: Parser, root: string, path: string): Promise<ParseResult> {
  const limits = resolveLimits();
  const resolver = await FsResolver.fromDirectory(root, { limits });
  const ctx: ParseContext = { resolver, limits, logger: silentLogger, readText: async (p) => decodeText(await resolver.read(p)) };
  return parser(path, ctx);
}

export const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
