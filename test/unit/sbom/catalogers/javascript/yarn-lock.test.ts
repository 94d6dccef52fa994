import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { javascriptLockCataloger } from '../../../../../src/sbom/catalogers/javascript/index.ts';
import { parseYarnLock } from '../../../../../src/sbom/catalogers/javascript/yarn-lock.ts';
import { catalogDir, parseFixture } from '../../../../helpers/catalog.ts';
import {
  assertConsistent,
  caseName,
  cases,
  expectedPackages,
  find,
  hasEdge,
  keys,
  nonRoot,
  parse,
  root,
  type ExpectedPackage,
} from './expect.ts';
import { withTree } from './tree.ts';

describe('yarn.lock: osv-scalibr fixtures (classic and berry)', () => {
  for (const c of cases('osv-scalibr', 'yarn/')) {
    test(caseName(c), async () => {
      const r = await parse(parseYarnLock, c);
      assertConsistent(r);
      assert.deepEqual(r.warnings ?? [], []);
      // scalibr leaves out the project's own workspace (`name@workspace:.`); it is our root.
      assert.deepEqual(keys(nonRoot(r)), keys(expectedPackages(c)));
    });
  }

  test('aliases report the real name, from the registry URL (classic) or the resolution (berry)', async () => {
    for (const file of ['with-aliases.v1.lock', 'with-aliases.v2.lock']) {
      const r = await parse(parseYarnLock, `osv-scalibr/yarn/${file}`);
      assert.equal(find(r, 'ansi-regex', '5.0.1').purl, 'pkg:npm/ansi-regex@5.0.1', file);
      assert.equal(find(r, '@babel/helper-validator-identifier').purl, 'pkg:npm/%40babel/helper-validator-identifier@7.22.20');
    }
  });

  test('berry: the workspace "." is the root and its aliased dependencies resolve', async () => {
    const r = await parse(parseYarnLock, 'osv-scalibr/yarn/with-aliases.v2.lock');
    const top = root(r)!;
    assert.equal(top.purl, 'pkg:npm/mine@0.0.0-use.local');
    for (const [n, v] of [['ansi-regex', '6.0.1'], ['ansi-regex', '5.0.1'], ['@babel/helper-validator-identifier', '7.22.20']] as const) {
      assert.ok(hasEdge(r, top, find(r, n, v)), `${n}@${v}`);
    }
  });

  test('classic: integrity becomes a hash; entry header line is the location', async () => {
    const r = await parse(parseYarnLock, 'osv-scalibr/yarn/one-package.v1.lock');
    const p = find(r, 'balanced-match', '1.0.2');
    assert.equal(p.hashes?.[0]?.alg, 'SHA-512');
    assert.equal(p.hashes?.[0]?.value.length, 128);
    assert.equal(p.locations?.[0]?.line, 5);
  });
});

/**
 * trivy skips entries that do not come from a registry (file:, git, link:, patch: and
 * unknown protocols); we report them, with their source in metadata. These are the extras.
 */
const TRIVY_EXTRAS: Readonly<Record<string, readonly string[]>> = {
  'yarn/yarn_with_local.lock': ['local-package@0.0.1'],
  'yarn/yarn_with_git.lock': ['mapbox-gl-feature-drag-and-drop@1.1.1'],
  'yarn/yarn_with_bad_protocol.lock': ['asap@2.0.6'],
  'yarn/yarn_v2_happy.lock': ['fsevents@2.1.3'],
};

describe('yarn.lock: trivy fixtures', () => {
  for (const c of cases('trivy', 'yarn/')) {
    test(caseName(c), async () => {
      const r = await parse(parseYarnLock, c);
      assertConsistent(r);
      const want = [...keys(expectedPackages(c)), ...(TRIVY_EXTRAS[c.file] ?? [])].sort();
      assert.deepEqual(keys(nonRoot(r)), want);
    });
  }

  test('berry: protocols in dependency ranges ("npm:4.3.4") resolve', async () => {
    const r = await parse(parseYarnLock, 'trivy/yarn/yarn_v2_deps_with_protocol.lock');
    assert.ok(hasEdge(r, root(r)!, find(r, 'debug', '4.3.4')));
    assert.ok(hasEdge(r, find(r, 'debug', '4.3.4'), find(r, 'ms', '2.1.2')));
  });

  test('berry: a patched package is the package it patches', async () => {
    const r = await parse(parseYarnLock, 'trivy/yarn/yarn_v2_happy.lock');
    assert.match(find(r, 'fsevents', '2.1.3').metadata?.resolution ?? '', /^fsevents@patch:/);
  });
});

