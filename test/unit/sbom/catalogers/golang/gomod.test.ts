import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { VouchError } from '../../../../../src/core/index.ts';
import { FileParseError, mergePackages, type ParseResult, type Parser } from '../../../../../src/sbom/generic/index.ts';
import { goModCataloger } from '../../../../../src/sbom/catalogers/golang/index.ts';
import { parseGoMod, parseGoSumFile } from '../../../../../src/sbom/catalogers/golang/parse.ts';
import { canonicalVersion, parseModFile } from '../../../../../src/sbom/catalogers/golang/modfile.ts';
import { catalogDir, LOCKFILES, loadExpected, parseFixture } from '../../../../helpers/catalog.ts';

const GO = join(LOCKFILES, 'go');
const tmp = mkdtempSync(join(tmpdir(), 'vouch-go-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** Write files into a fresh temp dir and run `parser` on the first one. */
async function parseFiles(parser: Parser, files: Record<string, string>): Promise<ParseResult> {
  const dir = join(tmp, String(n++));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return parseFixture(parser, join(dir, Object.keys(files)[0]!));
}

const key = (name: string, version: string): string => `${name}@${version}`;
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const nonRoot = (r: ParseResult) => r.packages.filter((p) => p.isRoot !== true);
const stripV = (v: string): string => (v.startsWith('v') ? v.slice(1) : v);

describe('go.mod: osv-scalibr fixtures', () => {
  const expected = loadExpected('go', 'osv-scalibr');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testCase})`, async () => {
        const path = join(GO, 'osv-scalibr', file);
        if (c.expectError !== undefined) {
          await assert.rejects(parseFixture(parseGoMod, path), FileParseError);
          return;
        }
        const r = await parseFixture(parseGoMod, path);
        // osv-scalibr strips the `v` from module versions; we keep it (Go and the golang purl
        // spell it). A local directory replacement is named by osv-scalibr after the directory;
        // we keep the module path and record the directory as metadata.localPath.
        const ours = nonRoot(r).map((p) =>
          p.metadata?.localPath !== undefined ? key(p.metadata.localPath, '') : key(p.name, stripV(p.version)),
        );
        const want = (c.packages ?? []).map((p) => key(String(p.name), String(p.version)));
        assert.deepEqual(sorted(ours), sorted(want));
        assert.equal(ours.length, c.expectedPackageCount);
      });
    }
  }
});

/** How trivy's parser tests differ from our semantics, per test case: each on purpose. */
const TRIVY_DIFFERENCES: Record<string, string> = {
  // trivy runs these with its "no stdlib" / "no replace" options; we always report stdlib and apply replace.
  normal: 'stdlib',
  'no replace': 'skip',
  // Below go 1.17 trivy's go.mod parser drops `// indirect` requires (its analyzer adds go.sum
  // later); we keep them and add go.sum's downloaded modules, as osv-scalibr does.
  'go 1.16': 'superset',
  // trivy drops a module replaced by a local directory; we keep it without a version.
  'replaced with local path': 'local',
  'replaced with local path and version': 'local',
};

describe('go.mod: trivy fixtures', () => {
  const expected = loadExpected('go', 'trivy');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      const label = c.testCase ?? file;
      test(`${file} (${label})`, async (t) => {
        const path = join(GO, 'trivy', file);
        if (file.startsWith('gosum/')) {
          const r = await parseFixture(parseGoSumFile, path);
          assert.deepEqual(
            sorted(r.packages.map((p) => key(p.name, p.version))),
            sorted((c.packages ?? []).map((p) => key(String(p.name), String(p.version)))),
          );
          return;
        }
        const diff = TRIVY_DIFFERENCES[label];
        if (diff === 'skip') {
          t.skip('trivy option we do not have: replace directives are always applied');
          return;
        }
        const r = await parseFixture(parseGoMod, path);
        const root = r.packages.find((p) => p.isRoot === true);
        const direct = new Set((r.relationships ?? []).filter((x) => x.from === root?.purl).map((x) => x.to));
        // Our view in trivy's terms: root, direct (an edge from the root), indirect. trivy spells stdlib `v1.22.5`.
        const ours = new Map(
          r.packages.map((p) => {
            const version = p.name === 'stdlib' ? `v${p.version}` : p.version;
            const rel = p.isRoot === true ? 'root' : direct.has(p.purl) ? 'direct' : 'indirect';
            return [key(p.name, version), rel] as const;
          }),
        );
        const want = new Map((c.packages ?? []).map((p) => [key(String(p.name), typeof p.version === 'string' ? p.version : ''), String(p.relationship)] as const));
        if (diff === 'stdlib') for (const k of ours.keys()) if (k.startsWith('stdlib@')) ours.delete(k);
        // trivy reports stdlib only from a toolchain line or a go line >= 1.21 (before 1.21 the go
        // line was advisory); osv-scalibr, and we, report it from any go line.
        const goLine = /^go (1\.(\d+)\S*)$/m.exec(readFileSync(path, 'utf8'));
        if (goLine && Number(goLine[2]) < 21 && ![...want.keys()].some((k) => k.startsWith('stdlib@'))) {
          assert.equal(ours.get(`stdlib@v${goLine[1]}`), 'direct');
          ours.delete(`stdlib@v${goLine[1]}`);
        }
        if (diff === 'local') {
          const local = r.packages.filter((p) => p.metadata?.localPath !== undefined);
          assert.deepEqual(local.map((p) => [p.name, p.version, p.metadata?.localPath]), [['golang.org/x/xerrors', '', './xerrors']]);
          ours.delete(key('golang.org/x/xerrors', ''));
        }
        if (diff === 'superset') {
          for (const [k, rel] of want) assert.equal(ours.get(k), rel, k);
          assert.ok(ours.has(key('gopkg.in/yaml.v3', 'v3.0.0-20210107192922-496545a6307b')));
          assert.ok(ours.has(key('github.com/stretchr/testify', 'v1.7.0')), 'go.sum module with a zip hash');
          assert.ok(!ours.has(key('github.com/stretchr/testify', 'v1.4.0')), 'go.sum /go.mod-only line is not a package');
          return;
        }
        assert.deepEqual(new Map([...ours].sort()), new Map([...want].sort()));
      });
    }
  }
});

