import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { Scope } from '../../../../../src/formats/model/index.ts';
import { parsePnpmLock } from '../../../../../src/sbom/catalogers/javascript/pnpm-lock.ts';
import { parseFixture } from '../../../../helpers/catalog.ts';
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
  type Case,
} from './expect.ts';

/** lockfileVersion of a fixture, read with a regular expression (independent of the parser). */
async function lockVersion(c: Case): Promise<number> {
  const text = await readFile(join(NPM, c.repo, c.file), 'utf8');
  const all = [...text.matchAll(/^lockfileVersion: '?([\d.]+)'?/gm)].map((m) => Number(m[1]));
  return all.at(-1) ?? 0;
}

function partition<T>(list: readonly T[], pred: (x: T) => boolean): [T[], T[]] {
  return [list.filter(pred), list.filter((x) => !pred(x))];
}

/** Importer dependencies whose `packages` entry the fixture lacks (read off the files). */
const MISSING_ENTRIES: Readonly<Record<string, readonly string[]>> = {
  'pnpm/invalid-path.yaml': ['test@1.2.3'],
  'pnpm/invalid-paths.yaml': ['test@1.2.3'],
  'pnpm/exotic.yaml': ['@typescript-eslint/types@5.13.0'],
  'pnpm/multiple-versions.yaml': ['aws-sdk@2.1087.0'],
  'pnpm/multiple-versions.v9.yaml': ['aws-sdk@2.1602.0'],
  'pnpm/peer-dependencies-advanced.yaml': ['typescript@4.6.2'],
};

describe('pnpm-lock.yaml: osv-scalibr fixtures', () => {
  for (const c of cases('osv-scalibr', 'pnpm/')) {
    test(caseName(c), async () => {
      if (c.file.endsWith('not-yaml.txt')) {
        await assertParseError(parsePnpmLock, c, /YAML mapping/);
        return;
      }
      const r = await parse(parsePnpmLock, c);
      assertConsistent(r);
      if (c.expectError !== undefined) {
        // scalibr fails the file but still lists the good packages; one bad key is a warning
        // for us, naming the key and its line, and the rest of the file is kept.
        const want = /Str: "([^"]+)"/.exec(c.expectError)?.[1] ?? '';
        assert.ok(
          (r.warnings ?? []).some((w) => w.message.includes(want) && w.location.line !== undefined),
          `warning containing ${want}: ${JSON.stringify(r.warnings)}`,
        );
      } else assert.deepEqual(r.warnings ?? [], []);
      // Some fixtures were trimmed by hand: their importers name packages whose `packages`
      // entries are gone. scalibr reports only `packages`; we also keep what the importer
      // says was resolved, marked as having no lockfile entry.
      const [missing, listed] = partition(nonRoot(r), (p) => p.metadata?.lockfileEntry === 'missing');
      assert.deepEqual(keys(listed), keys(expectedPackages(c)));
      assert.deepEqual(keys(missing), MISSING_ENTRIES[c.file] ?? []);
    });
  }

  // scalibr's pnpm extractor does not report dev/optional groups consistently (it lists
  // `one-package-dev` without "dev"); these are our scopes.
  const scopes: [string, Record<string, Scope>][] = [
    // Despite its name this fixture lists acorn under dependencies, with `dev: false`.
    ['one-package-dev.yaml', { acorn: 'required' }],
    ['one-package-dev.v9.yaml', { acorn: 'dev' }],
    ['tarball.yaml', { '@my-org/my-package': 'dev' }],
    ['mixed-groups.v53.yaml', { 'ansi-regex': 'required', uuid: 'optional', 'is-number': 'dev' }],
    ['mixed-groups.v54.yaml', { 'ansi-regex': 'required', uuid: 'optional', 'is-number': 'dev' }],
    ['mixed-groups.v6.yaml', { 'ansi-regex': 'required', uuid: 'optional', 'is-number': 'dev' }],
    ['mixed-groups.v9.yaml', { 'ansi-regex': 'required', uuid: 'optional', 'is-number': 'dev' }],
  ];
  for (const [file, want] of scopes) {
    test(`scopes of ${file}`, async () => {
      const r = await parse(parsePnpmLock, `osv-scalibr/pnpm/${file}`);
      for (const [name, scope] of Object.entries(want)) assert.equal(find(r, name).scope, scope, name);
    });
  }

  test('git and tarball sources: name and version from the entry, the source as metadata', async () => {
    const r = await parse(parsePnpmLock, 'osv-scalibr/pnpm/commits.yaml');
    const p = find(r, '@my-scope/my-package', '1.0.0');
    assert.equal(p.metadata?.resolved, 'git+ssh://git@github.com/my-org/my-package.git#267087851ad5fac92a184749c27cd539e2fc862e');
    assert.ok(hasEdge(r, find(r, 'mocks'), find(r, 'faker-parser')));
  });

  test('peer suffixes (v5 "_", v6/v9 "(...)") are not part of the version', async () => {
    const v5 = await parse(parsePnpmLock, 'osv-scalibr/pnpm/peer-dependencies-advanced.yaml');
    assert.ok(nonRoot(v5).every((p) => !/[_()]/.test(p.version)));
    const v9 = await parse(parsePnpmLock, 'osv-scalibr/pnpm/peer-dependencies-advanced.v9.yaml');
    assert.ok(nonRoot(v9).every((p) => !/[_()]/.test(p.version)));
    assert.ok(hasEdge(v9, find(v9, '@typescript-eslint/eslint-plugin'), find(v9, '@typescript-eslint/parser')));
  });
});

