import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { VouchError } from '../../../../../src/core/index.ts';
import { canonicalPurl } from '../../../../../src/formats/purl/index.ts';
import { FileParseError, type ParseResult, type Parser } from '../../../../../src/sbom/generic/index.ts';
import { catalogers } from '../../../../../src/sbom/catalogers/php/index.ts';
import { composerLicenses, parseComposerLock, parseInstalledJson } from '../../../../../src/sbom/catalogers/php/composer.ts';
import { catalogDir, LOCKFILES, loadExpected, parseFixture } from '../../../../helpers/catalog.ts';

const PHP = join(LOCKFILES, 'php');
const tmp = mkdtempSync(join(tmpdir(), 'vouch-php-'));
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
const lock = (packages: unknown[], dev: unknown[] = []): string => JSON.stringify({ packages, 'packages-dev': dev });

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const edges = (r: ParseResult): string[] => sorted((r.relationships ?? []).map((x) => `${x.from} -> ${x.to}`));
const parserFor = (file: string): Parser => (file.endsWith('installed.json') ? parseInstalledJson : parseComposerLock);

describe('composer: osv-scalibr fixtures', () => {
  const expected = loadExpected('php', 'osv-scalibr');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testCase})`, async () => {
        const path = join(PHP, 'osv-scalibr', file);
        if (c.expectError !== undefined) {
          await assert.rejects(parseFixture(parseComposerLock, path), FileParseError);
          return;
        }
        const r = await parseFixture(parseComposerLock, path);
        // osv-scalibr's depGroups ["dev"] is our dev scope; [] is required.
        assert.deepEqual(
          sorted(r.packages.map((p) => `${p.name}@${p.version} ${p.scope ?? 'required'}`)),
          sorted((c.packages ?? []).map((p) => `${String(p.name)}@${String(p.version)} ${(p.depGroups as string[]).includes('dev') ? 'dev' : 'required'}`)),
        );
        assert.equal(r.packages.length, c.expectedPackageCount);
      });
    }
  }
});

describe('composer: syft fixtures', () => {
  const expected = loadExpected('php', 'syft');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testFunction})`, async () => {
        const r = await parseFixture(parserFor(file), join(PHP, 'syft', file));
        // syft leaves composer.lock's packages-dev out by default; we keep them with the dev scope.
        // In installed.json syft keeps everything, as we do (behat/mink is dev there).
        const kept = file.endsWith('composer.lock') ? r.packages.filter((p) => p.scope !== 'dev') : r.packages;
        assert.deepEqual(
          sorted(kept.map((p) => `${p.name}@${p.version} ${p.purl}`)),
          sorted((c.packages ?? []).map((p) => `${String(p.name)}@${String(p.version)} ${canonicalPurl(String(p.purl))}`)),
        );
        assert.equal(kept.length, c.expectedPackageCount);
      });
    }
  }

  test('composer.lock packages-dev are dev, installed.json dev-package-names are dev', async () => {
    const l = await parseFixture(parseComposerLock, join(PHP, 'syft/composer.lock'));
    assert.deepEqual(sorted(l.packages.filter((p) => p.scope === 'dev').map((p) => p.name)), ['behat/gherkin', 'codeception/codeception']);
    const v2 = await parseFixture(parseInstalledJson, join(PHP, 'syft/vendor/composer_2/installed.json'));
    assert.deepEqual(v2.packages.map((p) => `${p.name} ${p.scope}`), ['asm89/stack-cors required', 'behat/mink dev']);
    const v1 = await parseFixture(parseInstalledJson, join(PHP, 'syft/vendor/composer_1/installed.json'));
    assert.deepEqual(v1.packages.map((p) => `${p.name} ${p.scope}`), ['asm89/stack-cors required', 'behat/mink required']);
  });
});

