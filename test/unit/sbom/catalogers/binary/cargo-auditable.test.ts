import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { resolveLimits, VouchError, type Logger } from '../../../../../src/core/index.ts';
import { cargoAuditableCataloger, catalogers } from '../../../../../src/sbom/catalogers/binary/index.ts';
import { auditablePackages, inflateAuditData, MAX_AUDIT_JSON_BYTES } from '../../../../../src/sbom/catalogers/binary/cargo-auditable.ts';
import { cargoPurl } from '../../../../../src/sbom/catalogers/rust/cargo-lock.ts';
import { FileParseError, type CatalogResult } from '../../../../../src/sbom/generic/index.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
import { buildElf, hasObjcopy, objcopyAddSection, PF_R, PF_W, systemElf } from './elf-builder.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vouch-auditable-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(tmp, String(n++));
  mkdirSync(d);
  return d;
};

/**
 * Audit data in the shape cargo-auditable writes (cargo-auditable.schema.json; packages sorted
 * by name, `kind` and `dependencies` and `root` left out at their defaults): a local binary
 * crate with crates.io dependencies, one of them only used by a build script (cc, kind build),
 * and a git dependency.
 */
const SAMPLE = {
  format: 1,
  packages: [
    { name: 'adler', version: '1.0.2', source: 'crates.io' },
    { name: 'cc', version: '1.0.83', source: 'crates.io', kind: 'build', dependencies: [3] },
    { name: 'hello-auditable', version: '0.1.0', source: 'local', dependencies: [1, 3, 4, 5], root: true },
    { name: 'libc', version: '0.2.150', source: 'crates.io' },
    { name: 'miniz_oxide', version: '0.7.1', source: 'crates.io', dependencies: [0] },
    { name: 'tinyjson', version: '2.5.1', source: 'git' },
  ],
};
const EXPECTED = [
  'pkg:cargo/adler@1.0.2',
  'pkg:cargo/cc@1.0.83',
  'pkg:cargo/hello-auditable@0.1.0',
  'pkg:cargo/libc@0.2.150',
  'pkg:cargo/miniz_oxide@0.7.1',
  'pkg:cargo/tinyjson@2.5.1',
];

const zjson = (doc: unknown): Buffer => deflateSync(Buffer.from(JSON.stringify(doc)));
const purls = (r: { packages: readonly { purl: string }[] }): string[] => r.packages.map((p) => p.purl).sort();

function recorder(): Logger & { debugs: string[] } {
  const debugs: string[] = [];
  return { debugs, debug: (m) => debugs.push(m), info: () => {}, warn: () => {} };
}

async function catalog(dir: string, logger: Logger = recorder()): Promise<CatalogResult> {
  const limits = resolveLimits();
  const resolver = await FsResolver.fromDirectory(dir, { limits });
  return cargoAuditableCataloger.catalog({ resolver, limits, logger });
}

/** A fresh folder with one synthetic ELF file `app` holding `section` as .dep-v0. */
function auditableElf(section: Buffer, opts: { is64?: boolean; littleEndian?: boolean } = {}): string {
  const dir = fresh();
  writeFileSync(
    join(dir, 'app'),
    buildElf({ ...opts, sections: [{ name: '.text', data: Buffer.alloc(16, 0xc3), load: { vaddr: 0x1000, flags: PF_R } }, { name: '.dep-v0', data: section }] }),
  );
  return dir;
}