describe('yarn.lock: syft fixtures', () => {
  for (const c of cases('syft', 'yarn')) {
    if (c['expectedSlices'] !== undefined) continue;
    test(caseName(c), async () => {
      const r = await parse(parseYarnLock, c);
      assertConsistent(r);
      let want: readonly ExpectedPackage[] = expectedPackages(c);
      if (c.file === 'yarn-berry/yarn.lock') {
        // syft names the project after its lock key (`c0n-fab_u.laTION@workspace:.`); we take
        // the name of the resolution yarn wrote (`newtest@workspace:.`), and it is our root.
        assert.equal(root(r)?.purl, 'pkg:npm/newtest@7.7.7');
        want = want.filter((p) => p.name !== 'c0n-fab_u.laTION');
      }
      assert.deepEqual(keys(nonRoot(r)), keys(want));
      for (const w of want) assert.equal(find(r, w.name, w.version).purl, w.purl, `purl of ${w.name}`);
    });
  }

  for (const c of cases('syft', 'yarn')) {
    const slices = c['expectedSlices'] as { count: number; packages: ExpectedPackage[] }[] | undefined;
    if (slices === undefined) continue;
    // Slices: classic with dev, classic without, berry with dev, berry without; the fixture
    // folder holds one lockfile, so its two slices are the ones of its format.
    test(`${caseName(c)}: dev from package.json`, async () => {
      const r = await parse(parseYarnLock, `${c.repo}/${c.file}yarn.lock`);
      assertConsistent(r);
      const [withDev, withoutDev] = c.file.includes('berry') ? [slices[2]!, slices[3]!] : [slices[0]!, slices[1]!];
      assert.deepEqual(keys(nonRoot(r)), keys(withDev.packages));
      assert.deepEqual(keys(nonRoot(r).filter((p) => p.scope !== 'dev')), keys(withoutDev.packages));
      assert.equal(root(r)?.purl, 'pkg:npm/test-project@1.0.0');
      assert.equal(find(r, 'dev-only-transitive').scope, 'dev');
      assert.ok(hasEdge(r, find(r, 'dev-pkg'), find(r, 'dev-only-transitive')));
    });
  }

  test('classic: dependencies resolve through descriptors', async () => {
    const r = await parse(parseYarnLock, 'syft/yarn-v1-deps/yarn.lock');
    assert.ok(hasEdge(r, find(r, 'asn1.js'), find(r, 'atob')));
    assert.equal(r.relationships?.length, 1, 'the other dependencies are not in this trimmed lockfile');
  });
});

describe('yarn.lock: cdxgen real-world lockfiles', () => {
  for (const c of cases('cdxgen', 'yarn/')) {
    test(caseName(c), async () => {
      const r = await parse(parseYarnLock, c);
      assertConsistent(r);
      assert.deepEqual(r.warnings ?? [], []);
      // cdxgen's component count (berry: the project's workspace included) is ours too.
      assert.equal(r.packages.length, (c['cdxgenAssertions'] as { pkgList: number }).pkgList);
    });
  }

  test('berry monorepo: the members hang off the root', async () => {
    const r = await parse(parseYarnLock, 'cdxgen/yarn/yarnv3.berry.lock');
    const top = root(r)!;
    assert.equal(top.purl, 'pkg:npm/yarn3-monorepo@0.0.0-use.local');
    for (const m of ['documentation', 'js-lib', 'node-project', 'web-project']) assert.ok(hasEdge(r, top, find(r, m)), m);
  });
});

describe('yarn.lock: bad and odd input', () => {
  async function withLock(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'vouch-yarn-'));
    try {
      for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
      await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test('classic: an unterminated string and an indented first line fail with their line', async () => {
    await withLock({ 'yarn.lock': '# yarn lockfile v1\n\n"foo@^1.0.0:\n  version "1.0.0"\n' }, async (dir) => {
      await assert.rejects(parseFixture(parseYarnLock, join(dir, 'yarn.lock')), (e: Error & { line?: number }) => e.line === 3);
    });
    await withLock({ 'yarn.lock': '  version "1.0.0"\n' }, async (dir) => {
      await assert.rejects(parseFixture(parseYarnLock, join(dir, 'yarn.lock')), (e: Error & { line?: number }) => e.line === 1);
    });
  });

  test('classic: an entry without a version is skipped with a warning', async () => {
    await withLock({ 'yarn.lock': 'foo@^1.0.0:\n  resolved "x"\n\nbar@^2.0.0:\n  version "2.0.0"\n' }, async (dir) => {
      const r = await parseFixture(parseYarnLock, join(dir, 'yarn.lock'));
      assert.deepEqual(keys(r.packages), ['bar@2.0.0']);
      assert.equal(r.warnings?.[0]?.location.line, 1);
    });
  });

  test('berry: wrong types and malformed YAML', async () => {
    await withLock({ 'yarn.lock': '__metadata:\n  version: 6\n"a@npm:1":\n  version: [1, 2]\n  dependencies: 7\n' }, async (dir) => {
      const r = await parseFixture(parseYarnLock, join(dir, 'yarn.lock'));
      assert.deepEqual(r.packages, []);
      assert.equal(r.warnings?.length, 1);
    });
    await withLock({ 'yarn.lock': '__metadata:\n  version: 6\n"a@npm:1": [\n' }, async (dir) => {
      await assert.rejects(parseFixture(parseYarnLock, join(dir, 'yarn.lock')), /invalid YAML/);
    });
  });

  test('berry: a billion-laughs alias bomb is refused', async () => {
    const lines = ['__metadata:', '  version: 6', 'l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 8; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    await withLock({ 'yarn.lock': lines.join('\n') + '\n' }, async (dir) => {
      await assert.rejects(parseFixture(parseYarnLock, join(dir, 'yarn.lock')), /invalid YAML/);
    });
  });

  test('a yarn.lock inside node_modules is not read', async () => {
    await withLock({}, async (dir) => {
      await mkdir(join(dir, 'node_modules', 'x'), { recursive: true });
      await writeFile(join(dir, 'node_modules', 'x', 'yarn.lock'), 'foo@^1:\n  version "1.0.0"\n');
      const r = await catalogDir(javascriptLockCataloger, dir);
      assert.deepEqual(r.packages, []);
      assert.deepEqual(r.warnings, []);
    });
  });
});

