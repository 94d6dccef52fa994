import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Scope } from '../../../../../src/formats/model/index.ts';
import { javascriptLockCataloger } from '../../../../../src/sbom/catalogers/javascript/index.ts';
import { parsePackageLock } from '../../../../../src/sbom/catalogers/javascript/package-lock.ts';
import { catalogDir, parseFixture } from '../../../../helpers/catalog.ts';
import {
  NPM,
  assertConsistent,
  assertParseError,
  caseName,
  cases,
  expectedPackages,
  find,
  hasEdge,
  key,
  keys,
  nonRoot,
  parse,
  root,
} from './expect.ts';
import { withTree } from './tree.ts';

/**
 * osv-scalibr's depGroups → our scope. `["dev","optional"]` means two things: in v1 an entry
 * flagged both `dev` and `optional` is an optional dependency of dev packages only (dev); in
 * v2/v3 it is npm's `devOptional` (needed by dev and by optional paths), which is still needed
 * without dev dependencies, as an optional one.
 */
function scalibrScope(groups: readonly string[], v1: boolean): Scope {
  const g = groups.filter((x) => x !== 'bundled');
  if (g.includes('dev') && g.includes('optional')) return v1 ? 'dev' : 'optional';
  if (g.includes('dev')) return 'dev';
  if (g.includes('optional')) return 'optional';
  return 'required';
}

describe('package-lock.json: osv-scalibr fixtures', () => {
  for (const c of cases('osv-scalibr', 'package-lock/')) {
    test(caseName(c), async () => {
      if (c.expectError !== undefined || c.testCase === 'invalid_package-lock.json') {
        // The second is scalibr's TestMetricCollector case: extraction of not-json.txt fails.
        await assertParseError(parsePackageLock, c, c.file.endsWith('null.v2.jsontest') ? /got null/ : /invalid JSON/);
        return;
      }
      const r = await parse(parsePackageLock, c);
      assertConsistent(r);
      assert.deepEqual(r.warnings ?? [], []);
      if (c.testCase === 'valid_package-lock.json') {
        // scalibr's TestMetricCollector: only says extraction succeeds (packages are checked elsewhere).
        assert.ok(r.packages.length > 0);
        return;
      }
      // scalibr lists a package once per place in the tree; we report each purl once.
      assert.deepEqual(keys(nonRoot(r)), keys(expectedPackages(c)));
      const v1 = c.file.includes('.v1.');
      for (const want of expectedPackages(c)) {
        const scopes = nonRoot(r).filter((p) => key(p) === key(want)).map((p) => p.scope);
        // A name@version at several places gets the best scope of them.
        const sameKey = expectedPackages(c).filter((p) => key(p) === key(want));
        const best = sameKey.map((p) => scalibrScope(p.depGroups ?? [], v1)).sort((a, b) => rank(a) - rank(b))[0];
        assert.deepEqual(scopes, [best], `scope of ${key(want)}`);
        if (want.depGroups?.includes('bundled')) assert.equal(find(r, want.name, want.version).metadata?.bundled, 'true');
      }
    });
  }

  test('npm-shrinkwrap.json wins over package-lock.json in the same folder', async () => {
    assert.deepEqual((await parse(parsePackageLock, 'osv-scalibr/package-lock/both/package-lock.json')).packages, []);
    const sw = await parse(parsePackageLock, 'osv-scalibr/package-lock/both/npm-shrinkwrap.json');
    assert.deepEqual(keys(nonRoot(sw)), ['supports-color@5.5.0', 'wrappy@1.0.2']);
  });

  test('aliases report the real name (v1 "npm:" versions, v2 "name" fields)', async () => {
    for (const file of ['alias.v1.json', 'alias.v2.json']) {
      const r = await parse(parsePackageLock, `osv-scalibr/package-lock/${file}`);
      const sw = r.packages.filter((p) => p.name === 'string-width').map((p) => p.purl).sort();
      assert.deepEqual(sw, ['pkg:npm/string-width@4.2.0', 'pkg:npm/string-width@5.1.2'], file);
    }
  });

  test('v1 git dependencies: no version, the source kept as metadata', async () => {
    const r = await parse(parsePackageLock, 'osv-scalibr/package-lock/commits.v1.json');
    const p = find(r, 'is-number-2', '');
    assert.equal(p.purl, 'pkg:npm/is-number-2');
    assert.equal(p.metadata?.resolved, 'github:jonschlinkert/is-number#d5ac0584ee9ae7bd9288220a39780f155b9ad4c8');
  });

  test('integrity becomes hex hashes; resolved is kept', async () => {
    const r = await parse(parsePackageLock, 'osv-scalibr/package-lock/one-package.v2.json');
    const w = find(r, 'wrappy', '1.0.2');
    const integrity = w.metadata?.integrity ?? '';
    assert.match(integrity, /^sha(1|512)-/);
    const [alg, b64] = integrity.split('-') as [string, string];
    assert.deepEqual(w.hashes, [{ alg: alg === 'sha1' ? 'SHA-1' : 'SHA-512', value: Buffer.from(b64, 'base64').toString('hex') }]);
    assert.match(w.metadata?.resolved ?? '', /^https:\/\/registry\.npmjs\.org\/wrappy\/-\/wrappy-1\.0\.2\.tgz$/);
  });
});

