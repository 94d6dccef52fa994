/**
 * Shared helpers for the JavaScript cataloger tests: iterate the expectation cases of
 * lockfiles/npm/<repo>/expected.json and compare packages as sets of name@version.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { PackageInput, ParseResult, Parser } from '../../../../../src/sbom/generic/index.ts';
import { LOCKFILES, loadExpected, parseFixture, type ExpectedCase } from '../../../../helpers/catalog.ts';

export const NPM = join(LOCKFILES, 'npm');

export interface Case extends ExpectedCase {
  readonly repo: string;
  readonly file: string;
}

/** The cases of `repo` whose fixture path starts with `prefix` (every one, so new fixtures are covered). */
export function cases(repo: string, prefix: string): Case[] {
  const out: Case[] = [];
  for (const [file, list] of Object.entries(loadExpected('npm', repo).files)) {
    if (!file.startsWith(prefix)) continue;
    for (const c of list) out.push({ ...c, repo, file });
  }
  assert.ok(out.length > 0, `no cases for ${repo}/${prefix}`);
  return out;
}

export function caseName(c: Case): string {
  return `${c.repo}/${c.file}: ${c.testCase ?? c.testFunction ?? 'case'}`;
}

export function parse(parser: Parser, c: Case | string): Promise<ParseResult> {
  return parseFixture(parser, join(NPM, typeof c === 'string' ? c : `${c.repo}/${c.file}`));
}

export interface ExpectedPackage {
  readonly name: string;
  readonly version: string;
  readonly purl?: string;
  readonly dev?: boolean;
  readonly depGroups?: readonly string[];
  readonly relationship?: string;
}

export function expectedPackages(c: Case): ExpectedPackage[] {
  return (c.packages ?? []) as unknown as ExpectedPackage[];
}

export const key = (p: { name: string; version?: string | undefined }): string => `${p.name}@${p.version ?? ''}`;

/** Sorted unique name@version keys. */
export function keys(list: readonly { name: string; version?: string | undefined }[]): string[] {
  return [...new Set(list.map(key))].sort();
}

export function nonRoot(r: ParseResult): PackageInput[] {
  return r.packages.filter((p) => p.isRoot !== true);
}

export function root(r: ParseResult): PackageInput | undefined {
  const roots = r.packages.filter((p) => p.isRoot === true);
  assert.ok(roots.length <= 1, 'at most one root');
  return roots[0];
}

export function find(r: ParseResult, name: string, version?: string): PackageInput {
  const hit = r.packages.find((p) => p.name === name && (version === undefined || p.version === version));
  assert.ok(hit, `no ${name}@${version ?? '*'} in ${keys(r.packages).join(', ')}`);
  return hit;
}

/** Does the result have an edge from → to (by name@version)? */
export function hasEdge(r: ParseResult, from: PackageInput, to: PackageInput): boolean {
  return (r.relationships ?? []).some((e) => e.from === from.purl && e.to === to.purl);
}

/** Every relationship joins two packages of the result, and no purl is reported twice. */
export function assertConsistent(r: ParseResult): void {
  const purls = r.packages.map((p) => p.purl);
  assert.equal(new Set(purls).size, purls.length, 'each purl once');
  const known = new Set(purls);
  for (const e of r.relationships ?? []) {
    assert.ok(known.has(e.from), `relationship from unknown ${e.from}`);
    assert.ok(known.has(e.to), `relationship to unknown ${e.to}`);
    assert.notEqual(e.from, e.to);
  }
}

/** The parser must fail on this file: a thrown error (turned into a warning by the cataloger). */
export async function assertParseError(parser: Parser, c: Case | string, pattern?: RegExp): Promise<void> {
  await assert.rejects(parse(parser, c), (err: Error) => {
    assert.equal((err as { code?: string }).code, 'PARSE_ERROR', `expected PARSE_ERROR, got ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}
