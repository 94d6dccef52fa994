import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  declaredLicenses,
  integrityHashes,
  isValidName,
  looksLikeVersion,
  nameFromRegistryUrl,
  npmPurl,
  parseNpmAlias,
  reachScopes,
  splitDescriptor,
  type DepEdge,
} from '../../../../../src/sbom/catalogers/javascript/common.ts';

describe('JavaScript cataloger helpers', () => {
  test('SRI integrity → lower-case hex, several tokens, options, bad tokens skipped', () => {
    const data = Buffer.from('hello');
    const sha512 = createHash('sha512').update(data).digest();
    const sha1 = createHash('sha1').update(data).digest();
    assert.deepEqual(integrityHashes(`sha512-${sha512.toString('base64')} sha1-${sha1.toString('base64')}?opt`), [
      { alg: 'SHA-512', value: sha512.toString('hex') },
      { alg: 'SHA-1', value: sha1.toString('hex') },
    ]);
    // Wrong digest length, unknown algorithm, no dash, empty.
    assert.deepEqual(integrityHashes('sha512-devpkg== sha999-AAAA= sha256 '), []);
    assert.deepEqual(integrityHashes(undefined), []);
  });

  test('licenses: string, {type}, arrays of either, legacy licenses; SPDX normalised', () => {
    assert.deepEqual(declaredLicenses('Apache 2.0'), ['Apache-2.0']);
    assert.deepEqual(declaredLicenses({ type: 'MIT', url: 'x' }), ['MIT']);
    assert.deepEqual(declaredLicenses(['MIT', { type: 'ISC' }]), ['MIT', 'ISC']);
    assert.deepEqual(declaredLicenses(undefined, [{ type: 'BSD-3-Clause' }, { type: 'GPL-2.0-only' }]), ['BSD-3-Clause', 'GPL-2.0-only']);
    assert.deepEqual(declaredLicenses(7, { nope: true }), []);
    assert.deepEqual(declaredLicenses([[['MIT']]]), [], 'nested arrays are not followed');
  });

  test('descriptors, aliases, names and versions', () => {
    assert.deepEqual(splitDescriptor('@babel/core@^7.0.0'), { name: '@babel/core', range: '^7.0.0' });
    assert.deepEqual(splitDescriptor('left-pad'), { name: 'left-pad', range: '' });
    assert.deepEqual(parseNpmAlias('npm:@scope/real@^1.2.0'), { name: '@scope/real', range: '^1.2.0' });
    assert.equal(parseNpmAlias('^1.2.0'), undefined);
    for (const bad of ['', '.hidden', '@scope', '@/x', 'a/b', '@s/a/b', 'x'.repeat(600)]) assert.equal(isValidName(bad), false, bad);
    for (const good of ['a', '@s/a', 'JSONStream', 'c0n-fab_u.laTION']) assert.equal(isValidName(good), true, good);
    assert.equal(looksLikeVersion('1.0.0-beta.1'), true);
    for (const v of ['github:a/b#c', 'file:../x', 'https://x/y.tgz', 'latest', '']) assert.equal(looksLikeVersion(v), false, v);
  });

  test('real names from registry tarball URLs', () => {
    assert.equal(nameFromRegistryUrl('https://registry.yarnpkg.com/ansi-regex/-/ansi-regex-5.0.1.tgz#abc'), 'ansi-regex');
    assert.equal(nameFromRegistryUrl('https://registry.npmjs.org/@babel/core/-/core-7.0.0.tgz'), '@babel/core');
    assert.equal(nameFromRegistryUrl('https://npm.corp/api/npm/remote/@s%2fx/-/x-1.0.0.tgz'), '@s/x');
    assert.equal(nameFromRegistryUrl('https://codeload.github.com/a/b/tar.gz/abc'), undefined);
    assert.equal(nameFromRegistryUrl('git+ssh://git@github.com/a/b.git#abc'), undefined);
  });

  test('purls: scope as namespace, unusable names refused', () => {
    assert.equal(npmPurl('@angular/core', '17.0.0'), 'pkg:npm/%40angular/core@17.0.0');
    assert.equal(npmPurl('left-pad', ''), 'pkg:npm/left-pad');
    assert.equal(npmPurl('../etc', '1'), undefined);
  });

  test('scopes by reachability: best path, worst edge on it; linear on a long chain', () => {
    // 0 prod→ 1 optional→ 2 prod→ 3; root dev→ 4 prod→ 2; 5 unreachable.
    const edges: DepEdge[][] = [[{ to: 1, kind: 'prod' }], [{ to: 2, kind: 'optional' }], [{ to: 3, kind: 'prod' }], [], [{ to: 2, kind: 'prod' }], []];
    const s = reachScopes(6, [{ to: 0, kind: 'prod' }, { to: 4, kind: 'dev' }], (i) => edges[i]!);
    assert.deepEqual(s, ['required', 'required', 'optional', 'optional', 'dev', undefined]);

    const n = 200_000;
    const chain = reachScopes(n, [{ to: 0, kind: 'dev' }], (i) => (i + 1 < n ? [{ to: i + 1, kind: 'prod' }] : []));
    assert.equal(chain[n - 1], 'dev');
  });
});
