import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MAX_GRAPH_STEPS } from '../../../../../src/sbom/catalogers/python/common.ts';
import { parsePoetryLock } from '../../../../../src/sbom/catalogers/python/poetry.ts';
import { parseFixture } from '../../../../helpers/catalog.ts';
import { assertGraphClosed, assertParseError, canon, caseName, cases, checkScalibrCase, checkTrivyCase, expectedPackages, find, hasEdge, parse, tempTree } from './expect.ts';

describe('poetry.lock: osv-scalibr fixtures', () => {
  for (const c of cases('osv-scalibr', 'poetry')) {
    test(caseName(c), async () => {
      await checkScalibrCase(parsePoetryLock, c, { scopes: true });
    });
  }

  test('v1 [metadata.files] hashes and package sources', async () => {
    const r = await parse(parsePoetryLock, 'osv-scalibr/poetry/one-package-with-metadata.lock');
    assert.deepEqual(find(r, 'emoji').hashes, [{ alg: 'SHA-256', value: '297fac7ec9e86f7b602792c28eb6f04819ba67ab88a34c56afcde52243a9a105' }]);
    const git = await parse(parsePoetryLock, 'osv-scalibr/poetry/source-git.lock');
    assert.deepEqual(find(git, 'ike').metadata, {
      sourceType: 'git',
      sourceUrl: 'https://github.com/dzshn/ike',
      sourceReference: 'cd66602cd29f61a2d2e7fb995fef1e61708c034d',
    });
  });

  test('v2 groups: optional extras, dev groups, the same name at two versions', async () => {
    const r = await parse(parsePoetryLock, 'osv-scalibr/poetry/multiple-packages.v2.lock');
    assert.equal(find(r, 'redis').scope, 'optional');
    assert.equal(find(r, 'six').scope, 'required', 'main wins over dev and test');
    assert.ok(hasEdge(r, 'redis', 'async-timeout'));
    // `proto-plus` has two locked versions; `protobuf` is a dependency of both.
    assert.equal(r.relationships?.filter((rel) => rel.to === 'pkg:pypi/protobuf@4.25.5').length, 2);
    assert.equal(find(r, 'protobuf').hashes?.length, 11);
  });
});

describe('poetry.lock: trivy fixtures', () => {
  for (const c of cases('trivy', 'poetry')) {
    test(caseName(c), async () => {
      const r = await checkTrivyCase(parsePoetryLock, c);
      assert.equal(r.packages.length, c.expected.expectedPackageCount);
    });
  }

  test('[package.dependencies] become the graph', async () => {
    for (const f of ['trivy/poetry/poetry_flask.lock', 'trivy/poetry/poetry_v2_flask.lock']) {
      const r = await parse(parsePoetryLock, f);
      for (const [a, b] of [
        ['flask', 'werkzeug'],
        ['flask', 'click'],
        ['jinja2', 'markupsafe'],
        ['pytest', 'pluggy'],
        ['click', 'colorama'],
      ] as const) {
        assert.ok(hasEdge(r, a, b), `${f}: ${a} -> ${b}`);
      }
      assert.ok(!hasEdge(r, 'pluggy', 'flask'));
    }
  });
});

describe('poetry.lock: syft and cdxgen fixtures', () => {
  for (const c of cases('syft', 'poetry')) {
    test(caseName(c), async () => {
      const r = await parse(parsePoetryLock, c);
      assert.deepEqual(
        r.packages.map((p) => p.purl).sort(),
        expectedPackages(c).map((p) => canon(p.purl!)).sort(),
      );
      // every package of this lock is `category = "dev"`; a malformed dependency spec is tolerated
      assert.ok(r.packages.every((p) => p.scope === 'dev'));
      assert.equal(find(r, 'added-value').metadata?.sourceUrl, 'https://test.pypi.org/simple');
    });
  }

  test('syft simple-deps: the pyproject.toml beside the lock is the root', async () => {
    const r = await parse(parsePoetryLock, 'syft/poetry/simple-deps/poetry.lock');
    const root = r.packages.filter((p) => p.isRoot === true);
    assert.deepEqual(
      root.map((p) => [p.purl, p.locations]),
      [['pkg:pypi/testpkg@0.1.0', [{ path: 'pyproject.toml' }]]],
    );
    assert.ok(hasEdge(r, 'testpkg', 'requests'));
    assert.ok(hasEdge(r, 'requests', 'urllib3'));
    // lock-version 2.0 records no category: scopes come from reachability from the pyproject.
    assert.ok(r.packages.every((p) => (p.scope ?? 'required') === 'required'));
    assert.deepEqual(find(r, 'certifi').hashes, [
      { alg: 'SHA-256', value: 'dc383c07b76109f368f6106eee2b593b04a011ea4d55f652c6ca24a754d1cdd1' },
      { alg: 'SHA-256', value: '0569859f95fc761b18b45ef421b1290a0f65f147e92a1e5eb3e635f9a5e4e66f' },
    ]);
    assertGraphClosed(r);
  });

  for (const c of cases('cdxgen', 'poetry')) {
    test(caseName(c), async () => {
      const r = await parse(parsePoetryLock, c);
      assert.equal(r.packages.length, (c.expected.cdxgenAssertions as { pkgList: number }).pkgList);
      assert.equal(r.packages.filter((p) => p.scope === 'dev').length, 25, 'the 25 `category = "dev"` packages');
      assert.ok(r.packages.every((p) => (p.hashes ?? []).length > 0), 'hashes from [metadata.files]');
      assertGraphClosed(r);
    });
  }
});

