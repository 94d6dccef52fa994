import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FileParseError, type ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { apkCataloger, parseApkInstalled } from '../../../../../src/sbom/catalogers/os/index.ts';
import { apkChecksum } from '../../../../../src/sbom/catalogers/os/apk.ts';
import { catalogDir } from '../../../../helpers/catalog.ts';
import { loadOsExpected, OS_DATA, parseIn, sorted, tree } from './helpers.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function mktree(files: Record<string, string | Buffer>): string {
  const d = tree(files);
  temps.push(d);
  return d;
}

const nameVersions = (r: ParseResult): string[] => sorted(r.packages.map((p) => `${p.name}@${p.version}`));

describe('apk: syft fixtures', () => {
  const dir = join(OS_DATA, 'apk/syft');
  const expected = loadOsExpected('apk/syft');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testCase})`, async () => {
        const parse = (): Promise<ParseResult> => parseIn(parseApkInstalled, dir, file);
        if (c.expectError !== undefined) {
          await assert.rejects(parse, FileParseError);
          return;
        }
        const r = await parse();
        const deps = c.expectedDependencies_dependencyOf as Record<string, string[]> | undefined;
        if (c.packages !== undefined) {
          assert.deepEqual(nameVersions(r), sorted(c.packages.map((p) => `${String(p.name)}@${String(p.version)}`)));
          assert.equal(r.packages.length, c.expectedPackageCount);
        } else if (!deps) assert.equal(r.packages.length, 1, 'a single-package fixture');
        if (deps) {
          // Our edges name the dependent first: K depends-on each of deps[K], and nothing else.
          const names = new Map(r.packages.map((p) => [p.purl, p.name]));
          const got = sorted((r.relationships ?? []).map((e) => `${names.get(e.from)} -> ${names.get(e.to)}`));
          const want = sorted(Object.entries(deps).flatMap(([k, vs]) => vs.map((v) => `${k} -> ${v}`)));
          assert.deepEqual(got, want);
        }
      });
    }
  }
});

describe('apk: osv-scalibr fixtures', () => {
  const dir = join(OS_DATA, 'apk/osv-scalibr');
  const expected = loadOsExpected('apk/osv-scalibr');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testCase})`, async () => {
        const parse = (): Promise<ParseResult> => parseIn(parseApkInstalled, dir, file);
        if (c.expectError !== undefined) {
          await assert.rejects(parse, FileParseError);
          return;
        }
        const r = await parse();
        assert.equal(r.packages.length, c.expectedPackageCount);
        const want = (c.packages ?? []) as Record<string, string>[];
        assert.deepEqual(nameVersions(r), sorted(want.map((p) => `${p.name}@${p.version}`)));
        for (const w of want) {
          const p = r.packages.find((x) => x.name === w.name)!;
          assert.equal(p.metadata?.architecture, w.arch);
          assert.equal(p.metadata?.origin ?? '', w.originName);
          assert.equal(p.metadata?.maintainer ?? '', w.maintainer);
          assert.equal(p.metadata?.commit ?? '', w.commit);
          assert.deepEqual(p.licenses, [w.license]);
          // osv-scalibr's osId/osVersionId come from an os-release its test supplies; these files have none beside them.
          assert.equal(p.purl, `pkg:apk/alpine/${w.name}@${w.version}?arch=${w.arch}${w.originName && w.originName !== w.name ? `&upstream=${w.originName}` : ''}`);
        }
      });
    }
  }
});