describe('yarn.lock: workspaces and local folders', () => {
  test('classic: workspace members come from package.json globs, with their own dev dependencies', async () => {
    const lock = [
      '# yarn lockfile v1',
      '',
      'left-pad@^1.0.0:',
      '  version "1.3.0"',
      '  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#abc"',
      '',
      'jest@^29.0.0:',
      '  version "29.7.0"',
      '  dependencies:',
      '    left-pad "^1.0.0"',
      '',
    ].join('\n');
    await withTree(
      {
        'yarn.lock': lock,
        'package.json': { name: 'mono', version: '1.0.0', private: true, workspaces: ['packages/*'] },
        'packages/app/package.json': { name: '@m/app', version: '0.1.0', dependencies: { 'left-pad': '^1.0.0', '@m/lib': '*' }, devDependencies: { jest: '^29.0.0' } },
        'packages/lib/package.json': { name: '@m/lib', version: '0.2.0' },
        'packages/app/node_modules/x/package.json': { name: 'x', version: '1.0.0' },
      },
      async (dir) => {
        const r = await parseFixture(parseYarnLock, join(dir, 'yarn.lock'));
        assertConsistent(r);
        const top = root(r)!;
        const [app, lib] = [find(r, '@m/app', '0.1.0'), find(r, '@m/lib', '0.2.0')];
        assert.ok(hasEdge(r, top, app) && hasEdge(r, top, lib));
        assert.ok(hasEdge(r, app, lib), 'members depend on each other by name');
        assert.ok(hasEdge(r, app, find(r, 'left-pad')));
        assert.equal(find(r, 'left-pad').scope, 'required');
        assert.equal(find(r, 'jest').scope, 'dev');
        assert.equal(r.packages.length, 5);
      },
    );
  });

  test('berry: link: and portal: folders are not packages, but edges through them are kept', async () => {
    const lock = [
      '__metadata:',
      '  version: 8',
      '',
      '"app@workspace:.":',
      '  version: 0.0.0-use.local',
      '  resolution: "app@workspace:."',
      '  dependencies:',
      '    tool: "portal:../tool::locator=app%40workspace%3A."',
      '    dev-only: "npm:^1.0.0"',
      '  languageName: unknown',
      '  linkType: soft',
      '',
      '"tool@portal:../tool::locator=app%40workspace%3A.":',
      '  version: 0.0.0-use.local',
      '  resolution: "tool@portal:../tool::locator=app%40workspace%3A."',
      '  dependencies:',
      '    ms: "npm:^2.1.0"',
      '  languageName: node',
      '  linkType: soft',
      '',
      '"ms@npm:^2.1.0":',
      '  version: 2.1.3',
      '  resolution: "ms@npm:2.1.3"',
      '  checksum: 10c0/abc',
      '  languageName: node',
      '  linkType: hard',
      '',
      '"dev-only@npm:^1.0.0":',
      '  version: 1.0.0',
      '  resolution: "dev-only@npm:1.0.0"',
      '  languageName: node',
      '  linkType: hard',
      '',
    ].join('\n');
    await withTree({ 'yarn.lock': lock, 'package.json': { name: 'app', version: '3.0.0', dependencies: { tool: 'portal:../tool' }, devDependencies: { 'dev-only': '^1.0.0' } } }, async (dir) => {
      const r = await parseFixture(parseYarnLock, join(dir, 'yarn.lock'));
      assertConsistent(r);
      assert.deepEqual(keys(r.packages), ['app@3.0.0', 'dev-only@1.0.0', 'ms@2.1.3']);
      assert.ok(hasEdge(r, root(r)!, find(r, 'ms')), 'app → (tool) → ms');
      assert.equal(find(r, 'ms').scope, 'required');
      assert.equal(find(r, 'dev-only').scope, 'dev');
      assert.equal(find(r, 'ms').metadata?.checksum, '10c0/abc', 'the cache checksum is metadata, not a tarball hash');
      assert.deepEqual(find(r, 'ms').hashes, []);
    });
  });
});