describe('pnpm-lock.yaml: trivy fixtures', () => {
  for (const c of cases('trivy', 'pnpm/')) {
    test(caseName(c), async () => {
      const r = await parse(parsePnpmLock, c);
      assertConsistent(r);
      const want = expectedPackages(c);
      // trivy's expectations for v5/v6 fixtures list production packages only (`pnpm list
      // --prod`); for v9 they list dev packages too, flagged. We always keep dev packages.
      const v9 = (await lockVersion(c)) >= 9;
      const got = v9 ? nonRoot(r) : nonRoot(r).filter((p) => p.scope !== 'dev');
      assert.deepEqual(keys(got), keys(want));
      if (v9) {
        for (const w of want) {
          // The same name@version with different peers is one package: non-dev wins.
          const dev = want.filter((x) => key(x) === key(w)).every((x) => x.dev === true);
          assert.equal(find(r, w.name, w.version).scope === 'dev', dev, `dev of ${key(w)}`);
        }
      }
    });
  }

  test('v9 with a cycle: every edge once, both directions kept', async () => {
    const r = await parse(parsePnpmLock, 'trivy/pnpm/pnpm-lock_v9_cyclic_import.yaml');
    const a = find(r, 'update-browserslist-db');
    const b = find(r, 'browserslist');
    assert.ok(hasEdge(r, a, b) && hasEdge(r, b, a));
  });

  test('v9: an importer in a subfolder is a root of scopes too', async () => {
    const r = await parse(parsePnpmLock, 'trivy/pnpm/pnpm-lock_v9.yaml');
    assert.equal(find(r, 'sleep-utils').scope, 'required');
    assert.equal(find(r, 'await-sleep').scope, 'dev');
    assert.equal(find(r, 'lodash', '4.17.21').metadata?.resolved, 'file:foo/bar/lodash.tgz');
  });

  test('multiple documents: the environment document (pnpm itself) is not the project', async () => {
    const r = await parse(parsePnpmLock, 'trivy/pnpm/pnpm-lock_v9_multiple_documents.yaml');
    assert.deepEqual(keys(r.packages), ['is-number@7.0.0']);
  });
});

describe('pnpm-lock.yaml: syft fixtures', () => {
  for (const c of cases('syft', 'pnpm')) {
    if (c.expectError !== undefined) continue;
    test(caseName(c), async () => {
      const r = await parse(parsePnpmLock, c);
      assertConsistent(r);
      let want = expectedPackages(c);
      let got = nonRoot(r);
      if (c.file === 'pnpm/pnpm-lock.yaml') {
        // A trimmed lockfile: its importer lists devDependencies whose `packages` entries were
        // removed. syft reports only the production ones of those; we report all, as dev.
        got = got.filter((p) => p.scope !== 'dev' || want.some((w) => key(w) === key(p)));
        if (c.testFunction === 'TestParsePnpmLock_ExcludeDevDependencies') got = got.filter((p) => p.scope !== 'dev');
      }
      if (c.file === 'pnpm-multi-doc/pnpm-lock.yaml') {
        // syft also reports the environment document (pnpm and its binary); we do not.
        want = want.filter((w) => w.name !== 'pnpm' && w.name !== '@pnpm/exe.linux-x64');
      }
      assert.deepEqual(keys(got), keys(want));
      for (const w of want) assert.equal(find(r, w.name, w.version).purl, w.purl);
    });
  }

  test('syft/corrupt/pnpm-lock.yaml fails with a line', async () => {
    await assert.rejects(parse(parsePnpmLock, 'syft/corrupt/pnpm-lock.yaml'), (e: Error & { line?: number }) => {
      assert.match(e.message, /invalid YAML/);
      assert.equal(e.line, 3);
      return true;
    });
  });

  test('v9 snapshots give the graph', async () => {
    const r = await parse(parsePnpmLock, 'syft/pnpm-v9-snapshots/pnpm-lock.yaml');
    assert.ok(hasEdge(r, find(r, 'cross-spawn'), find(r, 'which')));
    assert.ok(hasEdge(r, find(r, 'which'), find(r, 'isexe')));
  });
});