function rank(s: Scope): number {
  return s === 'required' ? 0 : s === 'optional' ? 1 : 2;
}

describe('package-lock.json: trivy fixtures', () => {
  for (const c of cases('trivy', 'npm/')) {
    test(caseName(c), async () => {
      const r = await parse(parsePackageLock, c);
      assertConsistent(r);
      const want = expectedPackages(c);
      assert.deepEqual(keys(nonRoot(r)), keys(want));
      const top = root(r);
      for (const w of want) {
        const p = find(r, w.name, w.version);
        if (w.dev !== undefined) assert.equal(p.scope === 'dev', w.dev, `dev of ${key(w)}`);
        // trivy's "direct": a dependency of the project or a workspace member of it.
        if (top && w.relationship === 'direct') assert.ok(hasEdge(r, top, p), `root → ${key(w)}`);
        if (top && w.relationship === 'indirect') assert.ok(!hasEdge(r, top, p), `no root → ${key(w)}`);
      }
    });
  }

  test('workspaces: members are linked from the root and resolve their own nested dependencies', async () => {
    const r = await parse(parsePackageLock, 'trivy/npm/package-lock_v3_with_workspace.json');
    const fn = find(r, 'function1', '');
    const nested = find(r, 'nested_func', '1.0.0');
    assert.ok(hasEdge(r, fn, nested));
    // functions/nested_func/node_modules/debug shadows node_modules/debug for nested_func.
    assert.ok(hasEdge(r, nested, find(r, 'debug', '2.6.9')));
    assert.ok(!hasEdge(r, nested, find(r, 'debug', '2.5.2')));
    assert.ok(hasEdge(r, find(r, 'debug', '2.5.2'), find(r, 'ms', '0.7.2')));
    assert.ok(hasEdge(r, find(r, 'debug', '2.6.9'), find(r, 'ms', '2.0.0')));
  });

  test('peer dependencies: installed (npm ≥7), required, marked as peers', async () => {
    const r = await parse(parsePackageLock, 'trivy/npm/package-lock_v3_with_peer.json');
    for (const name of ['lodash', 'triple-beam', 'winston']) {
      assert.equal(find(r, name).scope, 'required', name);
      assert.equal(find(r, name).metadata?.peer, 'true', name);
    }
    assert.equal(find(r, 'mustache').metadata?.peer, undefined);
    assert.ok(hasEdge(r, find(r, 'winston'), find(r, 'triple-beam')));
  });

  test('legacy license forms: arrays and {type, url} objects', async () => {
    const r = await parse(parsePackageLock, 'trivy/npm/package-lock_v3_with_legacy_licenses.json');
    assert.deepEqual(find(r, 'tv4').licenses, ['Public Domain', 'MIT']);
    assert.deepEqual(find(r, 'pause-stream').licenses, ['MIT', 'Apache-2.0']);
    assert.deepEqual(find(r, 'mustache').licenses, ['MIT']);
    assert.deepEqual(root(r)?.licenses, ['ISC']);
  });

  test('a link to nowhere (or to the project itself) is no package', async () => {
    const r = await parse(parsePackageLock, 'trivy/npm/package-lock_v3_broken_link.json');
    assert.deepEqual(keys(r.packages), ['node_v3_without_direct_deps@1.0.0']);
  });
});

