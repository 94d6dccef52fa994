import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parsePdmLock } from '../../../../../src/sbom/catalogers/python/pdm.ts';
import { parseFixture } from '../../../../helpers/catalog.ts';
import { assertGraphClosed, assertParseError, canon, caseName, cases, checkScalibrCase, expectedPackages, find, hasEdge, parse, tempTree } from './expect.ts';

describe('pdm.lock: osv-scalibr fixtures', () => {
  for (const c of cases('osv-scalibr', 'pdm')) {
    test(caseName(c), async () => {
      await checkScalibrCase(parsePdmLock, c, { scopes: true });
    });
  }

  test('git dependency keeps its revision', async () => {
    const r = await parse(parsePdmLock, 'osv-scalibr/pdm/git-dependency.toml');
    assert.deepEqual(find(r, 'toml').metadata, {
      vcs: 'https://github.com/uiri/toml.git',
      revision: '65bab7582ce14c55cdeec2244c65ea23039c9e6f',
    });
  });

  test('dependencies become edges', async () => {
    const r = await parse(parsePdmLock, 'osv-scalibr/pdm/dev-dependency.toml');
    assert.ok(hasEdge(r, 'pyroute2', 'win-inet-pton'));
    assert.equal(r.relationships?.length, 1);
  });
});

describe('pdm.lock: syft and cdxgen fixtures', () => {
  for (const c of cases('syft', 'pdm-lock')) {
    test(caseName(c), async () => {
      const r = await parse(parsePdmLock, c);
      assert.deepEqual(
        r.packages.map((p) => p.purl).sort(),
        expectedPackages(c).map((p) => canon(p.purl!)).sort(),
      );
    });
  }

  for (const c of cases('syft', 'pdm-lock-extras')) {
    test(caseName(c), async () => {
      const r = await parse(parsePdmLock, c);
      assert.deepEqual(
        r.packages.map((p) => p.name).sort(),
        expectedPackages(c).map((p) => p.name).sort(),
      );
      assert.equal(r.packages.length, c.expected.expectedPackageCount);
      // the base entry and the `extras = ["toml"]` entry are one package
      const coverage = find(r, 'coverage');
      assert.equal(coverage.metadata?.extras, 'toml');
      assert.equal(coverage.hashes?.length, 2);
      assert.ok(hasEdge(r, 'coverage', 'tomli'), "the extra's dependency");
      assert.ok(hasEdge(r, 'pytest-cov', 'coverage'));
      assertGraphClosed(r);
    });
  }

  for (const c of cases('cdxgen', 'pdm')) {
    test(caseName(c), async () => {
      const r = await parse(parsePdmLock, c);
      // 39 [[package]] entries, two of them extras variants (cachecontrol[filecache], and one
      // with extras = ["pytest"]): cdxgen's pkgList counts 39, its dependency list 37 — ours.
      assert.equal(r.packages.length, (c.expected.cdxgenAssertions as { dependenciesList: number }).dependenciesList);
      // lock_version 4.2: hashes in [metadata.files] keyed "<name> <version>"
      assert.equal(find(r, 'blinker').hashes?.length, 2);
      assert.ok(r.packages.every((p) => (p.scope ?? 'required') === 'required'), 'no groups, no pyproject.toml: required');
      assertGraphClosed(r);
    });
  }
});

describe('pdm.lock: groups from pyproject.toml, bad input', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('dev groups and extras named by the pyproject.toml; the project is the root', async () => {
    const pkg = (name: string, groups: string[], deps: string[] = []): string =>
      `[[package]]\nname = "${name}"\nversion = "1.0"\ngroups = ${JSON.stringify(groups)}\ndependencies = ${JSON.stringify(deps)}\n`;
    const dir = await tempTree({
      'pdm.lock': [
        '[metadata]\ngroups = ["default", "lint", "socks", "dev"]\nlock_version = "4.4.1"\n',
        pkg('requests', ['default'], ['pysocks>=1; extra == "socks"']),
        pkg('ruff', ['lint']),
        pkg('pysocks', ['socks']),
        pkg('pytest', ['dev']),
        pkg('both', ['lint', 'socks']),
      ].join('\n'),
      'pyproject.toml':
        '[project]\nname = "demo"\nversion = "0.3"\ndependencies = ["requests>=2"]\n[project.optional-dependencies]\nsocks = ["pysocks"]\n[tool.pdm.dev-dependencies]\nlint = ["ruff"]\n[dependency-groups]\ndev = ["pytest"]\n',
    });
    dirs.push(dir);
    const r = await parseFixture(parsePdmLock, join(dir, 'pdm.lock'));
    assert.deepEqual(
      ['requests', 'ruff', 'pysocks', 'pytest', 'both'].map((n) => find(r, n).scope),
      ['required', 'dev', 'optional', 'dev', 'optional'],
    );
    const root = r.packages.filter((p) => p.isRoot === true);
    assert.deepEqual(
      root.map((p) => p.purl),
      ['pkg:pypi/demo@0.3'],
    );
    assert.ok(hasEdge(r, 'demo', 'requests') && hasEdge(r, 'demo', 'pysocks') && hasEdge(r, 'demo', 'ruff') && hasEdge(r, 'demo', 'pytest'));
    assert.ok(hasEdge(r, 'requests', 'pysocks'));
  });

  test('not TOML, wrong types', async () => {
    const dir = await tempTree({
      'wrong.lock': '[package]\nname = "a"\n',
      'entries.lock': '[[package]]\nname = ["x"]\n[[package]]\nname = "ok"\nversion = "1"\ngroups = "default"\ndependencies = [5, "not a req !!", "dep>=1"]\nfiles = [{hash = 5}]\n',
    });
    dirs.push(dir);
    await assertParseError(parsePdmLock, 'osv-scalibr/pdm/not-toml.txt', /invalid TOML/);
    await assertParseError(parsePdmLock, join(dir, 'wrong.lock'), /not an array/);
    const r = await parseFixture(parsePdmLock, join(dir, 'entries.lock'));
    assert.deepEqual(
      r.packages.map((p) => [p.purl, p.scope]),
      [['pkg:pypi/ok@1', 'required']],
    );
    assert.equal(r.warnings?.length, 1);
  });
});
