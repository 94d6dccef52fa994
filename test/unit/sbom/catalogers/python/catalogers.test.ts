import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { resolveLimits } from '../../../../../src/core/index.ts';
import type { Package, Relationship, Warning } from '../../../../../src/formats/model/index.ts';
import { catalogers } from '../../../../../src/sbom/catalogers/python/index.ts';
import { mergePackages, mergeRelationships } from '../../../../../src/sbom/generic/index.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
import { catalogDir } from '../../../../helpers/catalog.ts';
import { tempTree } from './expect.ts';

const FILES: Readonly<Record<string, string>> = {
  'requirements.txt': 'Django_Foo==1.0\nrequests>=2\n',
  'requirements-dev.txt': 'pytest==8.0.0\n',
  'dev-requirements.txt': '',
  'test_requirements.txt': '',
  'requirements/base.txt': '',
  'requirements/base.in': '',
  'docs/requirements.txt': '',
  'requirements.md': '',
  'notes.txt': '',
  'app/poetry.lock': '[[package]]\nname = "django-foo"\nversion = "1.0"\n',
  'app/Pipfile.lock': '{"default": {"Django.Foo": {"version": "==1.0"}}}',
  'app/pdm.lock': '',
  'app/uv.lock': 'version = 1\n[[package]\n',
  'app/pylock.toml': '',
  'app/pylock.dev.toml': '',
  'app/pylock.toml.bak': '',
  'site-packages/django_foo-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: django-foo\nVersion: 1.0\nLicense-Expression: BSD-3-Clause\n',
  'site-packages/django_foo-1.0.dist-info/RECORD': '',
  'site-packages/old.egg-info/PKG-INFO': 'Name: old\nVersion: 0.1\n',
  'site-packages/single-2.0-py3.9.egg-info': 'Name: single\nVersion: 2.0\n',
  'site-packages/x-1.0-py3.9.egg/EGG-INFO/PKG-INFO': 'Name: x\nVersion: 1.0\n',
  'site-packages/METADATA': '',
};

describe('Python catalogers together', () => {
  let root: string;
  before(async () => {
    root = await tempTree(FILES);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('each cataloger selects its files', async () => {
    const resolver = await FsResolver.fromDirectory(root, { limits: resolveLimits() });
    const selected = Object.fromEntries(catalogers.map((c) => [c.name, c.select(resolver)]));
    assert.deepEqual(selected, {
      'python-requirements-cataloger': [
        'dev-requirements.txt',
        'docs/requirements.txt',
        'requirements-dev.txt',
        'requirements.txt',
        'requirements/base.txt',
        'test_requirements.txt',
      ],
      'python-poetry-lock-cataloger': ['app/poetry.lock'],
      'python-pipfile-lock-cataloger': ['app/Pipfile.lock'],
      'python-pdm-lock-cataloger': ['app/pdm.lock'],
      'python-uv-lock-cataloger': ['app/uv.lock'],
      'python-pylock-cataloger': ['app/pylock.dev.toml', 'app/pylock.toml'],
      'python-installed-package-cataloger': [
        'site-packages/django_foo-1.0.dist-info/METADATA',
        'site-packages/old.egg-info/PKG-INFO',
        'site-packages/single-2.0-py3.9.egg-info',
        'site-packages/x-1.0-py3.9.egg/EGG-INFO/PKG-INFO',
      ],
    });
  });

  test('the same distribution from every source is one package (PEP 503 purl); a bad file is a warning', async () => {
    const found: Package[] = [];
    const rels: Relationship[] = [];
    const warnings: Warning[] = [];
    for (const c of catalogers) {
      const r = await catalogDir(c, root);
      found.push(...r.packages);
      rels.push(...r.relationships);
      warnings.push(...r.warnings);
    }
    const merged = mergePackages(found);
    const foo = merged.filter((p) => p.purl === 'pkg:pypi/django-foo@1.0');
    assert.equal(foo.length, 1);
    assert.deepEqual(
      foo[0]!.locations.map((l) => l.path),
      ['app/Pipfile.lock', 'app/poetry.lock', 'requirements.txt', 'site-packages/django_foo-1.0.dist-info/METADATA', 'site-packages/django_foo-1.0.dist-info/RECORD'],
    );
    assert.deepEqual(foo[0]!.licenses, ['BSD-3-Clause']);
    assert.deepEqual(
      merged.map((p) => p.purl),
      [
        'pkg:pypi/django-foo@1.0',
        'pkg:pypi/old@0.1',
        'pkg:pypi/pytest@8.0.0',
        'pkg:pypi/requests',
        'pkg:pypi/single@2.0',
        'pkg:pypi/x@1.0',
      ],
    );
    assert.deepEqual(
      warnings.map((w) => [w.location.path, w.location.line]),
      [['app/uv.lock', 2]],
    );
    assert.match(warnings[0]!.message, /^python-uv-lock-cataloger: invalid TOML/);
    assert.deepEqual(mergeRelationships(rels, new Set(merged.map((p) => p.purl))), []);
  });
});