describe('poetry.lock: scopes from pyproject.toml, bad input', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const lock = (pkgs: string): string => `${pkgs}\n[metadata]\nlock-version = "2.0"\n`;
  const pkg = (name: string, deps: string[] = []): string =>
    `[[package]]\nname = "${name}"\nversion = "1.0"\noptional = false\nfiles = []\n${deps.length ? `[package.dependencies]\n${deps.map((d) => `${d} = "*"`).join('\n')}\n` : ''}`;

  test('lock 2.0 without groups: main, dev group and shared packages', async () => {
    const dir = await tempTree({
      'poetry.lock': lock(
        [pkg('requests', ['urllib3', 'packaging']), pkg('urllib3'), pkg('pytest', ['pluggy', 'packaging']), pkg('pluggy'), pkg('packaging'), pkg('orphan')].join('\n'),
      ),
      'pyproject.toml':
        '[tool.poetry]\nname = "App_Name"\nversion = "2.0"\n[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "*"\n[tool.poetry.group.test.dependencies]\npytest = "*"\n',
    });
    dirs.push(dir);
    const r = await parseFixture(parsePoetryLock, join(dir, 'poetry.lock'));
    const scope = (n: string): string | undefined => find(r, n).scope;
    assert.deepEqual(
      ['requests', 'urllib3', 'packaging', 'pytest', 'pluggy', 'orphan'].map(scope),
      ['required', 'required', 'required', 'dev', 'dev', 'required'],
    );
    const root = find(r, 'App_Name');
    assert.equal(root.purl, 'pkg:pypi/app-name@2.0');
    assert.ok(hasEdge(r, 'App_Name', 'pytest') && hasEdge(r, 'App_Name', 'requests'));
    assert.ok(!hasEdge(r, 'App_Name', 'python'));
  });

  test('a malformed pyproject.toml is a warning, not a failure', async () => {
    const dir = await tempTree({ 'poetry.lock': lock(pkg('a')), 'pyproject.toml': '[tool.poetry\nname = "x"' });
    dirs.push(dir);
    const r = await parseFixture(parsePoetryLock, join(dir, 'poetry.lock'));
    assert.deepEqual(
      r.packages.map((p) => p.purl),
      ['pkg:pypi/a@1.0'],
    );
    assert.equal(r.warnings?.length, 1);
    assert.equal(r.warnings?.[0]?.location.path, 'pyproject.toml');
    assert.equal(r.warnings?.[0]?.location.line, 1);
  });

  test('a hostile graph (every version of a name depends on the name) is cut short with a warning', async () => {
    let text = '';
    for (let i = 0; i < 1000; i++) text += `[[package]]\nname = "a"\nversion = "${i}"\n[package.dependencies]\na = "*"\n`;
    const dir = await tempTree({ 'poetry.lock': text, 'pyproject.toml': '[project]\nname = "root"\ndependencies = ["a"]\n' });
    dirs.push(dir);
    const r = await parseFixture(parsePoetryLock, join(dir, 'poetry.lock'));
    assert.equal(r.packages.length, 1001);
    assert.ok((r.relationships?.length ?? 0) <= MAX_GRAPH_STEPS);
    assert.deepEqual(r.warnings?.map((w) => w.message), [`dependency graph larger than ${MAX_GRAPH_STEPS} steps: incomplete`]);
  });

  test('truncated, wrong types, bad names', async () => {
    const dir = await tempTree({
      'truncated.lock': '[[package]]\nname = "a"\nversion = "1.',
      'wrong.lock': 'package = "nope"\n',
      'names.lock': '[[package]]\nname = 5\nversion = "1"\n[[package]]\nname = "../x"\n[[package]]\nname = "ok"\nversion = "1"\ndependencies = 7\nfiles = "x"\n',
    });
    dirs.push(dir);
    await assertParseError(parsePoetryLock, join(dir, 'truncated.lock'), /invalid TOML/);
    await assert.rejects(parseFixture(parsePoetryLock, join(dir, 'truncated.lock')), (e: { line?: number }) => e.line === 3);
    await assertParseError(parsePoetryLock, join(dir, 'wrong.lock'), /not an array/);
    const r = await parseFixture(parsePoetryLock, join(dir, 'names.lock'));
    assert.deepEqual(
      r.packages.map((p) => p.purl),
      ['pkg:pypi/ok@1'],
    );
    assert.equal(r.warnings?.length, 2);
  });
});