describe('pnpm-lock.yaml: cdxgen real-world lockfiles', () => {
  /** Distinct name@version of the `packages` keys, parsed with a regular expression. */
  async function distinct(c: Case): Promise<number> {
    const doc = parseYaml(await readFile(join(NPM, c.repo, c.file), 'utf8')) as { packages: Record<string, unknown> };
    const seen = new Set<string>();
    for (const k of Object.keys(doc.packages)) {
      const m = /^\/?(@[^/@]+\/[^/@]+|[^/@]+)[/@]([^_(/]+)/.exec(k);
      assert.ok(m, k);
      seen.add(`${m[1]}@${m[2]}`);
    }
    return seen.size;
  }

  for (const c of cases('cdxgen', 'pnpm/')) {
    test(caseName(c), async () => {
      const r = await parse(parsePnpmLock, c);
      assertConsistent(r);
      assert.deepEqual(r.warnings ?? [], []);
      // No package.json next to them: the lockfile does not name the importers, so the
      // project and its workspace members are not reported (their dependencies are).
      const n = await distinct(c);
      assert.equal(r.packages.length, n);
      // cdxgen counts the same packages, give or take the project and peer variants.
      const asserted = (c['cdxgenAssertions'] as { pkgList: number }).pkgList;
      assert.ok(Math.abs(asserted - n) <= 2, `cdxgen ${asserted}, ours ${n}`);
      assert.equal(root(r), undefined);
    });
  }
});

describe('pnpm-lock.yaml: bad and odd input', () => {
  async function inDir(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'vouch-pnpm-'));
    try {
      for (const [name, text] of Object.entries(files)) {
        await mkdir(join(dir, name, '..'), { recursive: true });
        await writeFile(join(dir, name), text);
      }
      await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test('workspace importers are named from their package.json; link: edges join them', async () => {
    const lock = [
      "lockfileVersion: '9.0'",
      'importers:',
      '  .:',
      '    devDependencies:',
      '      a: {specifier: ^1.0.0, version: 1.0.0}',
      '  packages/web:',
      '    dependencies:',
      '      lib: {specifier: workspace:*, version: link:../lib}',
      '      b: {specifier: ^2.0.0, version: 2.0.0}',
      '  packages/lib:',
      '    dependencies: {}',
      'packages:',
      '  a@1.0.0: {resolution: {integrity: sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=}}',
      '  b@2.0.0: {resolution: {integrity: sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=}}',
      'snapshots:',
      '  a@1.0.0: {dependencies: {b: 2.0.0}}',
      '  b@2.0.0: {}',
      '',
    ].join('\n');
    await inDir(
      {
        'pnpm-lock.yaml': lock,
        'package.json': '{"name":"mono","version":"1.0.0"}',
        'packages/web/package.json': '{"name":"@m/web","version":"0.1.0"}',
        'packages/lib/package.json': '{"name":"@m/lib","version":"0.2.0"}',
      },
      async (dir) => {
        const r = await parseFixture(parsePnpmLock, join(dir, 'pnpm-lock.yaml'));
        assertConsistent(r);
        assert.equal(root(r)?.purl, 'pkg:npm/mono@1.0.0');
        const web = find(r, '@m/web', '0.1.0');
        assert.ok(hasEdge(r, root(r)!, web));
        assert.ok(hasEdge(r, web, find(r, '@m/lib', '0.2.0')));
        // b is a production dependency of a workspace member, though also under dev a.
        assert.equal(find(r, 'b').scope, 'required');
        assert.equal(find(r, 'a').scope, 'dev');
      },
    );
  });

  test('wrong types are skipped, not trusted', async () => {
    const lock = "lockfileVersion: '6.0'\ndependencies: [1, 2]\npackages:\n  /a@1.0.0: [x]\n  /b@2.0.0:\n    dependencies: 5\n    resolution: 7\n";
    await inDir({ 'pnpm-lock.yaml': lock }, async (dir) => {
      const r = await parseFixture(parsePnpmLock, join(dir, 'pnpm-lock.yaml'));
      assert.deepEqual(keys(r.packages), ['a@1.0.0', 'b@2.0.0']);
      assert.deepEqual(r.relationships, []);
    });
  });

  test('a document that is not a mapping fails', async () => {
    await inDir({ 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n---\n- a\n- b\n" }, async (dir) => {
      await assert.rejects(parseFixture(parsePnpmLock, join(dir, 'pnpm-lock.yaml')), /YAML mapping/);
    });
  });
});
