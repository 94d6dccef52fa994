import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveLimits } from '../../../../../src/core/index.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
import { FileParseError, type ParseResult, type Parser } from '../../../../../src/sbom/generic/index.ts';
import { dpkgCataloger, licensesFromCopyright, parseDpkgStatus, parseDpkgStatusD } from '../../../../../src/sbom/catalogers/os/index.ts';
import { dep5ExpressionToSpdx } from '../../../../../src/sbom/catalogers/os/dep5.ts';
import { catalogDir } from '../../../../helpers/catalog.ts';
import { loadOsExpected, OS_DATA, parseIn, sorted, tree } from './helpers.ts';

const SYFT = join(OS_DATA, 'dpkg/syft');
const SCALIBR = join(OS_DATA, 'dpkg/osv-scalibr');

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function mktree(files: Record<string, string | Buffer>): string {
  const d = tree(files);
  temps.push(d);
  return d;
}

/** The parser the cataloger binds to this path. */
function parserFor(path: string): Parser {
  return path.includes('/status.d/') ? parseDpkgStatusD : parseDpkgStatus;
}

const nameVersions = (r: ParseResult): string[] => sorted(r.packages.map((p) => `${p.name}@${p.version}`));
const edgesByName = (r: ParseResult): string[] => {
  const names = new Map(r.packages.map((p) => [p.purl, p.name]));
  return sorted((r.relationships ?? []).map((e) => `${names.get(e.from) ?? e.from} -> ${names.get(e.to) ?? e.to}`));
};

async function expectCase(root: string, file: string, c: Record<string, unknown>): Promise<void> {
  const parse = (): Promise<ParseResult> => Promise.resolve(parseIn(parserFor(file), root, file));
  if (c.expectError !== undefined) {
    await assert.rejects(parse, FileParseError);
    return;
  }
  const r = await parse();
  const want = (c.packages ?? []) as Record<string, unknown>[];
  assert.deepEqual(nameVersions(r), sorted(want.map((p) => `${String(p.name)}@${String(p.version)}`)));
  assert.equal(r.packages.length, c.expectedPackageCount);
  for (const w of want) {
    const p = r.packages.find((x) => x.name === w.name)!;
    if (w.architecture !== undefined) assert.equal(p.metadata?.architecture, w.architecture);
    // syft's table rows list the source package whenever there is one.
    if (w.source !== undefined) assert.equal(p.metadata?.source, w.source);
    else if (w.architecture !== undefined) assert.equal(p.metadata?.source, undefined);
  }
}

describe('dpkg: syft fixtures', () => {
  const expected = loadOsExpected('dpkg/syft');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      if (file.includes('/opkg/')) {
        test(`${file} (${c.testCase})`, { skip: 'opkg is not cataloged: the model has no opkg package type' }, () => {});
        continue;
      }
      if (c.expectedPackageCount === undefined && c.expectError === undefined) continue; // relationship fixtures: tested below
      test(`${file} (${c.testCase})`, () => expectCase(SYFT, file, c));
    }
  }
});

describe('dpkg: osv-scalibr fixtures', () => {
  const expected = loadOsExpected('dpkg/osv-scalibr');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      const name = `${file} (${c.testCase})`;
      if (file.startsWith('opkg/')) {
        test(name, { skip: 'opkg is not cataloged: the model has no opkg package type' }, () => {});
      } else if (c.testCase === 'statusfield including not installed') {
        test(name, { skip: 'Vouch has no include-not-installed option: only installed packages are inventoried' }, () => {});
      } else test(name, () => expectCase(SCALIBR, file, c));
    }
  }
});

