/**
 * The JavaScript catalogers together over one project (package-lock.json + the node_modules
 * it describes), merged the way `vouch sbom` merges them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Package, Relationship } from '../../../../../src/formats/model/index.ts';
import { catalogers } from '../../../../../src/sbom/catalogers/javascript/index.ts';
import { mergePackages, mergeRelationships } from '../../../../../src/sbom/generic/index.ts';
import { catalogDir } from '../../../../helpers/catalog.ts';
import { pkg, withTree } from './tree.ts';

const INTEGRITY = (n: number): string => `sha512-${Buffer.alloc(64, n).toString('base64')}`;

/** A v3 lockfile and the node_modules npm would install from it on Linux. */
const PROJECT = {
  'package.json': {
    name: 'shop',
    version: '2.1.0',
    license: 'MIT',
    workspaces: ['packages/*'],
    dependencies: { express: '^4.0.0', 'str-cjs': 'npm:string-width@^4.2.0' },
    devDependencies: { mocha: '^10.0.0' },
  },
  'package-lock.json': {
    name: 'shop',
    version: '2.1.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name: 'shop',
        version: '2.1.0',
        license: 'MIT',
        workspaces: ['packages/*'],
        dependencies: { express: '^4.0.0', 'str-cjs': 'npm:string-width@^4.2.0' },
        devDependencies: { mocha: '^10.0.0' },
      },
      'node_modules/express': {
        version: '4.18.2',
        resolved: 'https://registry.npmjs.org/express/-/express-4.18.2.tgz',
        integrity: INTEGRITY(1),
        license: 'MIT',
        dependencies: { debug: '2.6.9' },
      },
      'node_modules/debug': { version: '2.6.9', integrity: INTEGRITY(2), license: 'MIT', dependencies: { ms: '2.0.0' } },
      'node_modules/ms': { version: '2.0.0', integrity: INTEGRITY(3), license: 'MIT' },
      'node_modules/mocha': { version: '10.2.0', integrity: INTEGRITY(4), dev: true, license: 'MIT', dependencies: { debug: '4.3.4', fsevents: '~2.3.2' }, optionalDependencies: { fsevents: '~2.3.2' } },
      'node_modules/mocha/node_modules/debug': { version: '4.3.4', integrity: INTEGRITY(5), dev: true, dependencies: { ms: '2.1.2' } },
      'node_modules/mocha/node_modules/ms': { version: '2.1.2', integrity: INTEGRITY(6), dev: true },
      // Installed only on macOS: absent from node_modules here, so not part of this install.
      'node_modules/fsevents': { version: '2.3.3', integrity: INTEGRITY(7), dev: true, optional: true, os: ['darwin'] },
      'node_modules/str-cjs': { name: 'string-width', version: '4.2.3', integrity: INTEGRITY(8), license: 'MIT' },
      'node_modules/@shop/ui': { resolved: 'packages/ui', link: true },
      'packages/ui': { name: '@shop/ui', version: '0.3.0', dependencies: { ms: '^2.0.0' } },
    },
  },
  'node_modules/.package-lock.json': '{}',
  'node_modules/express/package.json': pkg('express', '4.18.2', { license: 'MIT', dependencies: { debug: '2.6.9' } }),
  'node_modules/debug/package.json': pkg('debug', '2.6.9', { license: 'MIT', dependencies: { ms: '2.0.0' } }),
  'node_modules/ms/package.json': pkg('ms', '2.0.0', { license: 'MIT' }),
  'node_modules/mocha/package.json': pkg('mocha', '10.2.0', { license: 'MIT', dependencies: { debug: '4.3.4' }, optionalDependencies: { fsevents: '~2.3.2' } }),
  'node_modules/mocha/node_modules/debug/package.json': pkg('debug', '4.3.4', { license: 'MIT', dependencies: { ms: '2.1.2' } }),
  'node_modules/mocha/node_modules/ms/package.json': pkg('ms', '2.1.2', { license: 'MIT' }),
  'node_modules/str-cjs/package.json': pkg('string-width', '4.2.3', { license: 'MIT' }),
  'node_modules/mocha/test/fixture/package.json': pkg('not-a-dependency', '0.0.1'),
  'packages/ui/package.json': pkg('@shop/ui', '0.3.0', { dependencies: { ms: '^2.0.0' } }),
};

