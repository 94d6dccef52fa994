import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parsePylock } from '../../../../../src/sbom/catalogers/python/pylock.ts';
import { parseFixture } from '../../../../helpers/catalog.ts';
import { assertParseError, caseName, cases, checkScalibrCase, find, hasEdge, parse, tempTree } from './expect.ts';

describe('pylock.toml (PEP 751): osv-scalibr fixtures', () => {
  for (const c of cases('osv-scalibr', 'pylock')) {
    test(caseName(c), async () => {
      // scalibr leaves out the project itself (`directory = {path = "."}`); we report it as the root.
      await checkScalibrCase(parsePylock, c, { scopes: false });
    });
  }

  test('the project is the directory package at "."', async () => {
    const self = await parse(parsePylock, 'osv-scalibr/pylock/pip-just-self.toml');
    assert.deepEqual(
      self.packages.map((p) => [p.purl, p.isRoot]),
      [['pkg:pypi/hspaans-github-io', true]],
    );
    const r = await parse(parsePylock, 'osv-scalibr/pylock/commits.toml');
    assert.equal(find(r, 'net-inf-eval').isRoot, true);
    assert.deepEqual(find(r, 'mleroc').metadata, {
      vcs: 'https://github.com/Veggente/mleroc.git',
      commit: '735093f03c4d8be70bfaaae44074ac92d7419b6d',
    });
  });

  test('hashes of wheels and sdists; dependencies', async () => {
    const r = await parse(parsePylock, 'osv-scalibr/pylock/example.toml');
    assert.deepEqual(
      find(r, 'numpy').hashes?.map((h) => h.value.slice(0, 8)),
      ['83807d44', '3b787adb'],
    );
    assert.ok(hasEdge(r, 'cattrs', 'attrs'));
    assert.equal(r.relationships?.length, 1);
  });

  test('scope from markers on extras and dependency groups', async () => {
    const r = await parse(parsePylock, 'osv-scalibr/pylock/pdm-full.toml');
    assert.equal(find(r, 'pytest').scope, 'optional', '"tests" in extras');
    assert.equal(find(r, 'chardet').scope, 'required', '"default" in dependency_groups, a default group');
    assert.equal(find(r, 'idna').scope, 'required', 'default group or an extra');
  });
});

describe('pylock.toml: bad input', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('not TOML, wrong types, dev groups', async () => {
    const dir = await tempTree({
      'pylock.wrong.toml': 'packages = {name = "a"}\n',
      'pylock.toml': [
        'lock-version = "1.0"\ndefault-groups = ["default"]',
        '[[packages]]\nname = "lint-tool"\nversion = "1.0"\nmarker = "\'lint\' in dependency_groups"\nwheels = [{hashes = {sha256 = 5, md5 = "0123456789abcdef0123456789abcdef"}}]',
        '[[packages]]\nname = {x = 1}',
      ].join('\n'),
    });
    dirs.push(dir);
    await assertParseError(parsePylock, 'osv-scalibr/pylock/not-toml.txt', /invalid TOML/);
    await assertParseError(parsePylock, join(dir, 'pylock.wrong.toml'), /not an array/);
    const r = await parseFixture(parsePylock, join(dir, 'pylock.toml'));
    assert.deepEqual(
      r.packages.map((p) => [p.purl, p.scope, p.hashes]),
      [['pkg:pypi/lint-tool@1.0', 'dev', [{ alg: 'MD5', value: '0123456789abcdef0123456789abcdef' }]]],
    );
    assert.equal(r.warnings?.length, 1);
  });
});