describe('dpkg semantics', () => {
  test('image-dpkg: distro-qualified purl, location, metadata, DEP-5 licenses', async () => {
    const r = await parseIn(parseDpkgStatus, SYFT, 'image-dpkg/var/lib/dpkg/status');
    assert.equal(r.packages.length, 1);
    const p = r.packages[0]!;
    assert.equal(p.purl, 'pkg:deb/debian/libpam-runtime@1.1.8-3.6?arch=all&distro=debian-12&upstream=pam');
    assert.deepEqual(p.locations, [{ path: 'image-dpkg/var/lib/dpkg/status', line: 3 }]);
    assert.equal(p.scope, 'required');
    assert.equal(p.type, 'deb');
    assert.deepEqual(p.metadata, { architecture: 'all', source: 'pam', installedSize: '1016', maintainer: 'Steve Langasek <vorlon@debian.org>' });
    // copyright: Files paragraphs say GPL-2 (three times) and LGPL-2.1.
    assert.deepEqual(sorted(p.licenses ?? []), ['GPL-2.0-only', 'LGPL-2.1-only']);
  });

  test('distroless: no os-release, so the home namespace and no distro qualifier; public-domain means no license', async () => {
    const r = await parseIn(parseDpkgStatusD, join(SYFT, 'image-distroless-deb'), 'var/lib/dpkg/status.d/libsqlite3-0');
    assert.equal(r.packages[0]!.purl, 'pkg:deb/debian/libsqlite3-0@3.34.1-3?arch=arm64&upstream=sqlite3');
    // Files: * is public-domain (no SPDX id): the whole list is left empty rather than partial.
    assert.deepEqual(r.packages[0]!.licenses, []);
  });

  test('coreutils-relationships: Depends/Pre-Depends graph, epochs and Source versions', async () => {
    const r = await parseIn(parseDpkgStatusD, SYFT, 'var/lib/dpkg/status.d/coreutils-relationships');
    assert.deepEqual(edgesByName(r), [
      'coreutils -> libacl1', 'coreutils -> libattr1', 'coreutils -> libc6', 'coreutils -> libgmp10', 'coreutils -> libselinux1',
      'libacl1 -> libc6', 'libattr1 -> libc6', 'libc6 -> libgcc-s1', 'libgcc-s1 -> gcc-12-base', 'libgcc-s1 -> libc6',
      'libgmp10 -> libc6', 'libpcre2-8-0 -> libc6', 'libselinux1 -> libc6', 'libselinux1 -> libpcre2-8-0',
    ]);
    const byName = new Map(r.packages.map((p) => [p.name, p]));
    assert.equal(byName.get('libattr1')!.version, '1:2.5.1-4');
    assert.equal(byName.get('libattr1')!.purl, 'pkg:deb/debian/libattr1@1:2.5.1-4?arch=arm64&upstream=attr');
    // `Source: libselinux (3.4-1)` for version 3.4-1+b6 (a binNMU): the source version goes into upstream.
    assert.equal(byName.get('libselinux1')!.purl, 'pkg:deb/debian/libselinux1@3.4-1%2Bb6?arch=arm64&upstream=libselinux%403.4-1');
    assert.equal(byName.get('libselinux1')!.metadata?.sourceVersion, '3.4-1');
  });

  test('alternatives, :any, virtual packages, Status words, self-edges', async () => {
    const status = [
      'Package: app\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\nDepends: perl:any (>= 5), mta | postfix, virt, app, gone\nPre-Depends: libc6 (>= 2.36) [amd64] <!nocheck>\n',
      'Package: perl\nStatus: install ok installed\nVersion: 5.36.0-7\nArchitecture: amd64\n',
      'Package: postfix\nStatus: install ok installed\nVersion: 3.7.10-0+deb12u1\nArchitecture: amd64\nProvides: mail-transport-agent, mta\n',
      'Package: impl\nStatus: deinstall ok installed\nVersion: 2\nArchitecture: all\nProvides: virt (= 2)\n',
      'Package: libc6\nStatus: hold ok installed\nVersion: 2.36-9\nArchitecture: amd64\nSource: glibc\n',
      'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: i386\nSource: glibc\nMulti-Arch: same\n',
      'Package: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\n',
      'Package: half\nStatus: install reinstreq half-installed\nVersion: 1\n',
      'Package: nostatus\nVersion: 1\n',
      'Package: unpacked\nStatus: install ok unpacked\nVersion: 1\n',
      'Package: trig\nStatus: install ok triggers-pending\nVersion: 1\n',
      'Package: halfconf\nStatus: install ok half-configured\nVersion: 1\n',
    ].join('\n');
    const root = mktree({ 'var/lib/dpkg/status': status, 'etc/os-release': 'ID=debian\nVERSION_ID="12"\n' });
    const r = await parseIn(parseDpkgStatus, root, 'var/lib/dpkg/status');
    assert.deepEqual(nameVersions(r), ['app@1.0', 'halfconf@1', 'impl@2', 'libc6@2.36-9', 'libc6@2.36-9', 'perl@5.36.0-7', 'postfix@3.7.10-0+deb12u1', 'trig@1']);
    const purls = r.packages.map((p) => p.purl);
    assert.ok(purls.includes('pkg:deb/debian/libc6@2.36-9?arch=i386&distro=debian-12&upstream=glibc'));
    assert.ok(purls.includes('pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&upstream=glibc'));
    // Both installed libc6 architectures, perl through :any, postfix as `mta` and by name, impl through `virt`;
    // no self-edge, nothing to the removed `gone`.
    assert.deepEqual(
      edgesByName(r).filter((e) => e.startsWith('app ')),
      ['app -> impl', 'app -> libc6', 'app -> libc6', 'app -> perl', 'app -> postfix'],
    );
  });

  test('status.d: dependencies resolve across sibling files; control files are not packages', async () => {
    const root = mktree({
      'etc/os-release': 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n',
      'var/lib/dpkg/status.d/a': 'Package: a\nVersion: 1\nArchitecture: amd64\nDepends: b\n',
      'var/lib/dpkg/status.d/b': 'Package: b\nVersion: 2\nArchitecture: amd64\n',
      'var/lib/dpkg/status.d/b.md5sums': 'd41d8cd98f00b204e9800998ecf8427e  usr/bin/b\n',
      'var/lib/dpkg/status.d/broken': 'this is not a stanza\n',
    });
    const r = await catalogDir(dpkgCataloger, root);
    assert.deepEqual(sorted(r.packages.map((p) => p.purl)), [
      'pkg:deb/ubuntu/a@1?arch=amd64&distro=ubuntu-24.04',
      'pkg:deb/ubuntu/b@2?arch=amd64&distro=ubuntu-24.04',
    ]);
    assert.deepEqual(r.relationships, [{ from: 'pkg:deb/ubuntu/a@1?arch=amd64&distro=ubuntu-24.04', to: 'pkg:deb/ubuntu/b@2?arch=amd64&distro=ubuntu-24.04', type: 'depends-on' }]);
    assert.deepEqual(r.warnings, [{ location: { path: 'var/lib/dpkg/status.d/broken', line: 1 }, message: 'dpkg-db-cataloger: not a field: "this is not a stanza"' }]);
    const resolver = await FsResolver.fromDirectory(root, { limits: resolveLimits() });
    assert.ok(!dpkgCataloger.select(resolver).includes('var/lib/dpkg/status.d/b.md5sums'));
  });

  test('select names the distro and copyright files read beside the database', async () => {
    const root = mktree({
      'etc/os-release': 'ID=debian\n',
      'var/lib/dpkg/status': 'Package: a\nStatus: install ok installed\nVersion: 1\n',
      'usr/share/doc/a/copyright': 'x',
      'usr/share/doc/a/sub/copyright': 'not a package copyright',
      'opt/usr/share/doc/b/copyright': 'elsewhere',
    });
    const resolver = await FsResolver.fromDirectory(root, { limits: resolveLimits() });
    assert.deepEqual(sorted(dpkgCataloger.select(resolver)), ['etc/os-release', 'usr/share/doc/a/copyright', 'var/lib/dpkg/status']);
  });
});