async function scan(dir: string): Promise<{ packages: Package[]; relationships: Relationship[]; warnings: number }> {
  const found: Package[] = [];
  const rels: Relationship[] = [];
  let warnings = 0;
  for (const c of catalogers) {
    const r = await catalogDir(c, dir);
    found.push(...r.packages);
    rels.push(...r.relationships);
    warnings += r.warnings.length;
  }
  const packages = mergePackages(found);
  return { packages, relationships: mergeRelationships(rels, new Set(packages.map((p) => p.purl))), warnings };
}

describe('JavaScript catalogers over a project with package-lock.json and node_modules', () => {
  test('one package per purl, found by both catalogers, with the lockfile scopes', async () => {
    await withTree(PROJECT, async (dir) => {
      const { packages, warnings } = await scan(dir);
      assert.equal(warnings, 0);
      const byPurl = new Map(packages.map((p) => [p.purl, p]));
      // Exactly what `npm ls --all` would list: installed name@version with real names, plus the project.
      assert.deepEqual([...byPurl.keys()], [
        'pkg:npm/%40shop/ui@0.3.0',
        'pkg:npm/debug@2.6.9',
        'pkg:npm/debug@4.3.4',
        'pkg:npm/express@4.18.2',
        'pkg:npm/mocha@10.2.0',
        'pkg:npm/ms@2.0.0',
        'pkg:npm/ms@2.1.2',
        'pkg:npm/shop@2.1.0',
        'pkg:npm/string-width@4.2.3',
      ]);
      const installed = packages.filter((p) => p.name !== 'shop' && p.name !== '@shop/ui');
      for (const p of installed) {
        assert.deepEqual(
          p.locations.map((l) => l.path).sort(),
          [p.purl === 'pkg:npm/string-width@4.2.3' ? 'node_modules/str-cjs/package.json' : locationOf(p), 'package-lock.json'].sort(),
          p.purl,
        );
        assert.deepEqual(p.licenses, ['MIT']);
        assert.equal(p.hashes.length, 1, `the lockfile's integrity for ${p.purl}`);
      }
      assert.equal(byPurl.get('pkg:npm/shop@2.1.0')?.isRoot, true);
      assert.equal(byPurl.get('pkg:npm/express@4.18.2')?.scope, 'required');
      assert.equal(byPurl.get('pkg:npm/ms@2.0.0')?.scope, 'required');
      for (const dev of ['pkg:npm/mocha@10.2.0', 'pkg:npm/debug@4.3.4', 'pkg:npm/ms@2.1.2']) assert.equal(byPurl.get(dev)?.scope, 'dev', dev);
      // The merge keeps the first cataloger's name (sorted by cataloger name).
      assert.equal(byPurl.get('pkg:npm/mocha@10.2.0')?.foundBy, 'javascript-lock-cataloger');
    });
  });

  test('the graph: project → direct → transitive, workspace member included', async () => {
    await withTree(PROJECT, async (dir) => {
      const { relationships } = await scan(dir);
      const edges = relationships.map((r) => `${r.from} -> ${r.to}`);
      assert.deepEqual(edges, [
        'pkg:npm/%40shop/ui@0.3.0 -> pkg:npm/ms@2.0.0',
        'pkg:npm/debug@2.6.9 -> pkg:npm/ms@2.0.0',
        'pkg:npm/debug@4.3.4 -> pkg:npm/ms@2.1.2',
        'pkg:npm/express@4.18.2 -> pkg:npm/debug@2.6.9',
        'pkg:npm/mocha@10.2.0 -> pkg:npm/debug@4.3.4',
        'pkg:npm/shop@2.1.0 -> pkg:npm/%40shop/ui@0.3.0',
        'pkg:npm/shop@2.1.0 -> pkg:npm/express@4.18.2',
        'pkg:npm/shop@2.1.0 -> pkg:npm/mocha@10.2.0',
        'pkg:npm/shop@2.1.0 -> pkg:npm/string-width@4.2.3',
      ]);
    });
  });

  test('without node_modules the lockfile alone gives the same packages, and fsevents', async () => {
    const lockOnly = Object.fromEntries(Object.entries(PROJECT).filter(([path]) => !path.startsWith('node_modules/')));
    await withTree(lockOnly, async (dir) => {
      const { packages } = await scan(dir);
      const fsevents = packages.find((p) => p.name === 'fsevents');
      // Nothing installed tells npm's platform choice: the optional package is reported.
      assert.equal(fsevents?.scope, 'dev');
      assert.equal(packages.length, 10);
    });
  });
});

function locationOf(p: Package): string {
  return p.purl === 'pkg:npm/debug@4.3.4' || p.purl === 'pkg:npm/ms@2.1.2'
    ? `node_modules/mocha/node_modules/${p.name}/package.json`
    : `node_modules/${p.name}/package.json`;
}