describe('composer: trivy fixtures', () => {
  const expected = loadExpected('php', 'trivy');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testCase})`, async () => {
        const r = await parseFixture(parseComposerLock, join(PHP, 'trivy', file));
        assert.deepEqual(
          sorted(r.packages.map((p) => `${p.name}@${p.version} ${p.scope === 'dev'}`)),
          sorted((c.packages ?? []).map((p) => `${String(p.name)}@${String(p.version)} ${p.dev === true}`)),
        );
      });
    }
  }

  test('require is the graph; platform requirements name no package', async () => {
    const r = await parseFixture(parseComposerLock, join(PHP, 'trivy/composer/composer_happy.lock'));
    assert.deepEqual(
      edges(r).filter((e) => e.startsWith('pkg:composer/guzzlehttp/guzzle@')),
      [
        'pkg:composer/guzzlehttp/guzzle@6.5.8 -> pkg:composer/guzzlehttp/promises@1.5.2',
        'pkg:composer/guzzlehttp/guzzle@6.5.8 -> pkg:composer/guzzlehttp/psr7@1.9.0',
        'pkg:composer/guzzlehttp/guzzle@6.5.8 -> pkg:composer/symfony/polyfill-intl-idn@v1.27.0',
      ],
    );
    assert.ok(edges(r).includes('pkg:composer/pear/log@1.13.3 -> pkg:composer/pear/pear_exception@v1.0.2'));
    const poly = r.packages.find((p) => p.name === 'symfony/polyfill-php72')!;
    assert.deepEqual(poly.licenses, ['MIT OR BSD-2-Clause'], 'a license string `MIT or BSD-2-Clause`');
  });
});

describe('composer: cdxgen fixtures', () => {
  const expected = loadExpected('php', 'cdxgen');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(file, async () => {
        const r = await parseFixture(parseComposerLock, join(PHP, 'cdxgen', file));
        const a = c.cdxgenAssertions as { pkgList: number };
        assert.equal(r.packages.length, a.pkgList);
        assert.deepEqual(r.warnings, []);
      });
    }
  }
});

describe('composer semantics', () => {
  test('dist.shasum is a SHA-1 when present, dist and source go to metadata', async () => {
    const r = await parseFixture(parseComposerLock, join(PHP, 'osv-scalibr/composerlock/drupal-packages.json'));
    const tfa = r.packages.find((p) => p.name === 'drupal/tfa')!;
    assert.deepEqual(tfa.hashes, [{ alg: 'SHA-1', value: '70b03b6c7868ced71ed0b3ca596ad83e76c2adc0' }]);
    assert.equal(tfa.metadata?.distUrl, 'https://ftp.drupal.org/files/projects/tfa-2.0.0-alpha4.zip');
    assert.equal(tfa.metadata?.type, 'drupal-module');
    assert.deepEqual(r.packages.find((p) => p.name === 'drupal/core')!.hashes, [], 'empty shasum is no hash');
  });

  test('license arrays are alternatives', () => {
    assert.deepEqual(composerLicenses(['MIT', 'Apache-2.0']), ['MIT OR Apache-2.0']);
    assert.deepEqual(composerLicenses(['GPL-2.0-or-later', 'MIT OR ISC']), ['GPL-2.0-or-later OR (MIT OR ISC)']);
    assert.deepEqual(composerLicenses(['proprietary']), ['proprietary']);
    assert.deepEqual(composerLicenses(['MIT', 'proprietary']), ['MIT', 'proprietary']);
    assert.deepEqual(composerLicenses(42), []);
  });

  test('a named composer.json beside the lock is the root, depending on require and require-dev', async () => {
    const r = await parseFiles(parseComposerLock, {
      'composer.lock': lock(
        [{ name: 'a/one', version: '1.0.0', require: { php: '>=8', 'a/two': '^1' } }, { name: 'a/two', version: '1.1.0' }],
        [{ name: 'b/dev', version: '2.0.0' }],
      ),
      'composer.json': JSON.stringify({ name: 'acme/app', require: { php: '>=8', 'A/One': '^1' }, 'require-dev': { 'b/dev': '^2' } }),
    });
    const root = r.packages.find((p) => p.isRoot === true)!;
    assert.equal(root.purl, 'pkg:composer/acme/app');
    assert.deepEqual(root.locations, [{ path: 'composer.json' }]);
    assert.deepEqual(edges(r), [
      'pkg:composer/a/one@1.0.0 -> pkg:composer/a/two@1.1.0',
      'pkg:composer/acme/app -> pkg:composer/a/one@1.0.0',
      'pkg:composer/acme/app -> pkg:composer/b/dev@2.0.0',
    ]);
  });

  test('an unnamed composer.json marks the direct packages; a broken one is a warning', async () => {
    const unnamed = await parseFiles(parseComposerLock, {
      'composer.lock': lock([{ name: 'a/one', version: '1.0.0' }, { name: 'a/two', version: '1.0.0' }]),
      'composer.json': JSON.stringify({ require: { 'a/one': '*' } }),
    });
    assert.deepEqual(unnamed.packages.map((p) => [p.name, p.metadata?.direct]), [['a/one', 'true'], ['a/two', undefined]]);
    const broken = await parseFiles(parseComposerLock, { 'composer.lock': lock([{ name: 'a/one', version: '1.0.0' }]), 'composer.json': '{"name":' });
    assert.equal(broken.packages.length, 1);
    assert.deepEqual(broken.warnings?.map((w) => w.location.path), ['composer.json']);
  });

  test('catalogers: composer.lock anywhere, installed.json only under vendor/composer', async () => {
    const dir = join(tmp, 'cat');
    mkdirSync(join(dir, 'vendor/composer'), { recursive: true });
    writeFileSync(join(dir, 'composer.lock'), readFileSync(join(PHP, 'syft/composer.lock')));
    writeFileSync(join(dir, 'vendor/composer/installed.json'), readFileSync(join(PHP, 'syft/vendor/composer_2/installed.json')));
    writeFileSync(join(dir, 'installed.json'), '[]');
    const found = await Promise.all(catalogers.map((c) => catalogDir(c, dir)));
    assert.deepEqual(
      found.map((r) => sorted(new Set(r.packages.flatMap((p) => p.locations.map((l) => l.path))))),
      [['composer.lock'], ['vendor/composer/installed.json']],
    );
  });
});

describe('composer: bad input', () => {
  test('truncated JSON is a parse error with its line', async () => {
    const text = readFileSync(join(PHP, 'trivy/composer/composer_happy.lock'), 'utf8');
    const err = await parseFiles(parseComposerLock, { 'composer.lock': text.slice(0, 2000) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof FileParseError);
    assert.equal(typeof err.line, 'number');
  });

  test('wrong types', async () => {
    await assert.rejects(parseFiles(parseComposerLock, { 'composer.lock': '[]' }), FileParseError);
    await assert.rejects(parseFiles(parseComposerLock, { 'composer.lock': '{"packages": {}}' }), FileParseError);
    await assert.rejects(parseFiles(parseComposerLock, { 'composer.lock': '{"packages-dev": "x"}' }), FileParseError);
    await assert.rejects(parseFiles(parseInstalledJson, { 'vendor/composer/installed.json': '"x"' }), FileParseError);
    await assert.rejects(parseFiles(parseInstalledJson, { 'vendor/composer/installed.json': '{"packages": 1}' }), FileParseError);
    const r = await parseFiles(parseComposerLock, {
      'composer.lock': lock([null, { name: 7 }, { name: 'a/ok', version: 3, license: { x: 1 }, dist: { shasum: 5 }, require: ['a/ok'] }]),
    });
    assert.deepEqual(r.packages.map((p) => [p.purl, p.licenses, p.hashes]), [['pkg:composer/a/ok', [], []]]);
    assert.equal(r.warnings?.length, 2);
    // a name composer would refuse (no vendor) cannot make a composer purl: that entry is skipped
    const novendor = await parseFiles(parseComposerLock, { 'composer.lock': lock([{ name: 'novendor', version: '1' }, { name: 'a/b', version: '1' }]) });
    assert.equal(novendor.packages.length + (novendor.warnings?.length ?? 0), 2);
    assert.ok(novendor.packages.some((p) => p.name === 'a/b'));
  });

  test('over the file size limit', async () => {
    await assert.rejects(
      parseFixture(parseComposerLock, join(PHP, 'cdxgen/composer-2.lock'), { maxFileBytes: 1000 }),
      (e: unknown) => e instanceof VouchError && e.code === 'LIMIT_EXCEEDED',
    );
  });
});
