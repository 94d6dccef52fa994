import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { resolveLimits } from '../../../../../src/core/index.ts';
import { FileParseError, type ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { rpmCataloger } from '../../../../../src/sbom/catalogers/os/index.ts';
import { parseRpmdb, parseRpmHeader, rpmdbBlobs } from '../../../../../src/sbom/catalogers/os/rpm/index.ts';
import { parseRpmManifest } from '../../../../../src/sbom/catalogers/os/rpm/manifest.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
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
const fixture = (p: string): Buffer => readFileSync(join(OS_DATA, p));

/** The decoded headers of a database, in its order. */
async function headers(file: string): Promise<ReturnType<typeof parseRpmHeader>[]> {
  const { blobs } = await rpmdbBlobs(fixture(file), 100_000);
  return blobs.map(parseRpmHeader);
}

describe('rpm: go-rpmdb fixtures (all three storage formats)', () => {
  const expected = loadOsExpected('rpm/go-rpmdb');

  test('NDB sle15-bci/Packages.db: 35 packages, every field, in order', async () => {
    const c = expected.files['sle15-bci/Packages.db']![0]!;
    const want = c.packages as Record<string, unknown>[];
    const got = await headers('rpm/go-rpmdb/sle15-bci/Packages.db');
    assert.equal(got.length, c.expectedPackageCount);
    assert.deepEqual(
      got.map((h) => [h.epoch ?? null, h.name, h.version, h.release, h.arch, h.sourceRpm, h.size, h.license, h.vendor, h.modularityLabel ?? '']),
      want.map((p) => [p.epoch, p.name, p.version, p.release, p.arch, p.sourceRpm, p.size, p.license, p.vendor, p.modularitylabel]),
    );
  });

  test('SQLite cbl-mariner-2.0/rpmdb.sqlite: 129 packages (curator list) and the full curl record', async () => {
    const c = expected.files['cbl-mariner-2.0/rpmdb.sqlite']![0]!;
    const cur = c.curatorComputed as { packageCount: number; packages: Record<string, string>[] };
    const got = await headers('rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite');
    assert.equal(got.length, cur.packageCount);
    assert.deepEqual(
      got.map((h) => [h.name, h.version, h.release, h.arch, h.sourceRpm]),
      cur.packages.map((p) => [p.name, p.version, p.release, p.arch, p.sourceRpm]),
    );
    const w = c.expectedPackage as Record<string, unknown>;
    const curl = got.find((h) => h.name === 'curl')!;
    assert.deepEqual([curl.version, curl.release, curl.arch, curl.size, curl.sourceRpm, curl.license, curl.vendor], [w.version, w.release, w.arch, w.size, w.sourceRpm, w.license, w.vendor]);
  });

  test('Berkeley DB libuuid/Packages: the libuuid record', async () => {
    const w = expected.files['libuuid/Packages']![0]!.expectedPackage as Record<string, unknown>;
    const got = await headers('rpm/go-rpmdb/libuuid/Packages');
    assert.equal(got.length, 1);
    const h = got[0]!;
    assert.deepEqual([h.name, h.version, h.release, h.arch, h.size, h.sourceRpm, h.license, h.vendor], [w.name, w.version, w.release, w.arch, w.size, w.sourceRpm, w.license, w.vendor]);
  });

  test('every go-rpmdb case is covered above', () => {
    assert.deepEqual(sorted(Object.keys(expected.files)), ['cbl-mariner-2.0/rpmdb.sqlite', 'libuuid/Packages', 'sle15-bci/Packages.db']);
  });
});

describe('rpm: syft and osv-scalibr fixtures', () => {
  for (const repo of ['rpm/syft', 'rpm/osv-scalibr']) {
    const expected = loadOsExpected(repo);
    for (const [file, cases] of Object.entries(expected.files)) {
      for (const c of cases) {
        test(`${repo}/${file} (${c.testCase})`, async () => {
          const parse = (): Promise<ParseResult> => parseIn(parseRpmdb, join(OS_DATA, repo), file);
          if (c.expectError !== undefined) {
            await assert.rejects(parse, FileParseError);
            return;
          }
          const r = await parse();
          assert.deepEqual(r.warnings, []);
          assert.equal(r.packages.length, c.expectedPackageCount);
          for (const w of (c.packages ?? []) as Record<string, string>[]) {
            const p = r.packages.find((x) => x.name === w.name)!;
            // osv-scalibr and syft print version-release; the epoch is ours to add in front (`1:0.0.1-rls`).
            assert.equal(p.version.replace(/^\d+:/, ''), w.version);
            if (w.arch !== undefined) assert.equal(p.metadata?.architecture, w.arch);
            if (w.sourceRpm !== undefined) assert.equal(p.metadata?.sourceRpm, w.sourceRpm);
          }
        });
      }
    }
  }

  test('epoch: in the version and as the purl qualifier, not in the purl version', async () => {
    const r = await parseIn(parseRpmdb, join(OS_DATA, 'rpm/osv-scalibr'), 'Packages_epoch');
    const p = r.packages[0]!;
    assert.equal(p.version, '1:0.0.1-rls');
    assert.equal(p.purl, 'pkg:rpm/redhat/hello@0.0.1-rls?arch=x86_64&epoch=1&upstream=hello-0.0.1-rls.src.rpm');
    assert.equal(p.metadata?.epoch, '1');
  });
});

describe('rpm: container-manifest-2 (CBL-Mariner distroless)', () => {
  const expected = loadOsExpected('rpm-manifest/syft');
  for (const [file, cases] of Object.entries(expected.files)) {
    for (const c of cases) {
      test(`${file} (${c.testCase})`, async () => {
        const r = await parseIn(parseRpmManifest, join(OS_DATA, 'rpm-manifest/syft'), file);
        assert.equal(r.packages.length, c.expectedPackageCount);
        const want = c.packages as Record<string, string>[];
        assert.deepEqual(r.packages.map((p) => `${p.name}@${p.version}`), want.map((p) => `${p.name}@${p.version}`));
        // syft leaves the namespace out when no distro is known; purl-spec requires one for rpm,
        // and without an os-release we use the home namespace (see purl.ts).
        assert.deepEqual(r.packages.map((p) => p.purl), want.map((p) => String(p.purl).replace('pkg:rpm/', 'pkg:rpm/redhat/')));
      });
    }
  }

  test('bad lines are FileParseErrors with the line', async () => {
    const root = mktree({
      'a/var/lib/rpmmanifest/container-manifest-2': 'only\ttwo\n',
      'b/var/lib/rpmmanifest/container-manifest-2': 'vim\tnoversion\t1\t1\tV\t(none)\t1\tx86_64\t0\tvim.src.rpm\n',
      'c/var/lib/rpmmanifest/container-manifest-2': 'vim\t9.0-1\t1\t1\tV\tzwei\t1\tx86_64\t0\tvim.src.rpm\n',
    });
    for (const d of ['a', 'b', 'c']) {
      await assert.rejects(parseIn(parseRpmManifest, root, `${d}/var/lib/rpmmanifest/container-manifest-2`), (e: unknown) => e instanceof FileParseError && e.line === 1);
    }
  });
});

/** A deterministic byte generator for the corruption tests. */
function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) >> 8;
}