describe('apk semantics', () => {
  test('distro-qualified purls, SHA-1 checksum, origin, licenses, location', async () => {
    const db = readFileSync(join(OS_DATA, 'apk/syft/single'));
    const root = mktree({ 'lib/apk/db/installed': db, 'etc/os-release': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.11.6\n' });
    const r = await parseIn(parseApkInstalled, root, 'lib/apk/db/installed');
    const p = r.packages[0]!;
    assert.equal(p.purl, 'pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&distro=alpine-3.11.6&upstream=musl');
    // C:Q1bTtF5526tETKfL+lnigzIDvm+2o= is base64 of the SHA-1.
    assert.deepEqual(p.hashes, [{ alg: 'SHA-1', value: Buffer.from('bTtF5526tETKfL+lnigzIDvm+2o=', 'base64').toString('hex') }]);
    assert.equal(p.hashes?.[0]?.value.length, 40);
    // `L:MIT BSD GPL2+` is a list, not an expression: each word, normalised where that is certain.
    assert.deepEqual(p.licenses, ['MIT', 'BSD', 'GPL-2.0-or-later']);
    assert.deepEqual(p.locations, [{ path: 'lib/apk/db/installed', line: 1 }]);
    assert.equal(p.scope, 'required');
  });

  test('Wolfi namespaces by its own ID; SPDX expressions stay whole; conflicts and versions in D', async () => {
    const db = [
      'P:a\nV:1-r0\nA:aarch64\nL:MIT OR Apache-2.0\nD:!c b>=2 so:libx.so.1 cmd:tool /bin/sh\n',
      'P:b\nV:2-r0\nA:aarch64\nL:GPL-2.0-or-later AND LGPL-2.1-or-later\np:so:libx.so.1=1 cmd:tool=2\n',
      'P:c\nV:1-r0\nA:aarch64\n',
      'P:sh\nV:1-r0\nA:aarch64\np:/bin/sh\n',
    ].join('\n');
    const root = mktree({ 'lib/apk/db/installed': db, 'etc/os-release': 'ID=wolfi\nVERSION_ID="20230201"\n' });
    const r = await parseIn(parseApkInstalled, root, 'lib/apk/db/installed');
    const a = r.packages.find((p) => p.name === 'a')!;
    assert.equal(a.purl, 'pkg:apk/wolfi/a@1-r0?arch=aarch64&distro=wolfi-20230201');
    assert.deepEqual(a.licenses, ['MIT OR Apache-2.0']);
    assert.deepEqual(r.packages.find((p) => p.name === 'b')!.licenses, ['GPL-2.0-or-later AND LGPL-2.1-or-later']);
    const names = new Map(r.packages.map((p) => [p.purl, p.name]));
    assert.deepEqual(sorted((r.relationships ?? []).map((e) => `${names.get(e.from)} -> ${names.get(e.to)}`)), ['a -> b', 'a -> sh']);
  });

  test('the /usr-merged location usr/lib/apk/db/installed belongs to the root, not to usr/', async () => {
    const root = mktree({ 'usr/lib/apk/db/installed': 'P:a\nV:1-r0\nA:x86_64\n', 'etc/os-release': 'ID=alpine\nVERSION_ID=3.22.0\n' });
    const r = await catalogDir(apkCataloger, root);
    assert.deepEqual(r.packages.map((p) => p.purl), ['pkg:apk/alpine/a@1-r0?arch=x86_64&distro=alpine-3.22.0']);
  });

  test('checksum forms', () => {
    assert.deepEqual(apkChecksum('Q1v4QhLje3kWlC8DJj+ZfJTjlJRSU='), { alg: 'SHA-1', value: Buffer.from('v4QhLje3kWlC8DJj+ZfJTjlJRSU=', 'base64').toString('hex') });
    assert.equal(apkChecksum(`Q2${Buffer.alloc(32, 7).toString('base64')}`)?.alg, 'SHA-256');
    assert.deepEqual(apkChecksum('0123456789ABCDEF0123456789abcdef'), { alg: 'MD5', value: '0123456789abcdef0123456789abcdef' });
    assert.equal(apkChecksum('Q1short'), undefined);
    assert.equal(apkChecksum('garbage'), undefined);
  });
});

describe('apk: bad input', () => {
  test('not a field, NUL bytes, truncation', async () => {
    const root = mktree({
      'a/lib/apk/db/installed': 'P:a\nV:1\n\nPXa\n',
      'b/lib/apk/db/installed': 'P:a\nV:1\0\n',
      'c/lib/apk/db/installed': readFileSync(join(OS_DATA, 'apk/osv-scalibr/installed'), 'utf8').slice(0, 5000),
    });
    await assert.rejects(parseIn(parseApkInstalled, root, 'a/lib/apk/db/installed'), (e: unknown) => e instanceof FileParseError && e.line === 4);
    await assert.rejects(parseIn(parseApkInstalled, root, 'b/lib/apk/db/installed'), FileParseError);
    // A cut in the middle of a package keeps the complete packages before it (and the cut one if P and V were read).
    const r = await parseIn(parseApkInstalled, root, 'c/lib/apk/db/installed');
    assert.ok(r.packages.length >= 1 && r.packages.length < 15);
  });

  test('limits and a corrupt database through the cataloger', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `P:p${i}\nV:1-r0\n`).join('\n');
    const root = mktree({ 'lib/apk/db/installed': many, 'x/lib/apk/db/installed': 'this is a corrupt db\n' });
    const r = await catalogDir(apkCataloger, root, { maxPackagesPerFile: 5 });
    assert.deepEqual(
      r.warnings.map((w) => [w.location.path, w.message]),
      [
        ['lib/apk/db/installed', 'apk-db-cataloger: more than 5 packages'],
        ['x/lib/apk/db/installed', 'apk-db-cataloger: not an apk database field: "this is a corrupt db"'],
      ],
    );
    assert.equal(r.packages.length, 0);
  });
});
