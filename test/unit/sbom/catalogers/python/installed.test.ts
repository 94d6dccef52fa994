/**
 * Installed distributions. There are no shared fixtures for site-packages, so these are our
 * own, modelled on the METADATA / PKG-INFO files that pip, setuptools, flit and hatchling
 * write for these releases (headers trimmed, values as published).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { resolveLimits, silentLogger } from '../../../../../src/core/index.ts';
import { installedCataloger } from '../../../../../src/sbom/catalogers/python/index.ts';
import { classifierLicense, installDir, licensesOf, parseCoreMetadata, parseInstalledMetadata } from '../../../../../src/sbom/catalogers/python/installed.ts';
import type { ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
import { decodeText } from '../../../../../src/sbom/source/resolver.ts';
import { catalogDir } from '../../../../helpers/catalog.ts';
import { tempTree } from './expect.ts';

const SP = 'venv/lib/python3.12/site-packages';

const REQUESTS = `Metadata-Version: 2.1
Name: requests
Version: 2.32.3
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
Author-email: me@kennethreitz.org
License: Apache-2.0
Project-URL: Documentation, https://requests.readthedocs.io
Project-URL: Source, https://github.com/psf/requests
Classifier: Development Status :: 5 - Production/Stable
Classifier: Intended Audience :: Developers
Classifier: License :: OSI Approved :: Apache Software License
Classifier: Programming Language :: Python :: 3
Requires-Python: >=3.8
Description-Content-Type: text/markdown
License-File: LICENSE
Requires-Dist: charset-normalizer<4,>=2
Requires-Dist: idna<4,>=2.5
Requires-Dist: urllib3<3,>=1.21.1
Requires-Dist: certifi>=2017.4.17
Provides-Extra: security
Provides-Extra: socks
Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == "socks"
Provides-Extra: use-chardet-on-py3
Requires-Dist: chardet<6,>=3.0.2; extra == "use-chardet-on-py3"

# Requests

**Requests** is a simple, yet elegant, HTTP library.
Name: not-a-header-this-is-the-body
`;

const URLLIB3 = `Metadata-Version: 2.3
Name: urllib3
Version: 2.2.3
Summary: HTTP library with thread-safe connection pooling, file post, and more.
Project-URL: Changelog, https://github.com/urllib3/urllib3/blob/main/CHANGES.rst
Author-email: Andrey Petrov <andrey.petrov@shazow.net>
License-File: LICENSE.txt
Keywords: filepost,http,httplib,https,pooling,ssl,threadsafe,urllib
Classifier: Environment :: Web Environment
Classifier: License :: OSI Approved :: MIT License
Classifier: Operating System :: OS Independent
Requires-Python: >=3.8
Provides-Extra: brotli
Requires-Dist: brotli>=1.0.9; (platform_python_implementation == 'CPython') and extra == 'brotli'
Provides-Extra: socks
Requires-Dist: pysocks!=1.5.7,<2.0,>=1.5.6; extra == 'socks'
Description-Content-Type: text/markdown
`;

const IDNA = `Metadata-Version: 2.1
Name: idna
Version: 3.10
Summary: Internationalized Domain Names in Applications (IDNA)
Author-email: Kim Davies <kim+pypi@gumleaf.org>
Requires-Python: >=3.6
Description-Content-Type: text/x-rst
Classifier: Development Status :: 5 - Production/Stable
Classifier: License :: OSI Approved :: BSD License
Classifier: Topic :: Internet :: Name Service (DNS)
Requires-Dist: ruff >= 0.6.2 ; extra == "all"
Requires-Dist: mypy >= 1.11.2 ; extra == "all"
Project-URL: Changelog, https://github.com/kjd/idna/blob/master/HISTORY.rst
Provides-Extra: all
`;

const CERTIFI = `Metadata-Version: 2.1
Name: certifi
Version: 2024.8.30
Summary: Python package for providing Mozilla's CA Bundle.
Home-page: https://github.com/certifi/python-certifi
Author: Kenneth Reitz
License: MPL-2.0
Classifier: License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)
Requires-Python: >=3.6
License-File: LICENSE
`;

const CHARSET = `Metadata-Version: 2.1
Name: charset-normalizer
Version: 3.3.2
Summary: The Real First Universal Charset Detector. Open, modern and actively maintained alternative to Chardet.
License: MIT
Classifier: License :: OSI Approved :: MIT License
Requires-Python: >=3.7.0
Provides-Extra: unicode_backport
`;

/** PEP 639 (Metadata-Version 2.4): License-Expression wins over classifiers. */
const ATTRS = `Metadata-Version: 2.4
Name: attrs
Version: 25.3.0
Summary: Classes Without Boilerplate
License-Expression: MIT
License-File: LICENSE
Classifier: Programming Language :: Python :: 3
Requires-Python: >=3.8
`;

