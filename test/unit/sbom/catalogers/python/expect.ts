/**
 * Helpers for the Python cataloger tests: iterate the cases of an expected.json under a
 * folder, map osv-scalibr's depGroups onto our scopes, and compare package lists.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Scope } from '../../../../../src/formats/model/index.ts';
import { canonicalPurl } from '../../../../../src/formats/purl/index.ts';
import type { PackageInput, ParseResult, Parser } from '../../../../../src/sbom/generic/index.ts';
import { LOCKFILES, loadExpected, parseFixture, type ExpectedCase } from '../../../../helpers/catalog.ts';

export const PY = join(LOCKFILES, 'python');

export interface Case {
  readonly repo: string;
  /** Path relative to `python/<repo>/`. */
  readonly file: string;
  readonly abs: string;
  readonly expected: ExpectedCase;
}

/** Every case of `python/<repo>/expected.json` whose file is under `folder/`. */
export function cases(repo: string, folder: string): Case[] {
  const out: Case[] = [];
  for (const [file, list] of Object.entries(loadExpected('python', repo).files)) {
    if (!file.startsWith(`${folder}/`)) continue;
    for (const expected of list) out.push({ repo, file, abs: join(PY, repo, file), expected });
  }
  assert.ok(out.length > 0, `no cases for ${repo}/${folder}`);
  return out;
}

export function caseName(c: Case): string {
  return `${c.repo}/${c.file} (${String(c.expected.testCase ?? c.expected.testFunction ?? '')})`;
}

export interface ExpectedPkg {
  readonly name: string;
  readonly version: string;
  readonly purl?: string;
  readonly depGroups?: readonly string[];
  readonly dev?: boolean;
  readonly relationship?: string;
}

export function expectedPackages(c: Case): ExpectedPkg[] {
  return (c.expected.packages ?? []).map((p) => ({
    name: String(p.name),
    version: typeof p.version === 'string' ? p.version : '',
    ...(typeof p.purl === 'string' ? { purl: p.purl } : {}),
    ...(Array.isArray(p.depGroups) ? { depGroups: p.depGroups.map(String) } : {}),
    ...(typeof p.dev === 'boolean' ? { dev: p.dev } : {}),
    ...(typeof p.relationship === 'string' ? { relationship: p.relationship } : {}),
  }));
}

/** osv-scalibr DepGroupVals → our scope: none = required, `optional` = optional, any group (dev, test, ...) = dev. */
export function scopeOfDepGroups(groups: readonly string[]): Scope {
  if (groups.length === 0) return 'required';
  if (groups.includes('optional')) return 'optional';
  return 'dev';
}

export const key = (name: string, version: string): string => `${name}@${version}`;

export function keys(pkgs: readonly { name: string; version: string }[]): string[] {
  return pkgs.map((p) => key(p.name, p.version)).sort();
}

export function nonRoot(r: ParseResult): PackageInput[] {
  return r.packages.filter((p) => p.isRoot !== true);
}

export function find(r: ParseResult, name: string, version?: string): PackageInput {
  const hit = r.packages.find((p) => p.name === name && (version === undefined || p.version === version));
  assert.ok(hit, `package ${name}${version === undefined ? '' : `@${version}`} not found`);
  return hit;
}

export async function parse(parser: Parser, c: Case | string): Promise<ParseResult> {
  return parseFixture(parser, typeof c === 'string' ? join(PY, c) : c.abs);
}

/** Every relationship joins two packages of the result, and no edge is a self-loop. */
export function assertGraphClosed(r: ParseResult): void {
  const purls = new Set(r.packages.map((p) => p.purl));
  for (const rel of r.relationships ?? []) {
    assert.ok(purls.has(rel.from), `edge from unknown ${rel.from}`);
    assert.ok(purls.has(rel.to), `edge to unknown ${rel.to}`);
    assert.notEqual(rel.from, rel.to);
  }
}

export function hasEdge(r: ParseResult, fromName: string, toName: string): boolean {
  const from = r.packages.filter((p) => p.name === fromName).map((p) => p.purl);
  const to = r.packages.filter((p) => p.name === toName).map((p) => p.purl);
  return (r.relationships ?? []).some((rel) => from.includes(rel.from) && to.includes(rel.to));
}

export const canon = canonicalPurl;
