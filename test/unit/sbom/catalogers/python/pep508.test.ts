import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeHash, normalizeName, parseHashString, pypiPurl } from '../../../../../src/sbom/catalogers/python/common.ts';
import { markerNeedsExtra, parseRequirement, pinnedVersion } from '../../../../../src/sbom/catalogers/python/pep508.ts';

describe('PEP 508 requirements', () => {
  test('the grammar, piece by piece', () => {
    assert.deepEqual(parseRequirement('requests [security, socks] >= 2.8.1, == 2.8.* ; python_version < "2.7"'), {
      name: 'requests',
      extras: ['security', 'socks'],
      specifiers: [
        { op: '>=', version: '2.8.1' },
        { op: '==', version: '2.8.*' },
      ],
      marker: 'python_version < "2.7"',
    });
    assert.deepEqual(parseRequirement('pip @ https://github.com/pypa/pip/archive/1.3.1.zip ; python_version >= "3"'), {
      name: 'pip',
      extras: [],
      specifiers: [],
      url: 'https://github.com/pypa/pip/archive/1.3.1.zip',
      marker: 'python_version >= "3"',
    });
    assert.deepEqual(parseRequirement('certifi (>=2017.4.17)'), { name: 'certifi', extras: [], specifiers: [{ op: '>=', version: '2017.4.17' }] });
    assert.deepEqual(parseRequirement('yolo===1.0+any_thing'), { name: 'yolo', extras: [], specifiers: [{ op: '===', version: '1.0+any_thing' }] });
    assert.deepEqual(parseRequirement('Jinja2==3.0.0#comment')?.specifiers, [{ op: '==', version: '3.0.0' }]);
  });

  test('not requirements', () => {
    for (const s of ['', '==1.0', 'asdf==', 'asdf 1.0', 'pkg[unclosed', 'pkg[bad extra]==1', 'a (>=1', '-e .', 'foo|bar==1', "foo=='1'", 'x==${VAR}']) {
      assert.equal(parseRequirement(s), undefined, JSON.stringify(s));
    }
  });

  test('only an exact pin is a version', () => {
    const pin = (s: string): string | undefined => pinnedVersion(parseRequirement(s)!);
    assert.equal(pin('a==1.0'), '1.0');
    assert.equal(pin('a>=1,==1.2'), '1.2');
    assert.equal(pin('a===1.0'), '1.0');
    assert.equal(pin('a==1.*'), undefined);
    assert.equal(pin('a>=1.0'), undefined);
    assert.equal(pin('a~=1.1'), undefined);
    assert.equal(pin('a'), undefined);
  });

  test('extra markers', () => {
    assert.equal(markerNeedsExtra('extra == "socks"'), true);
    assert.equal(markerNeedsExtra("(platform_python_implementation == 'CPython') and extra=='brotli'"), true);
    assert.equal(markerNeedsExtra('python_version < "3.8"'), false);
    assert.equal(markerNeedsExtra(undefined), false);
  });
});

describe('names, purls, hashes', () => {
  test('PEP 503 normalisation in purls, names kept as written elsewhere', () => {
    assert.equal(normalizeName('Django_Foo.Bar--baz'), 'django-foo-bar-baz');
    assert.equal(pypiPurl('FrIeNdLy-_-bArD', '1.0.0'), 'pkg:pypi/friendly-bard@1.0.0');
    assert.equal(pypiPurl('zope.interface', ''), 'pkg:pypi/zope-interface');
  });

  test('hashes: known algorithms, right length, lower-case hex', () => {
    assert.deepEqual(parseHashString(`sha256:${'AB'.repeat(32)}`), { alg: 'SHA-256', value: 'ab'.repeat(32) });
    assert.deepEqual(makeHash('sha512', 'c'.repeat(128)), { alg: 'SHA-512', value: 'c'.repeat(128) });
    for (const bad of ['sha256:123', `sha256:${'z'.repeat(64)}`, `blake2b:${'a'.repeat(64)}`, 'sha256', ':abc', 5]) {
      assert.equal(parseHashString(bad), undefined, String(bad));
    }
  });
});
