import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Package } from '../../../../../src/formats/model/index.ts';
import { javascriptPackageCataloger } from '../../../../../src/sbom/catalogers/javascript/index.ts';
import { installedFolder } from '../../../../../src/sbom/catalogers/javascript/node-modules.ts';
import type { CatalogResult } from '../../../../../src/sbom/generic/index.ts';
import { catalogDir } from '../../../../helpers/catalog.ts';
import { NPM } from './expect.ts';
import { pkg, withTree } from './tree.ts';

function get(r: CatalogResult, name: string, version?: string): Package {
  const hit = r.packages.filter((p) => p.name === name && (version === undefined || p.version === version));
  assert.equal(hit.length, 1, `${name}@${version ?? '*'}: ${r.packages.map((p) => `${p.name}@${p.version}`).join(', ')}`);
  return hit[0]!;
}

function edge(r: CatalogResult, from: Package, to: Package): boolean {
  return r.relationships.some((e) => e.from === from.purl && e.to === to.purl);
}

describe('installed packages: which package.json files are packages', () => {
  const cases: [string, { root: string; folder: string } | undefined][] = [
    ['node_modules/a/package.json', { root: '', folder: 'node_modules/a' }],
    ['app/node_modules/@s/b/package.json', { root: 'app', folder: 'app/node_modules/@s/b' }],
    ['node_modules/a/node_modules/b/package.json', { root: '', folder: 'node_modules/a/node_modules/b' }],
    ['node_modules/.pnpm/a@1.0.0/node_modules/a/package.json', { root: '', folder: 'node_modules/.pnpm/a@1.0.0/node_modules/a' }],
    ['package.json', undefined],
    ['app/package.json', undefined],
    ['node_modules/a/test/fixtures/package.json', undefined],
    ['node_modules/a/lib/package.json', undefined],
    ['node_modules/a/test/node_modules/b/package.json', undefined],
    ['node_modules/@s/package.json', undefined],
    ['node_modules/.bin/package.json', undefined],
    ['node_modules/.cache/x/package.json', undefined],
    ['node_modules/.package-lock.json', undefined],
  ];
  for (const [path, want] of cases) {
    test(path, () => {
      const got = installedFolder(path);
      assert.deepEqual(got === undefined ? undefined : { root: got.root, folder: got.folder }, want);
    });
  }
});

describe('installed packages: real fixtures', () => {
  test('syft/pkg-lock/node_modules: both packages, with licenses, nothing else', async () => {
    const r = await catalogDir(javascriptPackageCataloger, join(NPM, 'syft', 'pkg-lock'));
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.packages.map((p) => p.purl).sort(), ['pkg:npm/%40actions/core@1.6.0', 'pkg:npm/cowsay@1.4.0']);
    for (const p of r.packages) {
      assert.deepEqual(p.licenses, ['MIT']);
      assert.equal(p.foundBy, 'javascript-package-cataloger');
      assert.equal(p.locations[0]?.path, `node_modules/${p.name}/package.json`);
    }
    // Their dependencies are not installed here: no edges.
    assert.deepEqual(r.relationships, []);
  });
});

