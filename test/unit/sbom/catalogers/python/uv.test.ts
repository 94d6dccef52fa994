import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseUvLock } from '../../../../../src/sbom/catalogers/python/uv.ts';
import { parseFixture } from '../../../../helpers/catalog.ts';
import {
  assertGraphClosed,
  assertParseError,
  canon,
  caseName,
  cases,
  checkScalibrCase,
  checkTrivyCase,
  expectedPackages,
  find,
  hasEdge,
  nonRoot,
  parse,
  tempTree,
} from './expect.ts';

describe('uv.lock: osv-scalibr fixtures', () => {
  for (const c of cases('osv-scalibr', 'uv')) {
    test(caseName(c), async () => {
      // scalibr leaves the project (source virtual ".") out; we report it as the root.
      // Its depGroups name the root's extras as groups and give transitive packages none;
      // we derive scope by reachability instead (checked in the next test), so scopes are
      // compared only where no extras are involved.
      const r = await checkScalibrCase(parseUvLock, c, { scopes: c.file !== 'uv/grouped-packages.lock' });
      if (r && r.packages.length > 0 && c.file !== 'uv/names-outside-package-block.lock') {
        assert.deepEqual(
          r.packages.filter((p) => p.isRoot === true).map((p) => p.purl),
          ['pkg:pypi/uv-lockfiles@0.1.0'],
        );
      }
    });
  }

  test('grouped-packages: scope by reachability from the root', async () => {
    const r = await parse(parseUvLock, 'osv-scalibr/uv/grouped-packages.lock');
    // emoji is the root's only main dependency; everything else arrives through the root's
    // extras `cli`, `dev`, `test` ([project.optional-dependencies]: optional, not dev groups).
    for (const p of nonRoot(r)) assert.equal(p.scope, p.name === 'emoji' ? 'required' : 'optional', p.name);
    assert.ok(hasEdge(r, 'uv-lockfiles', 'click') && hasEdge(r, 'uv-lockfiles', 'black') && hasEdge(r, 'uv-lockfiles', 'emoji'));
    assert.ok(hasEdge(r, 'click', 'colorama'));
    assert.equal(find(r, 'black').hashes?.length, 18, 'sdist + 17 wheels');
  });

  test('git source', async () => {
    const r = await parse(parseUvLock, 'osv-scalibr/uv/source-git.lock');
    assert.equal(find(r, 'ruff').metadata?.sourceType, 'git');
    assert.match(find(r, 'ruff').metadata?.sourceUrl ?? '', /^https:\/\/github.com\/astral-sh\/ruff#84748be/);
  });
});

describe('uv.lock: trivy fixtures', () => {
  for (const c of cases('trivy', 'uv')) {
    test(caseName(c), async () => {
      if (c.file === 'uv/uv_multiple_roots.lock') {
        await assertParseError(parseUvLock, c, /uv lockfile must contain 1 root package, found 2 \(foo, bar\)/);
        return;
      }
      if (c.file === 'uv/uv_without_root.lock') {
        // Trivy fails; we keep the packages and warn with trivy's message (see uv.ts).
        assert.match(c.expected.expectError ?? '', /must contain 1 root package/);
        const r = await parse(parseUvLock, c);
        assert.deepEqual(
          r.packages.map((p) => [p.purl, p.isRoot]),
          [['pkg:pypi/asyncio@3.4.3', undefined]],
        );
        assert.deepEqual(r.warnings?.map((w) => w.location.path), ['uv_without_root.lock']);
        assert.match(r.warnings?.[0]?.message ?? '', /uv lockfile must contain 1 root package, found none/);
        return;
      }
      if (c.expected.expectError !== undefined) {
        await assertParseError(parseUvLock, c, /uv lockfile must contain 1 root package/);
        return;
      }
      const r = await checkTrivyCase(parseUvLock, c);
      assert.equal(r.packages.length, c.expected.expectedPackageCount);
      // the root's `json` extra: optional, not dev (trivy: not dev)
      assert.equal(find(r, 'orjson').scope, 'optional');
      // httpx[socks] pulls socksio in through a main dependency: required
      assert.equal(find(r, 'socksio').scope, 'required');
      assert.ok(hasEdge(r, 'httpx', 'socksio'));
    });
  }
});

describe('uv.lock: syft and cdxgen fixtures', () => {
  for (const c of cases('syft', 'uv')) {
    test(caseName(c), async () => {
      const r = await parse(parseUvLock, c);
      assert.deepEqual(
        r.packages.map((p) => p.purl).sort(),
        expectedPackages(c).map((p) => canon(p.purl!)).sort(),
      );
      assert.equal(find(r, 'testpkg').isRoot, true);
      assert.ok(hasEdge(r, 'testpkg', 'requests'));
      assertGraphClosed(r);
    });
  }

  for (const c of cases('cdxgen', 'uv').filter((x) => x.file.endsWith('.lock'))) {
    test(caseName(c), async () => {
      const r = await parse(parseUvLock, c);
      const want = (c.expected.cdxgenAssertions as { pkgList: number }).pkgList;
      if (c.file === 'uv/uv-workspace.lock') {
        // cdxgen was given the workspace's pyproject.toml and makes my-app the parent
        // component, outside pkgList: its 9 are our packages other than the root.
        assert.equal(nonRoot(r).length, want);
        assert.equal(find(r, 'my-app').isRoot, true);
        assert.equal(find(r, 'my-lib').isRoot, undefined, 'a workspace member is not the root');
        assert.ok(hasEdge(r, 'my-app', 'my-lib'));
        assert.equal(find(r, 'pytest').scope, 'dev');
        assert.equal(find(r, 'my-lib').scope, 'required');
      } else {
        assert.equal(r.packages.length, want);
        assert.equal(r.packages.filter((p) => p.isRoot === true).length, 1);
      }
      assertGraphClosed(r);
    });
  }
});

describe('uv.lock: bad input', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('not TOML, wrong types, many versions of one name', async () => {
    const dir = await tempTree({
      'wrong.lock': 'package = 5\n',
      'entries.lock': [
        'version = 1',
        '[[package]]\nname = "root"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [{ name = "lib", version = "2.0" }, { name = 5 }, "x"]',
        '[[package]]\nname = "lib"\nversion = "1.0"\nsdist = { hash = "sha256:nothex" }',
        '[[package]]\nname = "lib"\nversion = "2.0"\nwheels = [{ hash = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }]',
        '[[package]]\nversion = "1"',
      ].join('\n'),
    });
    dirs.push(dir);
    await assertParseError(parseUvLock, 'osv-scalibr/uv/not-toml.txt', /invalid TOML/);
    await assertParseError(parseUvLock, join(dir, 'wrong.lock'), /not an array/);
    const r = await parseFixture(parseUvLock, join(dir, 'entries.lock'));
    assert.deepEqual(
      r.packages.map((p) => p.purl),
      ['pkg:pypi/root@0.1.0', 'pkg:pypi/lib@1.0', 'pkg:pypi/lib@2.0'],
    );
    assert.deepEqual(
      r.relationships?.map((x) => x.to),
      ['pkg:pypi/lib@2.0'],
      'the version in the dependency picks one of the two',
    );
    assert.equal(find(r, 'lib', '1.0').hashes, undefined);
    assert.deepEqual(find(r, 'lib', '2.0').hashes, [{ alg: 'SHA-256', value: 'a'.repeat(64) }]);
    assert.equal(r.warnings?.length, 1);
  });
});
