/**
 * Helpers for the Python cataloger tests: iterate the cases of an expected.json under a
 * folder, map osv-scalibr's depGroups onto our scopes, and compare package lists.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { Scope } from '../../../../../src/formats/model/index.ts';
import { canonicalPurl } from '../../../../../src/formats/purl/index.ts';
import { FileParseError, type PackageInput, type ParseResult, type Parser } from '../../../../../src/sbom/generic/index.ts';
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
  return parseFixture(parser, typeof c === 'string' ? (isAbsolute(c) ? c : join(PY, c)) : c.abs);
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

/** A must-error case: the parser rejects with a FileParseError whose message matches. */
export async function assertParseError(parser: Parser, c: Case | string, message: RegExp): Promise<void> {
  await assert.rejects(parse(parser, c), (err: unknown) => {
    assert.ok(err instanceof FileParseError, `expected FileParseError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

/**
 * An osv-scalibr lockfile case: the packages other than the project itself (scalibr does not
 * report the root) are exactly the expected name@version list; with `scopes`, depGroups map to
 * our scope. Must-error cases must reject with FileParseError.
 */
export async function checkScalibrCase(parser: Parser, c: Case, opts: { scopes: boolean }): Promise<ParseResult | undefined> {
  if (c.expected.expectError !== undefined) {
    await assertParseError(parser, c, /invalid (TOML|JSON)/);
    return undefined;
  }
  const r = await parse(parser, c);
  const want = expectedPackages(c);
  assert.deepEqual(keys(nonRoot(r)), keys(want));
  if (opts.scopes) {
    for (const w of want) {
      if (w.depGroups === undefined) continue;
      assert.equal(find(r, w.name, w.version).scope ?? 'required', scopeOfDepGroups(w.depGroups), `${w.name}@${w.version}`);
    }
  }
  assertGraphClosed(r);
  return r;
}

/**
 * A trivy case: the same name@version list (trivy includes the root where it has one), dev
 * flags equal to scope 'dev', and trivy's root/direct/indirect read off our graph.
 */
export async function checkTrivyCase(parser: Parser, c: Case): Promise<ParseResult> {
  const r = await parse(parser, c);
  const want = expectedPackages(c);
  const hasRoot = want.some((w) => w.relationship === 'root');
  assert.deepEqual(keys(hasRoot ? r.packages : nonRoot(r)), keys(want));
  const root = r.packages.find((p) => p.isRoot === true);
  for (const w of want) {
    const p = find(r, w.name, w.version);
    if (w.dev !== undefined) assert.equal(p.scope === 'dev', w.dev, `${w.name} dev`);
    if (w.relationship === 'root') assert.equal(p.isRoot, true, `${w.name} root`);
    if (w.relationship === 'direct' || w.relationship === 'indirect') {
      assert.ok(root, 'a root');
      const direct = (r.relationships ?? []).some((rel) => rel.from === root.purl && rel.to === p.purl);
      assert.equal(direct, w.relationship === 'direct', `${w.name} ${w.relationship}`);
    }
  }
  assertGraphClosed(r);
  return r;
}

/** Write `files` (relative path → content) under a fresh temp directory; returns it. Remove with `rm(dir, {recursive: true})`. */
export async function tempTree(files: Readonly<Record<string, string | Buffer>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-py-'));
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  return dir;
}