describe('cargo-auditable: what is reported', () => {
  const r = auditablePackages(JSON.stringify(SAMPLE), 'app');
  const by = new Map(r.packages.map((p) => [p.purl, p]));

  test('every crate as pkg:cargo/name@version, the root as root, the source in metadata', () => {
    assert.deepEqual(purls(r), EXPECTED);
    assert.equal(by.get('pkg:cargo/hello-auditable@0.1.0')?.isRoot, true);
    assert.deepEqual(by.get('pkg:cargo/hello-auditable@0.1.0')?.metadata, { source: 'local', auditableFormat: '1' });
    assert.equal(r.packages.filter((p) => p.isRoot === true).length, 1);
    assert.deepEqual(by.get('pkg:cargo/tinyjson@2.5.1')?.metadata, { source: 'git' });
  });

  test('build-time crates have scope dev (syft and trivy drop them; --no-dev does the same)', () => {
    assert.equal(by.get('pkg:cargo/cc@1.0.83')?.scope, 'dev');
    for (const p of r.packages) if (p.name !== 'cc') assert.equal(p.scope, 'required', p.name);
  });

  test('relationships follow the dependency indices', () => {
    const edges = (r.relationships ?? []).map((e) => `${e.from} -> ${e.to}`).sort();
    assert.deepEqual(edges, [
      'pkg:cargo/cc@1.0.83 -> pkg:cargo/libc@0.2.150',
      'pkg:cargo/hello-auditable@0.1.0 -> pkg:cargo/cc@1.0.83',
      'pkg:cargo/hello-auditable@0.1.0 -> pkg:cargo/libc@0.2.150',
      'pkg:cargo/hello-auditable@0.1.0 -> pkg:cargo/miniz_oxide@0.7.1',
      'pkg:cargo/hello-auditable@0.1.0 -> pkg:cargo/tinyjson@2.5.1',
      'pkg:cargo/miniz_oxide@0.7.1 -> pkg:cargo/adler@1.0.2',
    ]);
  });

  test('crates.io and local crates get the Cargo.lock cataloger’s purls, so they merge', () => {
    assert.equal(by.get('pkg:cargo/adler@1.0.2')?.purl, cargoPurl('adler', '1.0.2', 'registry+https://github.com/rust-lang/crates.io-index'));
    assert.equal(by.get('pkg:cargo/hello-auditable@0.1.0')?.purl, cargoPurl('hello-auditable', '0.1.0', ''));
  });

  test('the same crate from two sources is one package; runtime beats build', () => {
    const doc = {
      packages: [
        { name: 'a', version: '1.0.0', source: 'local', dependencies: [1, 2], root: true },
        { name: 'dup', version: '1.0.0', source: 'crates.io', kind: 'build' },
        { name: 'dup', version: '1.0.0', source: 'git' },
      ],
    };
    const r2 = auditablePackages(JSON.stringify(doc), 'app');
    assert.deepEqual(purls(r2), ['pkg:cargo/a@1.0.0', 'pkg:cargo/dup@1.0.0']);
    assert.equal(r2.packages.find((p) => p.name === 'dup')?.scope, 'required');
  });

  test('no root is allowed (no package is the root); an empty list is empty', () => {
    const r2 = auditablePackages(JSON.stringify({ packages: [{ name: 'x', version: '1.0.0', source: 'crates.io' }] }), 'app');
    assert.deepEqual(purls(r2), ['pkg:cargo/x@1.0.0']);
    assert.equal(r2.packages[0]!.isRoot, undefined);
    assert.deepEqual(auditablePackages('{"packages":[]}', 'app').packages, []);
  });
});

describe('cargo-auditable: hostile and broken data is a FileParseError', () => {
  const bad: [string, unknown, RegExp][] = [
    ['not an object', [], /want an object with a "packages" array/],
    ['packages not an array', { packages: {} }, /"packages" array/],
    ['format not an integer', { format: 'one', packages: [] }, /"format"/],
    ['package not an object', { packages: ['x'] }, /packages\[0\] is not an object/],
    ['name missing', { packages: [{ version: '1', source: 'crates.io' }] }, /"name"/],
    ['version a number', { packages: [{ name: 'a', version: 1, source: 'crates.io' }] }, /"version"/],
    ['source missing', { packages: [{ name: 'a', version: '1' }] }, /"source"/],
    ['unknown kind', { packages: [{ name: 'a', version: '1', source: 'local', kind: 'dev' }] }, /"kind"/],
    ['root a string', { packages: [{ name: 'a', version: '1', source: 'local', root: 'yes' }] }, /"root"/],
    ['dependencies an object', { packages: [{ name: 'a', version: '1', source: 'local', dependencies: {} }] }, /"dependencies" must be an array/],
    ['index out of range', { packages: [{ name: 'a', version: '1', source: 'local', dependencies: [1] }] }, /dependency 1 is not the index/],
    ['negative index', { packages: [{ name: 'a', version: '1', source: 'local', dependencies: [-1] }] }, /dependency -1/],
    ['fractional index', { packages: [{ name: 'a', version: '1', source: 'local', dependencies: [0.5] }] }, /dependency 0.5/],
    ['string index', { packages: [{ name: 'a', version: '1', source: 'local', dependencies: ['0'] }] }, /dependency "0"/],
    [
      'two roots',
      {
        packages: [
          { name: 'a', version: '1', source: 'local', root: true },
          { name: 'b', version: '1', source: 'local', root: true },
        ],
      },
      /more than one root/,
    ],
    ['self cycle', { packages: [{ name: 'a', version: '1', source: 'local', dependencies: [0], root: true }] }, /cycle/],
    [
      'longer cycle',
      {
        packages: [
          { name: 'a', version: '1', source: 'local', dependencies: [1], root: true },
          { name: 'b', version: '1', source: 'crates.io', dependencies: [2] },
          { name: 'c', version: '1', source: 'crates.io', dependencies: [1] },
        ],
      },
      /cycle/,
    ],
  ];
  for (const [what, doc, re] of bad) {
    test(what, () => {
      assert.throws(() => auditablePackages(JSON.stringify(doc), 'app'), (e: unknown) => e instanceof FileParseError && re.test(e.message));
    });
  }

  test('not JSON, not zlib, not UTF-8', () => {
    assert.throws(() => auditablePackages('{"packages": [', 'app'), (e: unknown) => e instanceof FileParseError && /not JSON/.test(e.message));
    assert.throws(() => inflateAuditData(Buffer.from('plain text, not zlib'), MAX_AUDIT_JSON_BYTES), (e: unknown) => e instanceof FileParseError && /not zlib/.test(e.message));
    assert.throws(() => inflateAuditData(deflateSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), MAX_AUDIT_JSON_BYTES), (e: unknown) => e instanceof FileParseError && /not UTF-8/.test(e.message));
    // Truncated zlib stream.
    const z = zjson(SAMPLE);
    assert.throws(() => inflateAuditData(z.subarray(0, z.length - 10), MAX_AUDIT_JSON_BYTES), FileParseError);
  });

  test('a decompression bomb stops at the output cap', () => {
    // 16 MiB of JSON whitespace compresses to ~16 KiB.
    const bomb = deflateSync(Buffer.concat([Buffer.from('{"packages":['), Buffer.alloc(16 * 1024 * 1024, 0x20), Buffer.from(']}')]));
    assert.ok(bomb.length < 64 * 1024);
    assert.throws(() => inflateAuditData(bomb, MAX_AUDIT_JSON_BYTES), (e: unknown) => e instanceof VouchError && e.code === 'LIMIT_EXCEEDED');
  });
});