/** setuptools egg-info: License UNKNOWN, long Description as an indented header with blank-looking lines. */
const SIX_PKG_INFO = `Metadata-Version: 1.2
Name: six
Version: 1.16.0
Summary: Python 2 and 3 compatibility utilities
Home-page: https://github.com/benjaminp/six
Author: Benjamin Peterson
License: UNKNOWN
Description: .. image:: https://img.shields.io/pypi/v/six.svg
           :target: https://pypi.org/project/six/
        ${''}
        Six is a Python 2 and 3 compatibility library.
        Version: 9.9.9
Platform: UNKNOWN
Classifier: Programming Language :: Python :: 2
Classifier: License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)
Requires-Python: >=2.7, !=3.0.*, !=3.1.*, !=3.2.*
`;

/** A single-file .egg-info (distutils), with the full license text in License. */
const ZOPE_EGG_INFO = `Metadata-Version: 1.1
Name: zope.interface
Version: 5.4.0
License: Copyright (c) Zope Foundation and Contributors.
        All Rights Reserved.
        This software is subject to the provisions of the Zope Public License, Version 2.1 (ZPL).
Classifier: License :: OSI Approved :: Zope Public License
`;

describe('installed distributions (dist-info, egg-info)', () => {
  let root: string;
  before(async () => {
    root = await tempTree({
      [`${SP}/requests-2.32.3.dist-info/METADATA`]: REQUESTS,
      [`${SP}/requests-2.32.3.dist-info/RECORD`]: 'requests/__init__.py,sha256=x,5000\n',
      [`${SP}/urllib3-2.2.3.dist-info/METADATA`]: URLLIB3.replace(/\n/g, '\r\n'),
      [`${SP}/idna-3.10.dist-info/METADATA`]: IDNA,
      [`${SP}/certifi-2024.8.30.dist-info/METADATA`]: CERTIFI,
      [`${SP}/charset_normalizer-3.3.2.dist-info/METADATA`]: CHARSET,
      [`${SP}/attrs-25.3.0.dist-info/METADATA`]: ATTRS,
      // installed, but requests needs it only for its `socks` extra: no edge
      [`${SP}/PySocks-1.7.1.dist-info/METADATA`]: 'Metadata-Version: 2.1\nName: PySocks\nVersion: 1.7.1\nLicense: BSD\n',
      [`${SP}/six-1.16.0-py3.12.egg-info/PKG-INFO`]: SIX_PKG_INFO,
      [`${SP}/six-1.16.0-py3.12.egg-info/installed-files.txt`]: '../six.py\n',
      [`${SP}/zope.interface-5.4.0-py3.9.egg-info`]: ZOPE_EGG_INFO,
      [`${SP}/broken-1.0.dist-info/METADATA`]: 'this is not metadata\n',
      [`${SP}/noversion-1.0.dist-info/METADATA`]: 'Metadata-Version: 2.1\nName: noversion\n',
      // another environment: its requests must not link to the first one's idna
      'other-venv/site-packages/requests-2.0.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: requests\nVersion: 2.0.0\nRequires-Dist: idna\n',
    });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('the cataloger finds every distribution, warns for the bad ones', async () => {
    const r = await catalogDir(installedCataloger, root);
    assert.deepEqual(r.packages.map((p) => p.purl).sort(), [
      'pkg:pypi/attrs@25.3.0',
      'pkg:pypi/certifi@2024.8.30',
      'pkg:pypi/charset-normalizer@3.3.2',
      'pkg:pypi/idna@3.10',
      'pkg:pypi/pysocks@1.7.1',
      'pkg:pypi/requests@2.0.0',
      'pkg:pypi/requests@2.32.3',
      'pkg:pypi/six@1.16.0',
      'pkg:pypi/urllib3@2.2.3',
      'pkg:pypi/zope-interface@5.4.0',
    ]);
    assert.ok(r.packages.every((p) => p.foundBy === 'python-installed-package-cataloger' && p.scope === 'required'));
    assert.deepEqual(r.warnings.map((w) => [w.location.path, w.location.line, w.message]).sort(), [
      [`${SP}/broken-1.0.dist-info/METADATA`, 1, 'python-installed-package-cataloger: not a metadata header: this is not metadata'],
      [`${SP}/noversion-1.0.dist-info/METADATA`, undefined, 'python-installed-package-cataloger: no Version header'],
    ]);
  });

  test('licenses: expression, short License field, unambiguous classifiers, raw names', async () => {
    const r = await catalogDir(installedCataloger, root);
    const lic = (name: string): readonly string[] => r.packages.find((p) => p.name === name && !p.locations[0]!.path.startsWith('other-venv'))!.licenses;
    assert.deepEqual(lic('attrs'), ['MIT'], 'License-Expression (PEP 639)');
    assert.deepEqual(lic('requests'), ['Apache-2.0'], 'License field over the versionless Apache classifier');
    assert.deepEqual(lic('certifi'), ['MPL-2.0']);
    assert.deepEqual(lic('urllib3'), ['MIT'], 'MIT classifier, no License field');
    assert.deepEqual(lic('idna'), ['BSD License'], 'ambiguous classifier kept as a name, not guessed');
    assert.deepEqual(lic('six'), ['GPL-3.0-or-later'], 'UNKNOWN is no license; the classifier names one');
    assert.deepEqual(lic('zope.interface'), ['Zope Public License'], 'license text is not a license name');
  });

  test('Requires-Dist edges to the distributions installed beside it, not to extras', async () => {
    const r = await catalogDir(installedCataloger, root);
    const edges = r.relationships.map((e) => `${e.from} -> ${e.to}`).sort();
    assert.deepEqual(edges, [
      'pkg:pypi/requests@2.32.3 -> pkg:pypi/certifi@2024.8.30',
      'pkg:pypi/requests@2.32.3 -> pkg:pypi/charset-normalizer@3.3.2',
      'pkg:pypi/requests@2.32.3 -> pkg:pypi/idna@3.10',
      'pkg:pypi/requests@2.32.3 -> pkg:pypi/urllib3@2.2.3',
    ]);
  });

  test('locations: METADATA, RECORD, installed-files.txt; name as written, body ignored', async () => {
    const r = await catalogDir(installedCataloger, root);
    const requests = r.packages.find((p) => p.purl === 'pkg:pypi/requests@2.32.3')!;
    assert.deepEqual(requests.locations, [{ path: `${SP}/requests-2.32.3.dist-info/METADATA` }, { path: `${SP}/requests-2.32.3.dist-info/RECORD` }]);
    assert.deepEqual(requests.metadata, { summary: 'Python HTTP for Humans.', homePage: 'https://requests.readthedocs.io' });
    const six = r.packages.find((p) => p.name === 'six')!;
    assert.deepEqual(
      six.locations.map((l) => l.path),
      [`${SP}/six-1.16.0-py3.12.egg-info/PKG-INFO`, `${SP}/six-1.16.0-py3.12.egg-info/installed-files.txt`],
    );
    assert.equal(six.version, '1.16.0', 'a "Version:" inside the Description does not count');
    const zope = r.packages.find((p) => p.name === 'zope.interface')!;
    assert.deepEqual(zope.locations, [{ path: `${SP}/zope.interface-5.4.0-py3.9.egg-info` }]);
  });

  test('one file parsed directly reads its neighbours for edges', async () => {
    const limits = resolveLimits();
    const resolver = await FsResolver.fromDirectory(root, { limits });
    const ctx = { resolver, limits, logger: silentLogger, readText: async (p: string) => decodeText(await resolver.read(p)) };
    const r: ParseResult = await parseInstalledMetadata(`${SP}/requests-2.32.3.dist-info/METADATA`, ctx);
    assert.equal(r.relationships?.length, 4);
    const other: ParseResult = await parseInstalledMetadata('other-venv/site-packages/requests-2.0.0.dist-info/METADATA', ctx);
    assert.deepEqual(other.relationships, [], 'idna is not installed in that environment');
  });
});

describe('core metadata format', () => {
  test('headers: repeated keys, continuations, CRLF, body ignored', () => {
    const h = parseCoreMetadata('Name: a\r\nClassifier: x\r\nClassifier: y\r\nLicense: line one\r\n  line two\r\n\r\nName: body');
    assert.deepEqual(h.get('name'), ['a']);
    assert.deepEqual(h.get('classifier'), ['x', 'y']);
    assert.deepEqual(h.get('license'), ['line one\nline two']);
  });

  test('bad input: continuation first, non-header lines, too many headers', () => {
    assert.throws(() => parseCoreMetadata('  indented\nName: a'), /continuation line before any header/);
    assert.throws(() => parseCoreMetadata('Name: a\n<html>'), (e: { line?: number }) => e.line === 2);
    assert.throws(() => parseCoreMetadata('X: 1\n'.repeat(10_001)), /more than 10000 header fields/);
  });

  test('license precedence', () => {
    const lic = (text: string): string[] => licensesOf(parseCoreMetadata(text));
    // chardet 5.2.0: a generic name in License, the version in the classifier
    assert.deepEqual(lic('Name: chardet\nLicense: LGPL\nClassifier: License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)\n'), [
      'LGPL-2.0-or-later',
    ]);
    // both name an SPDX license: the author's License field wins over the classifier
    assert.deepEqual(lic('Name: a\nLicense: BSD-3-Clause\nClassifier: License :: OSI Approved :: MIT License\n'), ['BSD-3-Clause']);
    // PEP 639: License-Expression wins over everything
    assert.deepEqual(lic('Name: a\nLicense-Expression: Apache-2.0 OR MIT\nLicense: BSD-3-Clause\n'), ['Apache-2.0 OR MIT']);
    assert.deepEqual(lic('Name: a\n'), []);
  });

  test('classifiers', () => {
    assert.deepEqual(classifierLicense('License :: OSI Approved :: MIT License'), { spdx: 'MIT', name: 'MIT License' });
    assert.deepEqual(classifierLicense('License :: OSI Approved :: Apache Software License'), { name: 'Apache Software License' });
    assert.equal(classifierLicense('License :: OSI Approved'), undefined);
    assert.equal(classifierLicense('Programming Language :: Python'), undefined);
  });

  test('install directory of each metadata layout', () => {
    assert.equal(installDir('sp/a-1.dist-info/METADATA'), 'sp');
    assert.equal(installDir('sp/a.egg-info/PKG-INFO'), 'sp');
    assert.equal(installDir('sp/a-1-py3.egg/EGG-INFO/PKG-INFO'), 'sp');
    assert.equal(installDir('sp/a-1-py3.egg-info'), 'sp');
    assert.equal(installDir('a-1.dist-info/METADATA'), '');
    assert.equal(installDir('sp/METADATA'), undefined);
  });
});