async function parseBytes(bytes: Buffer, name = 'Packages'): Promise<ParseResult> {
  const root = mktree({ [`var/lib/rpm/${name}`]: bytes });
  try {
    return await parseIn(parseRpmdb, root, `var/lib/rpm/${name}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('rpm: bad input', () => {
  test('empty and invalid files are FileParseErrors (osv-scalibr: io.EOF, io.ErrUnexpectedEOF)', async () => {
    await assert.rejects(parseBytes(Buffer.alloc(0)), /empty rpm database/);
    await assert.rejects(parseBytes(fixture('rpm/osv-scalibr/invalid')), /not an rpm database/);
  });

  test('corrupted databases in each format: a result or a FileParseError, never another error', async () => {
    const next = prng(7);
    for (const [file, name] of [
      ['rpm/go-rpmdb/libuuid/Packages', 'Packages'],
      ['rpm/go-rpmdb/sle15-bci/Packages.db', 'Packages.db'],
      ['rpm/syft/Packages', 'Packages'],
    ] as const) {
      const good = fixture(file);
      for (let round = 0; round < 12; round++) {
        const bad = Buffer.from(good);
        for (let k = 0; k < 40; k++) bad[next() % bad.length] = next() & 0xff;
        try {
          await parseBytes(bad, name);
        } catch (e) {
          assert.ok(e instanceof FileParseError, `${file} round ${round}: ${String(e)}`);
        }
      }
      for (const cut of [100, 600, Math.floor(good.length / 3), good.length - 100]) {
        try {
          const r = await parseBytes(good.subarray(0, cut), name);
          assert.ok(r.packages.length <= 35);
        } catch (e) {
          assert.ok(e instanceof FileParseError, `${file} cut at ${cut}: ${String(e)}`);
        }
      }
    }
  });

  test('Berkeley DB: an overflow chain that loops, a 4 GiB item length, a huge last page number', async () => {
    // rpm/syft/Packages: 4 KiB pages; page 2 holds the H_OFFPAGE item at 4079 → overflow page 3 (1324 bytes).
    const good = fixture('rpm/syft/Packages');
    const item = 2 * 4096 + 4079;
    assert.equal(good[item], 3);
    const loop = Buffer.from(good);
    loop.writeUInt32LE(10_000, item + 8); // longer than one page …
    loop.writeUInt32LE(3, 3 * 4096 + 16); // … and page 3 says page 3 comes next
    const r1 = await parseBytes(loop);
    const w1 = r1.warnings ?? [];
    assert.equal(r1.packages.length, 0);
    assert.match(w1.map((w) => w.message).join(' '), /1 damaged entries skipped/);

    const huge = Buffer.from(good);
    huge.writeUInt32LE(0xffffffff, item + 8);
    assert.match(((await parseBytes(huge)).warnings ?? []).map((w) => w.message).join(' '), /damaged entries skipped/);

    const lastPage = Buffer.from(good);
    lastPage.writeUInt32LE(0xfffffff0, 32);
    const r3 = await parseBytes(lastPage);
    assert.equal(r3.packages.length, 1);
    assert.match(r3.warnings?.[0]?.message ?? '', /truncated: \d+ pages missing/);
  });

  test('header blobs: lengths and offsets outside the blob', () => {
    const blob = Buffer.alloc(8 + 16 + 8);
    blob.writeInt32BE(1, 0);
    blob.writeInt32BE(8, 4);
    blob.writeInt32BE(1000, 8); // NAME
    blob.writeUInt32BE(6, 12); // STRING
    blob.writeInt32BE(4, 16); // offset
    blob.writeUInt32BE(1, 20);
    blob.write('abc\0', 24 + 4);
    assert.throws(() => parseRpmHeader(blob), /without name, version or release/);
    blob.writeInt32BE(1_000_000, 16);
    assert.throws(() => parseRpmHeader(blob), /outside the data store/);
    blob.writeInt32BE(0x7fffffff, 0);
    assert.throws(() => parseRpmHeader(blob), /invalid index length/);
    blob.writeInt32BE(1, 0);
    blob.writeInt32BE(0x7ffffff0, 4);
    assert.throws(() => parseRpmHeader(blob), /invalid data length|truncated/);
    assert.throws(() => parseRpmHeader(Buffer.alloc(3)), FileParseError);
  });

  test('hostile SQLite: a recursive view, generated columns, no Packages table', async () => {
    const make = (sql: string): Buffer => {
      const root = mktree({});
      const db = new DatabaseSync(join(root, 'db.sqlite'));
      db.exec(sql);
      db.close();
      return readFileSync(join(root, 'db.sqlite'));
    };
    await assert.rejects(
      parseBytes(make('CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS hnum, x AS blob FROM c;'), 'rpmdb.sqlite'),
      /not a table/,
    );
    await assert.rejects(
      parseBytes(make("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, seed INTEGER, blob BLOB GENERATED ALWAYS AS (zeroblob(seed)) VIRTUAL); INSERT INTO Packages (seed) VALUES (1000000000);"), 'rpmdb.sqlite'),
      /generated columns/,
    );
    await assert.rejects(parseBytes(make('CREATE TABLE Other (x);'), 'rpmdb.sqlite'), /without a Packages table/);
    const truncated = fixture('rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite').subarray(0, 200_000);
    try {
      await parseBytes(truncated, 'rpmdb.sqlite');
    } catch (e) {
      assert.ok(e instanceof FileParseError, String(e));
    }
  });

  test('limits: over the file-size limit, more packages than the package limit', async () => {
    const root = mktree({ 'var/lib/rpm/Packages.db': fixture('rpm/go-rpmdb/sle15-bci/Packages.db') });
    const big = await catalogDir(rpmCataloger, root, { maxFileBytes: 1000 });
    assert.match(big.warnings[0]!.message, /over the 1000-byte limit/);
    const many = await catalogDir(rpmCataloger, root, { maxPackagesPerFile: 10 });
    assert.match(many.warnings[0]!.message, /35 packages is over the limit of 10/);
    assert.equal(many.packages.length, 0);
  });

  test('a corrupt rpmdb is a warning naming the file; the scan goes on', async () => {
    const root = mktree({
      'a/var/lib/rpm/rpmdb.sqlite': fixture('rpm/osv-scalibr/invalid'),
      'b/var/lib/rpm/Packages': fixture('rpm/syft/Packages'),
    });
    const r = await catalogDir(rpmCataloger, root);
    assert.deepEqual(r.packages.map((p) => p.name), ['dive']);
    assert.deepEqual(r.warnings, [{ location: { path: 'a/var/lib/rpm/rpmdb.sqlite' }, message: 'rpm-db-cataloger: not an rpm database (neither SQLite, NDB nor Berkeley DB)' }]);
  });
});

describe('rpm: root filesystems', () => {
  test('SUSE NDB under usr/lib/sysimage/rpm with os-release: distro-qualified purls and SPDX licenses', async () => {
    const root = mktree({
      'usr/lib/sysimage/rpm/Packages.db': fixture('rpm/go-rpmdb/sle15-bci/Packages.db'),
      'usr/lib/os-release': 'NAME="SLES"\nVERSION="15-SP3"\nVERSION_ID="15.3"\nID="sles"\nID_LIKE="suse"\n',
    });
    const r = await catalogDir(rpmCataloger, root);
    assert.equal(r.packages.length, 35);
    assert.deepEqual(r.warnings, []);
    const glibc = r.packages.find((p) => p.name === 'glibc')!;
    assert.equal(glibc.purl, 'pkg:rpm/sles/glibc@2.31-9.3.2?arch=x86_64&distro=sles-15.3&upstream=glibc-2.31-9.3.2.src.rpm');
    assert.deepEqual(glibc.licenses, ['LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later']);
    assert.deepEqual(glibc.locations, [{ path: 'usr/lib/sysimage/rpm/Packages.db' }]);
    assert.equal(glibc.foundBy, 'rpm-db-cataloger');
    assert.equal(glibc.metadata?.vendor, 'SUSE LLC <https://www.suse.com/>');
  });

  test('RHEL: the vendor namespace is redhat, the distro qualifier keeps the ID', async () => {
    const root = mktree({ 'var/lib/rpm/Packages': fixture('rpm/go-rpmdb/libuuid/Packages'), 'etc/os-release': 'ID="rhel"\nVERSION_ID="8.8"\n' });
    const r = await catalogDir(rpmCataloger, root);
    assert.deepEqual(r.packages.map((p) => p.purl), ['pkg:rpm/redhat/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-8.8&upstream=util-linux-2.32.1-42.el8_8.src.rpm']);
  });

  test('a stale Packages beside rpmdb.sqlite is not read; a non-empty -wal is reported', async () => {
    const root = mktree({
      'var/lib/rpm/rpmdb.sqlite': fixture('rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite'),
      'var/lib/rpm/rpmdb.sqlite-wal': 'x',
      'var/lib/rpm/Packages': fixture('rpm/go-rpmdb/libuuid/Packages'),
      'etc/os-release': 'ID=mariner\nVERSION_ID="2.0"\n',
    });
    const r = await catalogDir(rpmCataloger, root);
    assert.equal(r.packages.length, 129);
    assert.ok(!r.packages.some((p) => p.name === 'libuuid'));
    assert.ok(r.packages.every((p) => p.purl.startsWith('pkg:rpm/mariner/') && p.purl.includes('distro=mariner-2.0')));
    assert.deepEqual(r.warnings.map((w) => w.message), ['rpm: rpmdb.sqlite-wal is not empty; packages installed since its last checkpoint may be missing']);
  });

  test('select names the database, the manifest and the identity files', async () => {
    const root = mktree({
      'var/lib/rpm/rpmdb.sqlite': 'x',
      'var/lib/rpmmanifest/container-manifest-2': 'x',
      'etc/os-release': 'ID=mariner\n',
      'etc/redhat-release': 'x',
    });
    const resolver = await FsResolver.fromDirectory(root, { limits: resolveLimits() });
    assert.deepEqual(sorted(rpmCataloger.select(resolver)), ['etc/os-release', 'etc/redhat-release', 'var/lib/rpm/rpmdb.sqlite', 'var/lib/rpmmanifest/container-manifest-2']);
  });
});