describe('cargo-auditable in synthetic ELF files', () => {
  for (const is64 of [true, false]) {
    for (const littleEndian of [true, false]) {
      test(`${is64 ? 'ELF64' : 'ELF32'} ${littleEndian ? 'LE' : 'BE'}`, async () => {
        const r = await catalog(auditableElf(zjson(SAMPLE), { is64, littleEndian }));
        assert.deepEqual(r.warnings, []);
        assert.deepEqual(purls(r), EXPECTED);
        assert.ok(r.packages.every((p) => p.foundBy === 'cargo-auditable-binary-cataloger' && p.locations[0]!.path === 'app'));
      });
    }
  }

  test('broken data in .dep-v0 is one warning naming the file', async () => {
    for (const section of [Buffer.from('not zlib'), zjson({ packages: [{ name: 'a', version: '1', source: 'local', dependencies: [7] }] }), zjson('nope')]) {
      const r = await catalog(auditableElf(section));
      assert.deepEqual(r.packages, []);
      assert.equal(r.warnings.length, 1);
      assert.equal(r.warnings[0]!.location.path, 'app');
      assert.match(r.warnings[0]!.message, /^cargo-auditable-binary-cataloger: \.dep-v0/);
    }
  });

  test('a .dep-v0 section past the end of the file is a warning, an ELF file without one is nothing', async () => {
    const dir = auditableElf(zjson(SAMPLE));
    const good = buildElf({ sections: [{ name: '.dep-v0', data: zjson(SAMPLE) }] });
    const shoff = Number(good.readBigUInt64LE(40));
    const broken = Buffer.from(good);
    broken.writeBigUInt64LE(0x7fffffffn, shoff + 64 + 24); // .dep-v0 sh_offset
    writeFileSync(join(dir, 'broken'), broken);
    writeFileSync(join(dir, 'plain'), buildElf({ sections: [{ name: '.data', data: Buffer.alloc(8), load: { vaddr: 0x2000, flags: PF_R | PF_W } }] }));
    const r = await catalog(dir);
    assert.deepEqual(purls(r), EXPECTED);
    assert.deepEqual(
      r.warnings.map((w) => w.location.path),
      ['broken'],
    );
  });
});

const base = systemElf();
describe('objcopy: .dep-v0 added to a real ELF executable', { skip: !base || !hasObjcopy() ? 'needs objcopy (binutils) and /bin/true' : false }, () => {
  test('both binary catalogers over a folder of real and auditable executables', async () => {
    const dir = fresh();
    objcopyAddSection(base!, join(dir, 'auditable'), '.dep-v0', zjson(SAMPLE));
    objcopyAddSection(base!, join(dir, 'bomb'), '.dep-v0', deflateSync(Buffer.alloc(16 * 1024 * 1024, 0x20)));
    objcopyAddSection(base!, join(dir, 'cyclic'), '.dep-v0', zjson({ packages: [{ name: 'a', version: '1.0.0', source: 'local', dependencies: [0] }] }));
    // objcopy's leftovers (`*.in`: copies of /bin/true, `*.section`: the raw sections) stay as decoys.
    const limits = resolveLimits();
    const resolver = await FsResolver.fromDirectory(dir, { limits });
    const logger = recorder();
    const found = [];
    for (const c of catalogers) found.push(await c.catalog({ resolver, limits, logger }));
    const [go, rust] = found;
    assert.deepEqual(go!.packages, []);
    assert.deepEqual(go!.warnings, []);
    assert.deepEqual(purls(rust!), EXPECTED);
    assert.ok(rust!.packages.every((p) => p.locations[0]!.path === 'auditable'));
    assert.deepEqual(
      rust!.warnings.map((w) => `${w.location.path}: ${/(cycle|more than \d+ bytes)/.exec(w.message)?.[1]}`).sort(),
      [`bomb: more than ${MAX_AUDIT_JSON_BYTES} bytes`, 'cyclic: cycle'],
    );
  });
});