describe('DEP-5 copyright licenses', () => {
  test('short names map to SPDX only where unambiguous', () => {
    const cases: [string, string | undefined][] = [
      ['GPL-2', 'GPL-2.0-only'], ['GPL-2+', 'GPL-2.0-or-later'], ['LGPL-2.1+', 'LGPL-2.1-or-later'], ['GPL-3.0+', 'GPL-3.0-or-later'],
      ['AGPL-3', 'AGPL-3.0-only'], ['GFDL-1.3+', 'GFDL-1.3-or-later'], ['Expat', 'MIT'], ['BSD-3-clause', 'BSD-3-Clause'], ['zlib', 'Zlib'],
      ['Apache-2.0', 'Apache-2.0'], ['MIT', 'MIT'], ['ISC', 'ISC'], ['CC0-1.0', 'CC0-1.0'], ['MPL-2.0', 'MPL-2.0'],
      ['GPL-2+ or Artistic-2.0', 'GPL-2.0-or-later OR Artistic-2.0'], ['LGPL-2.1 and MIT', 'LGPL-2.1-only AND MIT'],
      ['public-domain', undefined], ['Artistic', undefined], ['BSD', undefined], ['GPL', undefined], ['Perl', undefined],
      ['GPL-2+ with OpenSSL exception', undefined], ['GPL-2+ or Artistic-2.0, and BSD-3-clause', undefined],
      ['GPL-2+ or MIT and BSD-3-clause', undefined], ['permissive', undefined], ['', undefined],
    ];
    for (const [dep5, spdx] of cases) assert.equal(dep5ExpressionToSpdx(dep5), spdx, dep5);
  });

  test('all or nothing; only machine-readable files; Files paragraphs only', () => {
    const dep5 = (body: string): string => `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n\n${body}`;
    assert.deepEqual(licensesFromCopyright(dep5('Files: *\nCopyright: me\nLicense: GPL-2+\n text\n .\n more\n\nFiles: debian/*\nLicense: Expat\n\nLicense: Expat\n Permission...\n')), ['GPL-2.0-or-later', 'MIT']);
    assert.deepEqual(licensesFromCopyright(dep5('Files: *\nLicense: GPL-2+\n\nFiles: a/*\nLicense: public-domain\n')), []);
    assert.deepEqual(licensesFromCopyright(dep5('License: MIT\n text\n')), []);
    assert.deepEqual(licensesFromCopyright('This package was debianized by someone.\n\nLicense: GPL-2\n'), []);
    assert.deepEqual(licensesFromCopyright('Copyright (c) 2001\nIt is licensed under the GPL'), []);
  });
});