describe('go.mod semantics', () => {
  test('root, direct edges, indirect scope, stdlib from the toolchain', async () => {
    const r = await parseFixture(parseGoMod, join(GO, 'trivy/gomod/normal/go.mod'));
    const root = r.packages.find((p) => p.isRoot === true)!;
    assert.equal(root.purl, 'pkg:golang/github.com/org/repo');
    const spew = r.packages.find((p) => p.name === 'github.com/davecgh/go-spew')!;
    assert.equal(spew.purl, 'pkg:golang/github.com/davecgh/go-spew@v1.1.2-0.20180830191138-d8f796af33cc');
    assert.equal(spew.scope, undefined, 'indirect requirements keep the default required scope');
    assert.equal(spew.metadata?.indirect, 'true');
    const stdlib = r.packages.find((p) => p.name === 'stdlib')!;
    assert.equal(stdlib.purl, 'pkg:golang/stdlib@1.22.5');
    assert.deepEqual(
      sorted((r.relationships ?? []).map((x) => `${x.from} -> ${x.to}`)),
      sorted([
        'pkg:golang/github.com/org/repo -> pkg:golang/github.com/aquasecurity/go-version@v0.0.0-20240603093900-cf8a8d29271d',
        'pkg:golang/github.com/org/repo -> pkg:golang/stdlib@1.22.5',
      ]),
    );
  });

  test('h1 hashes from go.sum go to metadata, not hashes; below go 1.17 go.sum adds modules', async () => {
    const r = await parseFixture(parseGoMod, join(GO, 'osv-scalibr/gomod/indirect-1.16.mod'));
    const logrus = r.packages.find((p) => p.name === 'github.com/sirupsen/logrus')!;
    assert.equal(logrus.metadata?.h1, 'h1:dueUQJ1C2q9oE3F7wvmSGAaVtTmUizReu6fjN8uqzbQ=');
    assert.equal(logrus.hashes, undefined);
    assert.deepEqual(
      logrus.locations?.map((l) => l.path),
      ['indirect-1.16.mod', 'indirect-1.16.sum'],
    );
    const spew = r.packages.find((p) => p.name === 'github.com/davecgh/go-spew')!;
    assert.equal(spew.version, 'v1.1.1');
    assert.deepEqual(spew.locations, [{ path: 'indirect-1.16.sum', line: 2 }]);
  });

  test('a malformed go.sum is a warning and is not used (go >= 1.17 reads it only for hashes)', async () => {
    const r = await parseFixture(parseGoMod, join(GO, 'osv-scalibr/gomod/indirect-1.23.mod'));
    assert.equal(r.warnings?.length, 1);
    assert.equal(r.warnings?.[0]?.location.path, 'indirect-1.23.sum');
    assert.ok(r.packages.every((p) => p.metadata?.h1 === undefined));
  });

  test('excluded versions in go.sum are not added below go 1.17', async () => {
    const r = await parseFiles(parseGoMod, {
      'go.mod': 'module m\n\ngo 1.16\n\nrequire a.example/x v1.0.0\n\nexclude b.example/y v0.2.0\n',
      'go.sum': 'a.example/x v1.0.0 h1:AAAA=\nb.example/y v0.2.0 h1:BBBB=\nb.example/y v0.3.0 h1:CCCC=\n',
    });
    assert.deepEqual(sorted(nonRoot(r).map((p) => key(p.name, p.version))), ['a.example/x@v1.0.0', 'b.example/y@v0.3.0', 'stdlib@1.16']);
  });

  test('replace: exact version beats path-only; quoted paths, comments, empty blocks', async () => {
    const r = await parseFiles(parseGoMod, {
      'go.mod': [
        '// leading comment',
        'module "example.com/m" // the main module',
        'go 1.21',
        'require ()',
        'require (',
        '\t"a.example/x" v1.2 // short version is canonicalised',
        '\tb.example/y v0.1.0 // indirect; kept for tests',
        ')',
        'replace a.example/x => a.example/fork v2.0.0+incompatible',
        'replace a.example/x v1.2.0 => a.example/exact v1.0.0+build7',
        'retract [v0.0.1, v0.0.2]',
        'godebug default=go1.21',
        '',
      ].join('\r\n'),
    });
    assert.deepEqual(sorted(nonRoot(r).map((p) => p.purl)), [
      'pkg:golang/a.example/exact@v1.0.0',
      'pkg:golang/b.example/y@v0.1.0',
      'pkg:golang/stdlib@1.21',
    ]);
    const x = r.packages.find((p) => p.name === 'a.example/exact')!;
    assert.equal(x.metadata?.replaces, 'a.example/x@v1.2.0');
    assert.deepEqual(x.locations, [{ path: 'go.mod', line: 6 }]);
    assert.equal(r.packages.find((p) => p.name === 'b.example/y')?.metadata?.indirect, 'true');
    assert.equal(r.packages.find((p) => p.isRoot === true)?.name, 'example.com/m');
  });

  test('a local replacement merges with the root of the replacement directory\'s go.mod', async () => {
    const r = await catalogDir(goModCataloger, join(GO, 'trivy/gomod/replaced-with-local-path'));
    assert.deepEqual(r.warnings, []);
    const merged = mergePackages(r.packages).filter((p) => p.purl === 'pkg:golang/golang.org/x/xerrors');
    assert.equal(merged.length, 1);
    assert.equal(merged[0]!.isRoot, true);
    assert.equal(merged[0]!.metadata?.localPath, './xerrors');
    assert.deepEqual(merged[0]!.locations.map((l) => l.path), ['go.mod', 'xerrors/go.mod']);
    // the go.sum beside go.mod is read by the go.mod parser, not as a lone go.sum
    assert.ok(r.packages.every((p) => !p.locations.every((l) => l.path === 'go.sum')));
  });

  test('canonicalVersion follows golang.org/x/mod/module', () => {
    assert.equal(canonicalVersion('v1'), 'v1.0.0');
    assert.equal(canonicalVersion('v1.2'), 'v1.2.0');
    assert.equal(canonicalVersion('v1.2.3-pre.1+meta'), 'v1.2.3-pre.1');
    assert.equal(canonicalVersion('v2.0.0+incompatible'), 'v2.0.0+incompatible');
    assert.equal(canonicalVersion('1.2.3'), undefined);
    assert.equal(canonicalVersion('v1.02.3'), undefined);
    assert.equal(canonicalVersion('v1.2-pre'), undefined);
    assert.equal(canonicalVersion('v1.2.3-01'), undefined);
  });
});