describe('package-lock.json: syft fixtures', () => {
  for (const c of cases('syft', 'pkg-lock/')) {
    test(caseName(c), async () => {
      const r = await parse(parsePackageLock, c);
      assertConsistent(r);
      // syft leaves dev dependencies out by default and names the project only for v2+; we
      // keep dev packages with scope 'dev' and always name the project when the lock does.
      const got = r.packages.filter((p) => p.scope !== 'dev');
      const want = expectedPackages(c);
      const wantKeys = new Set(keys(want));
      assert.deepEqual(keys(got.filter((p) => p.isRoot !== true || wantKeys.has(key(p)))), keys(want));
      for (const w of want) if (w.purl !== undefined) assert.equal(find(r, w.name, w.version).purl, w.purl);
    });
  }

  test('syft/pkg-lock/nested-package-lock-1.json: a package nested under a dev package is dev', async () => {
    const r = await parse(parsePackageLock, 'syft/pkg-lock/nested-package-lock-1.json');
    assert.equal(find(r, 'dev-nested').scope, 'dev');
    // "sha512-parent" is no SHA-512 digest: kept as metadata, not as a hash.
    assert.deepEqual(find(r, 'parent').hashes, []);
    assert.equal(find(r, 'parent').metadata?.integrity, 'sha512-parent');
  });

  test('syft/pkg-lock/package-lock.json: a v1 key that is a folder path is reported as a warning', async () => {
    const r = await parse(parsePackageLock, 'syft/pkg-lock/package-lock.json');
    assert.equal(r.warnings?.length, 1);
    assert.match(r.warnings?.[0]?.message ?? '', /node_modules\/async/);
  });

  test('syft/corrupt/package-lock.json fails with the line of the error', async () => {
    await assert.rejects(parse(parsePackageLock, 'syft/corrupt/package-lock.json'), (err: Error & { line?: number }) => {
      assert.match(err.message, /invalid JSON/);
      assert.equal(err.line, 3);
      return true;
    });
  });
});

describe('package-lock.json: cdxgen real-world lockfiles', () => {
  /** Distinct name@version over every entry, an oracle independent of the parser. */
  function distinctEntries(file: string): { entries: number; distinct: number } {
    const data = JSON.parse(readFileSync(join(NPM, 'cdxgen', file), 'utf8')) as Record<string, unknown>;
    const seen = new Set<string>();
    let entries = 0;
    const packages = data['packages'] as Record<string, Record<string, unknown>> | undefined;
    if (packages) {
      for (const [folder, e] of Object.entries(packages)) {
        if (folder === '') continue;
        entries++;
        if (e['link'] === true) continue;
        const nm = folder.lastIndexOf('node_modules/');
        const name = (e['name'] as string | undefined) ?? (nm < 0 ? folder.slice(folder.lastIndexOf('/') + 1) : folder.slice(nm + 13));
        seen.add(`${name}@${typeof e['version'] === 'string' ? e['version'] : ''}`);
      }
    } else {
      const walk = (deps: unknown): void => {
        for (const [name, e] of Object.entries((deps ?? {}) as Record<string, Record<string, unknown>>)) {
          entries++;
          seen.add(`${name}@${String(e['version'])}`);
          walk(e['dependencies']);
        }
      };
      walk(data['dependencies']);
    }
    return { entries, distinct: seen.size };
  }

  for (const c of cases('cdxgen', 'package-lock-')) {
    if (!c.file.endsWith('package-lock.json')) continue;
    test(caseName(c), async () => {
      const r = await parse(parsePackageLock, c);
      assertConsistent(r);
      const asserted = (c['cdxgenAssertions'] as { pkgList: number }).pkgList;
      const { entries, distinct } = distinctEntries(c.file);
      // cdxgen lists every lockfile entry (a name@version at several places several times);
      // we list each purl once: the distinct name@version of the entries, plus the project.
      assert.ok(asserted >= distinct + 1 && asserted <= entries + 1, `cdxgen ${asserted}, entries ${entries}`);
      assert.equal(r.packages.length, distinct + 1);
      assert.equal(r.packages.filter((p) => p.isRoot === true).length, 1);
      // Every package but the root is reached from the root.
      const reached = new Set<string>([root(r)!.purl]);
      const out = new Map<string, string[]>();
      for (const e of r.relationships ?? []) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
      const queue = [root(r)!.purl];
      while (queue.length > 0) {
        for (const to of out.get(queue.pop()!) ?? []) {
          if (reached.has(to)) continue;
          reached.add(to);
          queue.push(to);
        }
      }
      assert.equal(reached.size, r.packages.length, 'all reachable from the root');
    });
  }

  test('workspace lockfile: the root and its members app and scripts', async () => {
    const r = await parse(parsePackageLock, 'cdxgen/package-lock-v2-workspace/package-lock.json');
    assert.equal(root(r)?.purl, 'pkg:npm/root@0.0.0');
    for (const m of ['app', 'scripts']) assert.ok(hasEdge(r, root(r)!, find(r, m, '0.0.0')), m);
  });
});

