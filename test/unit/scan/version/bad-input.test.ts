// Bad input: compare never throws; invalid versions sort before valid ones and compare among
// themselves by code units (src/scan/version/scheme.ts); isValid says which is which.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alpineScheme,
  debianScheme,
  goScheme,
  MAX_VERSION_LENGTH,
  npmScheme,
  nugetScheme,
  schemeFor,
  type VersionScheme,
} from '../../../../src/scan/index.ts';

const ECOSYSTEMS = ['npm', 'crates.io', 'Go', 'PyPI', 'Maven', 'RubyGems', 'NuGet', 'Packagist', 'Debian', 'Alpine', 'Red Hat'];
const GARBAGE = ['', ' ', 'not a version', '💥', '\u0000', '-', ':', '1:', '...', '~~~', '^', 'v', '1.2.3-not-a-debian:version!@#$', '9'.repeat(400), `1${'.1'.repeat(5000)}`];

function schemes(): VersionScheme[] {
  return ECOSYSTEMS.map((e) => {
    const s = schemeFor(e);
    assert.ok(s, e);
    return s;
  });
}

test('compare never throws on garbage and stays antisymmetric', () => {
  for (const scheme of schemes()) {
    for (const a of GARBAGE) {
      for (const b of [...GARBAGE, '1.0.0', '1.0']) {
        const x = scheme.compare(a, b);
        const y = scheme.compare(b, a);
        assert.ok(x === -1 || x === 0 || x === 1, `${scheme.name} ${a} ${b}`);
        assert.equal(x, -y || 0, `${scheme.name}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
      assert.equal(scheme.compare(a, a), 0, `${scheme.name}: ${a} = itself`);
    }
  }
});

test('invalid versions sort before valid ones, and by code units among themselves', () => {
  for (const scheme of [npmScheme, goScheme, nugetScheme, debianScheme]) {
    assert.equal(scheme.isValid('1.0.0'), true, scheme.name);
    assert.equal(scheme.isValid('not a version'), false, scheme.name);
    assert.equal(scheme.compare('not a version', '0.0.1'), -1, scheme.name);
    assert.equal(scheme.compare('0.0.1', 'not a version'), 1, scheme.name);
    assert.equal(scheme.compare('bad b', 'bad a'), 1, scheme.name);
  }
});

test('overlong versions are invalid', () => {
  const long = `1.${'0'.repeat(MAX_VERSION_LENGTH)}`;
  for (const scheme of schemes()) assert.equal(scheme.isValid(long), false, scheme.name);
  assert.equal(npmScheme.compare(long, '0.0.1'), -1);
});

test('Debian: dpkg parseversion errors make a version invalid', () => {
  // osv-scalibr TestVersion_Compare_Debian_InvalidVersion
  assert.equal(debianScheme.isValid('1.2.3-not-a-debian:version!@#$'), false);
  for (const bad of ['a:1.0', '1:', '1.0-', '1.0 beta', '1.0-r$v']) assert.equal(debianScheme.isValid(bad), false, bad);
  for (const good of ['1.0', '1:1.0-1', '2.0~rc1+dfsg-3ubuntu1', '0:1.2-3-4']) assert.equal(debianScheme.isValid(good), true, good);
});

test('Alpine: trailing text is invalid but still ordered', () => {
  assert.equal(alpineScheme.isValid('1.2.3-r4'), true);
  assert.equal(alpineScheme.isValid('1.2.3-foo'), false);
  assert.equal(alpineScheme.compare('1.2.3-foo', '1.2.3'), -1);
});

test('schemeFor: OSV names, distro release suffixes, unknown', () => {
  assert.equal(schemeFor('Debian:12')?.name, 'Debian');
  assert.equal(schemeFor('Alpine:v3.20')?.name, 'Alpine');
  assert.equal(schemeFor('Rocky Linux:9')?.name, 'RPM');
  assert.equal(schemeFor('AlmaLinux')?.name, 'RPM');
  assert.equal(schemeFor('openSUSE')?.name, 'RPM');
  assert.equal(schemeFor('Ubuntu:22.04:LTS')?.name, 'Debian');
  assert.equal(schemeFor('Go')?.compare('v1.2.3+incompatible', 'v1.2.3'), 0);
  assert.equal(schemeFor('NoSuchEcosystem'), undefined);
});