describe('go.mod: bad input', () => {
  const bad: Record<string, [string, number | undefined]> = {
    'unknown directive': ['module m\nfrobnicate x\n', 2],
    'unterminated block (truncated file)': ['module m\nrequire (\n\ta.example/x v1.0.0\n', 2],
    'missing version': ['require a.example/x\n', 1],
    'not a semantic version': ['require a.example/x 1.0.0\n', 1],
    'block comment': ['/* no */\nmodule m\n', 1],
    'newline in string': ['module "m\n"\n', 1],
    'unterminated string': ['module "m', 1],
    'bad punctuation': ['module m\nrequire a.example/x v1.0.0, b v2\n', 2],
    'repeated module': ['module a\nmodule b\n', 2],
    'bad go version': ['go 1.x\n', 1],
    'bad toolchain': ['toolchain 1.21\n', 1],
    'remote replacement without version': ['replace a => b\n', 1],
    'local replacement with version': ['replace a => ./b v1.0.0\n', 1],
    'replace without arrow': ['replace a b c\n', 1],
    'block of an unknown verb': ['go (\n1.21\n)\n', 1],
    'text after closing paren': ['require (\na v1.0.0\n) x\n', 3],
  };
  for (const [name, [text, line]] of Object.entries(bad)) {
    test(name, async () => {
      const err = await parseFiles(parseGoMod, { 'go.mod': text }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof FileParseError, `expected FileParseError, got ${String(err)}`);
      assert.equal(err.line, line);
    });
  }

  test('modfile parser agrees on the must-error fixture', () => {
    assert.throws(() => parseModFile('this is not a go.mod file!\n'), FileParseError);
  });

  test('too many tokens on one line', () => {
    assert.throws(() => parseModFile(`require ${'x '.repeat(100)}\n`), FileParseError);
  });

  test('over the file size limit', async () => {
    await assert.rejects(parseFixture(parseGoMod, join(GO, 'trivy/gomod/normal/go.mod'), { maxFileBytes: 16 }), (e: unknown) => e instanceof VouchError && e.code === 'LIMIT_EXCEEDED');
  });

  test('a lone go.sum with a malformed line is a parse error with its line', async () => {
    const err = await parseFiles(parseGoSumFile, { 'go.sum': 'a.example/x v1.0.0 h1:AAAA=\nnot a go.sum line at all\n' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof FileParseError);
    assert.equal(err.line, 2);
  });

  test('the cataloger turns a bad go.mod into a warning and goes on', async () => {
    const dir = join(tmp, 'cat');
    mkdirSync(join(dir, 'bad'), { recursive: true });
    writeFileSync(join(dir, 'bad/go.mod'), 'this is not a go.mod file!\n');
    writeFileSync(join(dir, 'go.mod'), 'module ok\n\nrequire a.example/x v1.0.0\n');
    const r = await catalogDir(goModCataloger, dir);
    assert.deepEqual(r.warnings.map((w) => [w.location.path, w.location.line]), [['bad/go.mod', 1]]);
    assert.deepEqual(sorted(r.packages.map((p) => p.purl)), ['pkg:golang/a.example/x@v1.0.0', 'pkg:golang/ok']);
  });
});