describe('package-lock.json: bad and hostile input', () => {
  const lock = (packages: object, extra: object = {}): string => JSON.stringify({ name: 'p', version: '1.0.0', lockfileVersion: 3, packages, ...extra });

  test('wrong types inside valid JSON are skipped, not trusted', async () => {
    await withTree(
      {
        'package-lock.json': lock({
          '': { name: 'p', version: '1.0.0', dependencies: ['a'] },
          'node_modules/a': { version: 1, integrity: 5, license: { nope: 1 }, dependencies: 'b', dev: 'yes' },
          'node_modules/b': 'not an object',
          'node_modules/c': { version: '1.0.0', name: '../../../etc' },
          'node_modules/d': { link: true, resolved: '../../outside' },
        }),
      },
      async (dir) => {
        const r = await parseFixture(parsePackageLock, join(dir, 'package-lock.json'));
        assertConsistent(r);
        assert.deepEqual(keys(r.packages), ['a@', 'p@1.0.0']);
        assert.equal(find(r, 'a').scope, 'required');
        assert.equal(r.warnings?.length, 2, JSON.stringify(r.warnings));
      },
    );
  });

  test('top-level JSON that is not an object fails', async () => {
    for (const text of ['[]', '"x"', '42', '']) {
      await withTree({ 'package-lock.json': text }, async (dir) => {
        await assert.rejects(parseFixture(parsePackageLock, join(dir, 'package-lock.json')), /JSON/);
      });
    }
  });

  test('over the package limit or the file size limit fails with a clear error', async () => {
    const packages: Record<string, object> = { '': { name: 'p' } };
    for (let i = 0; i < 50; i++) packages[`node_modules/p${i}`] = { version: '1.0.0' };
    await withTree({ 'package-lock.json': lock(packages) }, async (dir) => {
      await assert.rejects(parseFixture(parsePackageLock, join(dir, 'package-lock.json'), { maxPackagesPerFile: 10 }), /over the limit of 10/);
      await assert.rejects(parseFixture(parsePackageLock, join(dir, 'package-lock.json'), { maxFileBytes: 100 }), (e: Error & { code?: string }) => e.code === 'LIMIT_EXCEEDED');
    });
  });

  test('v1: hostile nesting depth is cut with a warning, not a stack overflow', async () => {
    let deps: object = {};
    for (let i = 0; i < 2000; i++) deps = { [`n${i}`]: { version: '1.0.0', dependencies: deps } };
    await withTree({ 'package-lock.json': JSON.stringify({ lockfileVersion: 1, dependencies: deps }) }, async (dir) => {
      const r = await parseFixture(parsePackageLock, join(dir, 'package-lock.json'));
      assert.ok((r.warnings ?? []).some((w) => /nested deeper/.test(w.message)));
      assert.ok(r.packages.length > 200 && r.packages.length < 2000);
    });
  });

  test('a lockfile inside node_modules is not read (it describes that package’s own dev tree)', async () => {
    await withTree({ 'node_modules/x/package-lock.json': lock({ 'node_modules/y': { version: '1.0.0' } }) }, async (dir) => {
      const r = await catalogDir(javascriptLockCataloger, dir);
      assert.deepEqual(r.packages, []);
    });
  });

  test('an installed tree without the hidden lockfile: absent optional packages are still left out', async () => {
    await withTree(
      {
        'package-lock.json': lock({
          '': { name: 'p', version: '1.0.0', dependencies: { a: '1' } },
          'node_modules/a': { version: '1.0.0', optionalDependencies: { 'bin-darwin': '1', 'bin-linux': '1' } },
          'node_modules/bin-darwin': { version: '1.0.0', optional: true },
          'node_modules/bin-linux': { version: '1.0.0', optional: true },
        }),
        'node_modules/a/package.json': '{"name":"a","version":"1.0.0"}',
        'node_modules/bin-linux/package.json': '{"name":"bin-linux","version":"1.0.0"}',
      },
      async (dir) => {
        const r = await parseFixture(parsePackageLock, join(dir, 'package-lock.json'));
        assert.deepEqual(keys(r.packages), ['a@1.0.0', 'bin-linux@1.0.0', 'p@1.0.0']);
        assert.equal(find(r, 'bin-linux').scope, 'optional');
      },
    );
  });
});