describe('installed packages: a project tree', () => {
  const tree = {
    'package.json': {
      name: 'proj',
      version: '1.0.0',
      dependencies: { a: '^1', alias: 'npm:real@^3' },
      devDependencies: { b: '^1' },
      optionalDependencies: { opt: '^1' },
    },
    'node_modules/a/package.json': pkg('a', '1.0.0', { license: 'MIT', dependencies: { c: '^1' } }),
    'node_modules/a/lib/package.json': { type: 'module' },
    'node_modules/a/test/fixtures/package.json': pkg('fixture', '9.9.9'),
    'node_modules/b/package.json': pkg('b', '1.0.0', { license: { type: 'ISC' }, dependencies: { c: '^2', '@s/d': '*' } }),
    'node_modules/b/node_modules/c/package.json': pkg('c', '2.0.0', { licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }),
    'node_modules/c/package.json': pkg('c', '1.0.0', { peerDependencies: { a: '*', missing: '*' } }),
    'node_modules/@s/d/package.json': pkg('@s/d', '4.0.0', { _integrity: 'sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=', _resolved: 'https://r/@s/d/-/d-4.0.0.tgz' }),
    'node_modules/alias/package.json': pkg('real', '3.0.0'),
    'node_modules/opt/package.json': pkg('opt', '1.0.0', { dependencies: { c: '^1' } }),
    'node_modules/broken/package.json': '{"name": "broken",',
    'node_modules/extraneous/package.json': pkg('extraneous', '0.1.0'),
  };

  test('packages, licenses, hashes, aliases; not the project or files inside packages', async () => {
    await withTree(tree, async (dir) => {
      const r = await catalogDir(javascriptPackageCataloger, dir);
      assert.deepEqual(r.packages.map((p) => `${p.name}@${p.version}`).sort(), [
        '@s/d@4.0.0',
        'a@1.0.0',
        'b@1.0.0',
        'c@1.0.0',
        'c@2.0.0',
        'extraneous@0.1.0',
        'opt@1.0.0',
        'real@3.0.0',
      ]);
      assert.deepEqual(get(r, 'a').licenses, ['MIT']);
      assert.deepEqual(get(r, 'b').licenses, ['ISC']);
      assert.deepEqual(get(r, 'c', '2.0.0').licenses, ['MIT', 'Apache-2.0']);
      assert.deepEqual(get(r, '@s/d').hashes, [{ alg: 'SHA-1', value: '0'.repeat(40) }]);
      assert.equal(get(r, '@s/d').metadata?.resolved, 'https://r/@s/d/-/d-4.0.0.tgz');
      assert.equal(get(r, 'real').purl, 'pkg:npm/real@3.0.0');
      assert.equal(get(r, 'real').metadata?.installedAs, 'alias');
      // One bad package.json is one warning, naming its file and line.
      assert.equal(r.warnings.length, 1);
      assert.equal(r.warnings[0]?.location.path, 'node_modules/broken/package.json');
    });
  });

  test('edges follow node_modules lookup; scopes follow the project package.json', async () => {
    await withTree(tree, async (dir) => {
      const r = await catalogDir(javascriptPackageCataloger, dir);
      const [a, b, c1, c2, d, opt] = [get(r, 'a'), get(r, 'b'), get(r, 'c', '1.0.0'), get(r, 'c', '2.0.0'), get(r, '@s/d'), get(r, 'opt')];
      assert.ok(edge(r, a, c1));
      assert.ok(edge(r, b, c2), 'nested c@2 shadows the top-level c@1 for b');
      assert.ok(!edge(r, b, c1));
      assert.ok(edge(r, b, d));
      assert.ok(edge(r, c1, a), 'peer dependencies are edges too');
      assert.equal(a.scope, 'required');
      assert.equal(c1.scope, 'required');
      assert.equal(b.scope, 'dev');
      assert.equal(c2.scope, 'dev');
      assert.equal(d.scope, 'dev');
      assert.equal(opt.scope, 'optional');
      assert.equal(get(r, 'real').scope, 'required');
      // Not reachable from the project: kept, as required (we cannot tell it is unused).
      assert.equal(get(r, 'extraneous').scope, 'required');
    });
  });

  test('without a project package.json every package is required', async () => {
    const { 'package.json': _project, ...rest } = tree;
    await withTree(rest, async (dir) => {
      const r = await catalogDir(javascriptPackageCataloger, dir);
      assert.ok(r.packages.every((p) => p.scope === 'required'));
      assert.ok(edge(r, get(r, 'b'), get(r, 'c', '2.0.0')));
    });
  });

  test('workspace members declare dependencies of the project too', async () => {
    await withTree(
      {
        'package.json': { name: 'mono', private: true, workspaces: ['packages/*'] },
        'packages/web/package.json': { name: 'web', dependencies: { x: '1' }, devDependencies: { y: '1' } },
        'packages/web/node_modules/x/package.json': pkg('x', '2.0.0'),
        'node_modules/x/package.json': pkg('x', '1.0.0'),
        'node_modules/y/package.json': pkg('y', '1.0.0'),
      },
      async (dir) => {
        const r = await catalogDir(javascriptPackageCataloger, dir);
        assert.equal(get(r, 'x', '2.0.0').scope, 'required', "the member's own node_modules wins");
        assert.equal(get(r, 'y').scope, 'dev');
        // x@1 is reached by nobody: still required.
        assert.equal(get(r, 'x', '1.0.0').scope, 'required');
      },
    );
  });

  test("pnpm's virtual store: packages found, dependencies by unique name", async () => {
    await withTree(
      {
        'package.json': { name: 'p', devDependencies: { a: '1' } },
        'node_modules/.pnpm/a@1.0.0/node_modules/a/package.json': pkg('a', '1.0.0', { dependencies: { b: '2' } }),
        'node_modules/.pnpm/b@2.0.0/node_modules/b/package.json': pkg('b', '2.0.0'),
        'node_modules/.pnpm/lock.yaml': 'x',
      },
      async (dir) => {
        const r = await catalogDir(javascriptPackageCataloger, dir);
        assert.ok(edge(r, get(r, 'a'), get(r, 'b')));
        assert.equal(get(r, 'b').scope, 'dev');
      },
    );
  });

  test('wrong types in an installed package.json', async () => {
    await withTree(
      {
        'node_modules/a/package.json': { name: 7, version: ['1'], license: 5, dependencies: 'x' },
        'node_modules/b/package.json': '[1, 2]',
        'node_modules/c/package.json': { name: '../../etc', version: '1.0.0' },
      },
      async (dir) => {
        const r = await catalogDir(javascriptPackageCataloger, dir);
        // The folder names it; no version; the rest ignored.
        assert.deepEqual(r.packages.map((p) => p.purl), ['pkg:npm/a']);
        assert.deepEqual(r.warnings.map((w) => w.location.path).sort(), ['node_modules/b/package.json', 'node_modules/c/package.json']);
      },
    );
  });
});