describe('dpkg: bad input', () => {
  test('a line that is not a field, binary junk and NUL bytes are FileParseErrors with the line', async () => {
    const root = mktree({
      'a/var/lib/dpkg/status': 'Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage b\n',
      'b/var/lib/dpkg/status': Buffer.concat([Buffer.from('Package: a\nVersion: 1\n'), Buffer.from([0xff, 0x00, 0x13, 0x37, 0x0a, 0x9c])]),
      'c/var/lib/dpkg/status': ' continuation first\n',
    });
    await assert.rejects(parseIn(parseDpkgStatus, root, 'a/var/lib/dpkg/status'), (e: unknown) => e instanceof FileParseError && e.line === 5);
    await assert.rejects(parseIn(parseDpkgStatus, root, 'b/var/lib/dpkg/status'), (e: unknown) => e instanceof FileParseError && e.line === 3);
    await assert.rejects(parseIn(parseDpkgStatus, root, 'c/var/lib/dpkg/status'), (e: unknown) => e instanceof FileParseError && e.line === 1);
  });

  test('truncated status files: complete stanzas or a FileParseError, never another error', async () => {
    const text = readFileSync(join(SCALIBR, 'dpkg/valid'), 'utf8');
    for (let cut = 0; cut < text.length; cut += 97) {
      const root = mktree({ 'var/lib/dpkg/status': text.slice(0, cut) });
      try {
        const r = await parseIn(parseDpkgStatus, root, 'var/lib/dpkg/status');
        assert.ok(r.packages.length <= 7);
      } catch (e) {
        assert.ok(e instanceof FileParseError, String(e));
      }
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('random bytes are rejected, not crashed on', async () => {
    let seed = 42;
    const junk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < junk.length; i++) junk[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
    const root = mktree({ 'var/lib/dpkg/status': junk });
    await assert.rejects(parseIn(parseDpkgStatus, root, 'var/lib/dpkg/status'), FileParseError);
  });

  test('limits: a status file over the file-size limit, more stanzas than the package limit', async () => {
    const many = Array.from({ length: 50 }, (_, i) => `Package: p${i}\nStatus: install ok installed\nVersion: 1\n`).join('\n');
    const root = mktree({ 'var/lib/dpkg/status': many });
    const big = await catalogDir(dpkgCataloger, root, { maxFileBytes: 100 });
    assert.equal(big.packages.length, 0);
    assert.match(big.warnings[0]!.message, /over the 100-byte limit/);
    const capped = await catalogDir(dpkgCataloger, root, { maxPackagesPerFile: 10 });
    assert.equal(capped.packages.length, 0);
    assert.match(capped.warnings[0]!.message, /more than 10 paragraphs/);
  });
});
