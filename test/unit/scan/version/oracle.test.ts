// Every comparison in /work/shared/data/versions (osv-scalibr's native-tool oracle; see its
// README) must hold in both directions: cmp(A,B) == op and cmp(B,A) == -op.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { schemeFor, type VersionScheme } from '../../../../src/scan/index.ts';

const DIR = fileURLToPath(new URL('../../../../../shared/data/versions/', import.meta.url));
const OPS = { '<': -1, '=': 0, '>': 1 } as const;

interface Line {
  readonly file: string;
  readonly line: number;
  readonly a: string;
  readonly op: -1 | 0 | 1;
  readonly b: string;
}

function readOracle(file: string): Line[] {
  const out: Line[] = [];
  readFileSync(DIR + file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '' || text.startsWith('# ') || text.startsWith('// ')) return;
      const [a, op, b, ...extra] = text.split(' ');
      assert.ok(a !== undefined && b !== undefined && extra.length === 0 && (op === '<' || op === '=' || op === '>'), `${file}:${i + 1}: bad line`);
      out.push({ file, line: i + 1, a, op: OPS[op], b });
    });
  return out;
}

/**
 * Lines we knowingly get wrong, each with its reason (none today). The test asserts the
 * failures are exactly these, so a fix (or a new failure) forces this list to be updated.
 */
const KNOWN_WRONG: Readonly<Record<string, readonly string[]>> = {};

const CASES: readonly { ecosystem: string; files: string[]; count: number }[] = [
  { ecosystem: 'npm', files: ['semver-versions.txt'], count: 86 },
  { ecosystem: 'crates.io', files: ['semver-versions.txt'], count: 86 },
  { ecosystem: 'Go', files: ['semver-versions.txt'], count: 86 },
  { ecosystem: 'PyPI', files: ['pypi-versions.txt', 'pypi-versions-generated.txt'], count: 37 + 12375 },
  { ecosystem: 'Maven', files: ['maven-versions.txt', 'maven-versions-generated.txt'], count: 102 + 14752 },
  { ecosystem: 'RubyGems', files: ['rubygems-versions.txt', 'rubygems-versions-generated.txt'], count: 25 + 4098 },
  { ecosystem: 'NuGet', files: ['nuget-versions.txt'], count: 35 },
  { ecosystem: 'Packagist', files: ['packagist-versions.txt', 'packagist-versions-generated.txt'], count: 95 + 10630 },
  { ecosystem: 'Debian', files: ['debian-versions.txt', 'debian-versions-generated.txt'], count: 30 + 14442 },
  { ecosystem: 'Alpine', files: ['alpine-versions.txt', 'alpine-versions-generated.txt'], count: 778 + 13979 },
  { ecosystem: 'Red Hat', files: ['redhat-versions.txt'], count: 165 },
];

function failures(scheme: VersionScheme, lines: readonly Line[], known: ReadonlySet<string>): { unexpected: string[]; wrong: string[] } {
  const unexpected: string[] = [];
  const wrong: string[] = [];
  for (const l of lines) {
    const fwd = scheme.compare(l.a, l.b);
    const back = scheme.compare(l.b, l.a);
    const where = `${l.file}:${l.line}`;
    if (fwd !== l.op || back !== -l.op) {
      wrong.push(where);
      if (!known.has(where)) unexpected.push(`${where}: ${l.a} ${l.op} ${l.b} (got ${fwd}, reverse ${back})`);
    }
  }
  return { unexpected, wrong };
}

for (const { ecosystem, files, count } of CASES) {
  test(`${ecosystem}: agrees with every native-tool comparison`, () => {
    const scheme = schemeFor(ecosystem);
    assert.ok(scheme, `no scheme for ${ecosystem}`);
    const lines = files.flatMap(readOracle);
    assert.equal(lines.length, count, 'oracle line count changed: update the README table and this test');
    const known = KNOWN_WRONG[ecosystem] ?? [];
    const { unexpected, wrong } = failures(scheme, lines, new Set(known));
    assert.deepEqual(unexpected.slice(0, 20), [], `${unexpected.length} of ${lines.length} disagree`);
    assert.deepEqual(wrong, known, 'a known-wrong line now passes: remove it from KNOWN_WRONG');
  });
}
