import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveLimits, type Logger } from '../../../../../src/core/index.ts';
import type { Package } from '../../../../../src/formats/model/index.ts';
import { goBinaryCataloger } from '../../../../../src/sbom/catalogers/binary/index.ts';
import { goPackages, goPurl, parseGoBinary, stdlibVersion } from '../../../../../src/sbom/catalogers/binary/go-binary.ts';
import { parseBuildInfo } from '../../../../../src/sbom/catalogers/binary/go-buildinfo.ts';
import { unquote, uvarint as readUvarint } from '../../../../../src/sbom/catalogers/binary/go-buildinfo.ts';
import { golangPurl, parseGoMod } from '../../../../../src/sbom/catalogers/golang/parse.ts';
import { FileParseError, mergePackages, type CatalogResult, type PackageInput, type ParseResult } from '../../../../../src/sbom/generic/index.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
import { parseFixture } from '../../../../helpers/catalog.ts';
import {
  buildElf,
  framed,
  GO_MAGIC,
  hasObjcopy,
  inlineBlob,
  objcopyAddSection,
  objcopyDumpSection,
  PF_R,
  PF_W,
  PF_X,
  pointerBlob,
  systemElf,
  uvarint,
} from './elf-builder.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vouch-gobin-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(tmp, String(n++));
  mkdirSync(d);
  return d;
};

/** A logger that keeps what it is given. */
function recorder(): Logger & { debugs: string[]; warns: string[] } {
  const debugs: string[] = [];
  const warns: string[] = [];
  return { debugs, warns, debug: (m) => debugs.push(m), info: () => {}, warn: (m) => warns.push(m) };
}

async function catalog(dir: string, logger: Logger = recorder()): Promise<CatalogResult> {
  const limits = resolveLimits();
  const resolver = await FsResolver.fromDirectory(dir, { limits });
  return goBinaryCataloger.catalog({ resolver, limits, logger });
}

/** Write `bytes` as the only file of a fresh folder and run the Go parser on it. */
async function parseBytes(bytes: Buffer, name = 'app'): Promise<ParseResult> {
  const dir = fresh();
  writeFileSync(join(dir, name), bytes);
  return parseFixture(parseGoBinary, join(dir, name));
}

const purls = (r: { packages: readonly { purl: string }[] }): string[] => r.packages.map((p) => p.purl).sort();
const root = (r: ParseResult) => r.packages.find((p) => p.isRoot === true);

const MODINFO = [
  'path\texample.com/app/cmd/app',
  'mod\texample.com/app\t(devel)\t',
  'dep\tgithub.com/pkg/errors\tv0.9.1\th1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=',
  'dep\tgolang.org/x/sys\tv0.0.0-20220520151302-bc2c85ada10a\th1:dGzPydgVsqGcTRVwiLJ1jVbufYwmzD3LfVPLKsKg+0k=',
  'dep\tgithub.com/old/mod\tv1.0.0\t',
  '=>\tgithub.com/new/mod\tv1.2.0\th1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=',
  'dep\tgithub.com/local/mod\tv0.0.0\t',
  '=>\t../local/mod\t(devel)\t',
  'build\t-compiler=gc',
  'build\t-ldflags="-s -w -X main.version=1.2.3"',
  'build\tCGO_ENABLED=0',
  'build\tGOARCH=amd64',
  'build\tGOOS=linux',
  'build\tvcs=git',
  'build\tvcs.revision=0123456789abcdef0123456789abcdef01234567',
  'build\tvcs.time=2024-01-02T03:04:05Z',
  '',
].join('\n');

const EXPECTED_PURLS = [
  'pkg:golang/example.com/app',
  'pkg:golang/github.com/local/mod',
  'pkg:golang/github.com/new/mod@v1.2.0',
  'pkg:golang/github.com/pkg/errors@v0.9.1',
  'pkg:golang/golang.org/x/sys@v0.0.0-20220520151302-bc2c85ada10a',
  'pkg:golang/stdlib@1.21.5',
].sort();

describe('parseBuildInfo (runtime/debug.ParseBuildInfo)', () => {
  test('path, mod, dep, => and build lines', () => {
    const bi = parseBuildInfo(MODINFO);
    assert.equal(bi.path, 'example.com/app/cmd/app');
    assert.deepEqual(bi.main, { path: 'example.com/app', version: '(devel)', sum: '' });
    assert.equal(bi.deps.length, 4);
    assert.deepEqual(bi.deps[2], {
      path: 'github.com/old/mod',
      version: 'v1.0.0',
      sum: '',
      replace: { path: 'github.com/new/mod', version: 'v1.2.0', sum: 'h1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=' },
    });
    assert.deepEqual(bi.settings.find((s) => s.key === '-ldflags'), { key: '-ldflags', value: '-s -w -X main.version=1.2.3' });
    assert.equal(bi.settings.length, 8);
  });

  test('the cases of Go FuzzParseBuildInfoRoundTrip', () => {
    assert.deepEqual(parseBuildInfo('path\trsc.io/fortune\nmod\trsc.io/fortune\tv1.0.0\n').main, { path: 'rsc.io/fortune', version: 'v1.0.0', sum: '' });
    // No final newline: the line is not read, as in Go.
    assert.equal(parseBuildInfo('path\tcmd/test2json').path, '');
    const gopath = parseBuildInfo('go\t1.18\npath\texample.com/m\nbuild\t-compiler=gc\n');
    assert.equal(gopath.main, undefined);
    assert.equal(gopath.path, 'example.com/m');
    assert.deepEqual(parseBuildInfo('build\tCRAZY_ENV="requires\\nescaping"\n').settings, [{ key: 'CRAZY_ENV', value: 'requires\nescaping' }]);
    assert.deepEqual(parseBuildInfo('build\t"quoted key"=`raw value`\n').settings, [{ key: 'quoted key', value: 'raw value' }]);
  });

  test('malformed lines are FileParseErrors naming the line', () => {
    const bad: [string, RegExp][] = [
      ['path\tx\ndep\ta\tv1\th1:x\textra\n', /line 2: expected 2 or 3 columns; got 4/],
      ['mod\tonly-one-column\n', /line 1: expected 2 or 3 columns; got 1/],
      ['=>\tx\tv1\th1:x\n', /replacement with no module on previous line/],
      ['dep\ta\tv1\t\n=>\tb\tv2\n', /expected 3 columns for replacement; got 2/],
      ['dep\ta\tv1\t\n=>\tb\tv2\t\n=>\tc\tv3\t\n', /line 3: replacement with no module/],
      ['build\t\n', /missing '='/],
      ['build\t=value\n', /missing key/],
      ['build\tkey\n', /missing '=' after key/],
      ['build\t"key\n', /invalid quoted key/],
      ['build\t"key"\n', /missing '=' after quoted key/],
      ['build\t"key"x\n', /unexpected character after quoted key/],
      ['build\tkey=has space\n', /must be quoted/],
      ['build\tkey="bad \\q escape"\n', /invalid quoted value/],
    ];
    for (const [text, re] of bad) assert.throws(() => parseBuildInfo(text), (e: unknown) => e instanceof FileParseError && re.test(e.message), text);
  });

  test('unquote follows strconv.Unquote', () => {
    assert.equal(unquote('"a\\tb\\x41\\101\\u00e9\\U0001F600\\\\\\""'), 'a\tbAAé😀\\"');
    assert.equal(unquote('`raw\\n`'), 'raw\\n');
    for (const bad of ['"unterminated', '"\\q"', '"\\x4"', '"\\400"', '"\\uD800"', '`a`b`', '"a"b"', 'x']) assert.equal(unquote(bad), undefined, bad);
  });

  test('uvarint refuses overlong and unsafe values', () => {
    assert.deepEqual(readUvarint(uvarint(300), 0), { value: 300, length: 2 });
    assert.equal(readUvarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0), undefined);
    assert.equal(readUvarint(Buffer.alloc(11, 0x80), 0), undefined);
    assert.equal(readUvarint(Buffer.from([0x80]), 0), undefined);
  });
});

describe('goPackages: what is reported', () => {
  const r = goPackages(parseBuildInfo(MODINFO), 'go1.21.5', 'app');
  const by = new Map(r.packages.map((p) => [p.purl, p]));

  test('main module as root ((devel) → no version), every dep after replacement, stdlib', () => {
    assert.deepEqual(purls(r), EXPECTED_PURLS);
    const main = root(r)!;
    assert.equal(main.name, 'example.com/app');
    assert.equal(main.version, '');
    assert.equal(main.metadata?.goToolchain, 'go1.21.5');
    assert.equal(main.metadata?.mainPackage, 'example.com/app/cmd/app');
    assert.equal(main.metadata?.['build.vcs.revision'], '0123456789abcdef0123456789abcdef01234567');
    assert.equal(main.metadata?.['build.-ldflags'], '-s -w -X main.version=1.2.3');
  });

  test('h1 sums in metadata, replacements recorded', () => {
    assert.equal(by.get('pkg:golang/github.com/pkg/errors@v0.9.1')?.metadata?.h1, 'h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=');
    assert.deepEqual(by.get('pkg:golang/github.com/new/mod@v1.2.0')?.metadata, {
      replaces: 'github.com/old/mod@v1.0.0',
      h1: 'h1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=',
    });
    assert.deepEqual(by.get('pkg:golang/github.com/local/mod')?.metadata, { replaces: 'github.com/local/mod@v0.0.0', localPath: '../local/mod' });
    assert.ok(r.packages.every((p) => p.hashes === undefined));
  });

  test('graph: main → every dep, main → stdlib', () => {
    const edges = (r.relationships ?? []).map((e) => `${e.from} -> ${e.to}`).sort();
    assert.deepEqual(
      edges,
      EXPECTED_PURLS.filter((p) => p !== 'pkg:golang/example.com/app').map((p) => `pkg:golang/example.com/app -> ${p}`),
    );
  });

  test('a released main module keeps its version; GOPATH builds root at the path; command-line-arguments has no root', () => {
    const released = goPackages(parseBuildInfo('path\tgolang.org/x/tools/cmd/stringer\nmod\tgolang.org/x/tools\tv0.1.0\th1:x=\n'), 'go1.17', 'a');
    assert.equal(root(released)?.purl, 'pkg:golang/golang.org/x/tools@v0.1.0');
    assert.equal(root(released)?.metadata?.h1, 'h1:x=');
    const gopath = goPackages(parseBuildInfo('path\tgithub.com/containers/skopeo/cmd/skopeo\nbuild\t-compiler=gc\n'), 'go1.19.8', 'a');
    assert.equal(root(gopath)?.purl, 'pkg:golang/github.com/containers/skopeo/cmd/skopeo');
    assert.equal(root(gopath)?.metadata?.mainModule, 'from path');
    const cla = goPackages(parseBuildInfo('path\tcommand-line-arguments\ndep\tanthoscli\t(devel)\t\n'), 'go1.24.2', 'a');
    assert.equal(root(cla), undefined);
    assert.deepEqual(purls(cla), ['pkg:golang/anthoscli', 'pkg:golang/stdlib@1.24.2']);
    assert.deepEqual(cla.relationships, []);
  });

  test('stdlib version: go prefix, experiments and vendor suffixes dropped; none for devel toolchains', () => {
    const cases: [string, string | undefined][] = [
      ['go1.19.8', '1.19.8'],
      ['go1.22.0 X:boringcrypto', '1.22.0'],
      ['go1.21.3-corp', '1.21.3'],
      ['go1.21rc2', '1.21rc2'],
      ['go1.20', '1.20'],
      ['devel go1.23-abcdef Tue Jan 1 00:00:00 2024 +0000', undefined],
      ['weird', undefined],
    ];
    for (const [v, want] of cases) assert.equal(stdlibVersion(v), want, v);
    assert.ok(!purls(goPackages(parseBuildInfo(''), 'devel go1.23-abc', 'a')).some((p) => p.includes('stdlib')));
  });

  test('purls are the go.mod cataloger’s, so a binary and its source tree merge', async () => {
    for (const [p, v] of [
      ['github.com/pkg/errors', 'v0.9.1'],
      ['example.com/app', ''],
      ['gopkg.in/yaml.v3', 'v3.0.1'],
      ['stdlib', '1.21.5'],
    ] as const) {
      assert.equal(goPurl(p, v), golangPurl(p, v));
    }
    const dir = fresh();
    writeFileSync(join(dir, 'go.mod'), 'module example.com/app\n\ngo 1.21.5\n\nrequire github.com/pkg/errors v0.9.1\n');
    const source = await parseFixture(parseGoMod, join(dir, 'go.mod'));
    const asPackage = (p: PackageInput): Package => ({ ...p, licenses: [], hashes: [], locations: [{ path: 'x' }], scope: 'required', foundBy: 't' });
    const both = mergePackages([...source.packages, ...r.packages].map(asPackage));
    const sourcePurls = purls(source);
    for (const p of sourcePurls) assert.ok(r.packages.some((b) => b.purl === p), `binary lacks ${p}`);
    assert.equal(both.length, new Set([...sourcePurls, ...purls(r)]).size);
    assert.equal(both.find((p) => p.purl === 'pkg:golang/example.com/app')?.isRoot, true);
  });
});

describe('build info blobs in synthetic ELF files', () => {
  const mod = framed(MODINFO);

  for (const is64 of [true, false]) {
    for (const littleEndian of [true, false]) {
      const cls = `${is64 ? 'ELF64' : 'ELF32'} ${littleEndian ? 'LE' : 'BE'}`;
      test(`${cls}: inline format in .go.buildinfo`, async () => {
        const elf = buildElf({
          is64,
          littleEndian,
          sections: [
            { name: '.text', data: Buffer.alloc(64, 0x90), load: { vaddr: 0x401000, flags: PF_R | PF_X } },
            { name: '.go.buildinfo', data: inlineBlob('go1.21.5', mod, { ptrSize: is64 ? 8 : 4, bigEndian: !littleEndian }), load: { vaddr: 0x500000, flags: PF_R | PF_W } },
          ],
        });
        assert.deepEqual(purls(await parseBytes(elf)), EXPECTED_PURLS);
      });
      test(`${cls}: pointer format (Go 1.13–1.17) through PT_LOAD segments`, async () => {
        const ptrSize = is64 ? 8 : 4;
        const vaddr = 0x6a0000;
        const elf = buildElf({
          is64,
          littleEndian,
          sections: [{ name: '.go.buildinfo', data: pointerBlob(vaddr, 'go1.16.15', mod, { ptrSize, bigEndian: !littleEndian }), load: { vaddr, flags: PF_R | PF_W } }],
        });
        const r = await parseBytes(elf);
        assert.deepEqual(purls(r), EXPECTED_PURLS.map((p) => p.replace('stdlib@1.21.5', 'stdlib@1.16.15')).sort());
      });
    }
  }

  test('no section table: the first writable, non-executable segment is searched', async () => {
    const data = Buffer.concat([Buffer.alloc(48), inlineBlob('go1.20.1', mod)]);
    const elf = buildElf({
      sectionTable: false,
      sections: [
        { name: '.text', data: Buffer.alloc(32, 0x90), load: { vaddr: 0x401000, flags: PF_R | PF_X } },
        { name: '.data', data, load: { vaddr: 0x600000, flags: PF_R | PF_W } },
      ],
    });
    assert.ok(purls(await parseBytes(elf)).includes('pkg:golang/stdlib@1.20.1'));
  });

  test('the magic must sit at a 16-byte-aligned address: a misaligned one is skipped', async () => {
    const misaligned = Buffer.concat([Buffer.alloc(3), GO_MAGIC, Buffer.alloc(15)]);
    const data = Buffer.concat([misaligned, Buffer.alloc(32 - misaligned.length), inlineBlob('go1.20.2', framed('path\tx/y\n'))]);
    const elf = buildElf({ sections: [{ name: '.go.buildinfo', data, load: { vaddr: 0x700000, flags: PF_R | PF_W } }] });
    assert.deepEqual(purls(await parseBytes(elf)), ['pkg:golang/stdlib@1.20.2', 'pkg:golang/x/y']);
  });

  test('with a section table but neither .go.buildinfo nor Go’s sections, the data segment is not read', async () => {
    const data = inlineBlob('go1.20.3', mod);
    const plain = buildElf({ sections: [{ name: '.data', data, load: { vaddr: 0x600000, flags: PF_R | PF_W } }] });
    assert.deepEqual((await parseBytes(plain)).packages, []);
    // An older Go binary (its .gopclntab, no .go.buildinfo) is searched as Go does.
    const older = buildElf({
      sections: [
        { name: '.gopclntab', data: Buffer.alloc(16) },
        { name: '.data', data, load: { vaddr: 0x600000, flags: PF_R | PF_W } },
      ],
    });
    assert.ok(purls(await parseBytes(older)).includes('pkg:golang/stdlib@1.20.3'));
  });

  test('module info without its framing is ignored (only the toolchain is known)', async () => {
    const elf = buildElf({ sections: [{ name: '.go.buildinfo', data: inlineBlob('go1.20.4', Buffer.from(MODINFO)) }] });
    assert.deepEqual(purls(await parseBytes(elf)), ['pkg:golang/stdlib@1.20.4']);
  });

  test('hostile blobs are not Go binaries: no packages, no warning', async () => {
    const header = inlineBlob('', Buffer.alloc(0)).subarray(0, 32);
    const absurd = Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]);
    const pastEnd = Buffer.concat([header, uvarint(1_000_000), Buffer.from('go1.20')]);
    const secondPastEnd = Buffer.concat([header, uvarint(6), Buffer.from('go1.20'), uvarint(4096), Buffer.alloc(10)]);
    const badPtrSize = Buffer.from(pointerBlob(0x1000, 'go1.16', mod, { ptrSize: 8, bigEndian: false }));
    badPtrSize[14] = 3;
    const unmapped = pointerBlob(0x1000, 'go1.16', mod, { ptrSize: 8, bigEndian: false }); // no PT_LOAD maps 0x1000
    const hugeLen = Buffer.from(pointerBlob(0x1000, 'go1.16', mod, { ptrSize: 8, bigEndian: false }));
    hugeLen.writeBigUInt64LE(0xffffffffffffn, 32 + 8);
    const cases: [string, Buffer, boolean][] = [
      ['truncated header', Buffer.concat([GO_MAGIC, Buffer.alloc(8)]), false],
      ['absurd varint', absurd, false],
      ['length past the end', pastEnd, false],
      ['module info past the end', secondPastEnd, false],
      ['empty version', Buffer.concat([header, uvarint(0), uvarint(0)]), false],
      ['pointer size 3', badPtrSize, true],
      ['pointers to unmapped addresses', unmapped, false],
      ['a 2^48-byte string', hugeLen, true],
    ];
    for (const [what, data, mapped] of cases) {
      const elf = buildElf({ sections: [{ name: '.go.buildinfo', data, ...(mapped ? { load: { vaddr: 0x1000, flags: PF_R | PF_W } } : {}) }] });
      const r = await parseBytes(elf);
      assert.deepEqual(r.packages, [], what);
      assert.deepEqual(r.warnings ?? [], [], what);
    }
  });

  test('malformed ELF files are skipped with a debug line, never a warning', async () => {
    const good = buildElf({ sections: [{ name: '.go.buildinfo', data: inlineBlob('go1.20.5', mod) }] });
    const dir = fresh();
    const truncated = good.subarray(0, 40);
    const tableOff = Buffer.from(good);
    tableOff.writeBigUInt64LE(0xffffffffn, 40); // e_shoff far past the end
    const badClass = Buffer.from(good);
    badClass[4] = 9;
    const badStrndx = Buffer.from(good);
    badStrndx.writeUInt16LE(200, 62);
    const badEntsize = Buffer.from(good);
    badEntsize.writeUInt16LE(8, 58);
    const hugeEntsize = Buffer.from(good);
    hugeEntsize.writeUInt16LE(0xffff, 58); // 65535 × 65535 bytes of section table, were it believed
    hugeEntsize.writeUInt16LE(0xfffe, 60);
    const sectionPastEnd = Buffer.from(good);
    // first real section header (index 1): sh_offset far past the end of the file
    const shoff = Number(good.readBigUInt64LE(40));
    sectionPastEnd.writeBigUInt64LE(0x7fffffffn, shoff + 64 + 24);
    for (const [name, bytes] of Object.entries({ truncated, tableOff, badClass, badStrndx, badEntsize, hugeEntsize, sectionPastEnd, magicOnly: Buffer.from('\x7fELF') })) {
      writeFileSync(join(dir, name), bytes);
    }
    writeFileSync(join(dir, 'notes'), 'plain text\n');
    writeFileSync(join(dir, 'empty'), '');
    const logger = recorder();
    const r = await catalog(dir, logger);
    assert.deepEqual(r.packages, []);
    assert.deepEqual(r.warnings, []);
    assert.ok(logger.debugs.length >= 7, logger.debugs.join('\n'));
    assert.match(logger.debugs.join('\n'), /section header entry size 65535 is not in 64\.\.256/);
  });

  test('a Go binary whose module info is malformed gives one warning naming the file', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'broken'), buildElf({ sections: [{ name: '.go.buildinfo', data: inlineBlob('go1.20.6', framed('dep\tonly\n')) }] }));
    const r = await catalog(dir);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.location.path, 'broken');
    assert.match(r.warnings[0]!.message, /go-module-binary-cataloger: could not parse Go build info: line 1/);
  });

  test('without readRange the resolver’s whole-file read is used, within the file limit', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'app'), buildElf({ sections: [{ name: '.go.buildinfo', data: inlineBlob('go1.21.5', mod) }] }));
    const limits = resolveLimits();
    const fs = await FsResolver.fromDirectory(dir, { limits });
    const plain = { files: () => fs.files(), get: (p: string) => fs.get(p), read: (p: string, m?: number) => fs.read(p, m) };
    const r = await goBinaryCataloger.catalog({ resolver: plain, limits, logger: recorder() });
    assert.deepEqual(purls(r), EXPECTED_PURLS);
    // Over the limit: skipped quietly (a debug line), as any unreadable candidate.
    const small = resolveLimits({ maxFileBytes: 100 });
    const logger = recorder();
    const r2 = await goBinaryCataloger.catalog({ resolver: plain, limits: small, logger });
    assert.deepEqual(r2.packages, []);
    assert.deepEqual(r2.warnings, []);
    assert.match(logger.debugs.join('\n'), /over the 100-byte limit/);
  });
});

const base = systemElf();
const objcopy = hasObjcopy();

describe('objcopy: .go.buildinfo added to a real ELF executable', { skip: !base || !objcopy ? 'needs objcopy (binutils) and /bin/true' : false }, () => {
  test('the copy of /bin/true alone has no Go packages; with the section it has them', async () => {
    const dir = fresh();
    copyFileSync(base!, join(dir, 'true'));
    objcopyAddSection(base!, join(dir, 'go-true'), '.go.buildinfo', inlineBlob('go1.21.5', framed(MODINFO)));
    rmSync(join(dir, 'go-true.in'));
    rmSync(join(dir, 'go-true.section'));
    const r = await catalog(dir);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(purls(r), EXPECTED_PURLS);
    assert.ok(r.packages.every((p) => p.locations[0]!.path === 'go-true' && p.foundBy === 'go-module-binary-cataloger'));
  });

  test('hostile sections on a real executable: no packages, no warnings', async () => {
    const dir = fresh();
    const header = inlineBlob('', Buffer.alloc(0)).subarray(0, 32);
    const blobs = {
      truncated: Buffer.concat([GO_MAGIC, Buffer.alloc(4)]),
      absurd: Buffer.concat([header, Buffer.alloc(10, 0xff)]),
      pastEnd: Buffer.concat([header, uvarint(0x7fffffff), Buffer.from('go1')]),
    };
    for (const [name, data] of Object.entries(blobs)) {
      objcopyAddSection(base!, join(dir, name), '.go.buildinfo', data);
      rmSync(join(dir, `${name}.in`));
      rmSync(join(dir, `${name}.section`));
    }
    const r = await catalog(dir);
    assert.deepEqual(r.packages, []);
    assert.deepEqual(r.warnings, []);
  });
});

/**
 * Debian's Go packages on this machine, built with Go 1.19 in GOPATH mode: their build info
 * has `path` and `build` lines, no `mod` or `dep`. `go` is not installed here, so the facts
 * are read independently from objcopy's dump of the section (the strings `go version -m`
 * would print): the toolchain string and the `path`, `mod` and `dep` lines.
 */
const REAL = ['/usr/bin/skopeo', '/usr/bin/umoci', '/usr/bin/docker-registry'];
describe('real Go binaries (Debian skopeo, umoci, docker-registry)', () => {
  for (const bin of REAL) {
    const skip = !existsSync(bin) ? `${bin} is not installed (Debian package ${bin.split('/').pop()})` : !objcopy ? 'needs objcopy (binutils)' : false;
    test(bin, { skip }, async () => {
      const dump = objcopyDumpSection(bin, '.go.buildinfo', tmp);
      assert.ok(dump, 'objcopy found no .go.buildinfo');
      const text = dump.toString('latin1');
      const goVersion = /go1\.\d+(?:\.\d+)?/.exec(text)?.[0];
      const path = /path\t([^\n]+)\n/.exec(text)?.[1];
      const mod = /\nmod\t([^\t\n]+)\t([^\t\n]*)/.exec(text);
      const deps = [...text.matchAll(/\ndep\t([^\t\n]+)\t([^\t\n]+)/g)].map((m) => `${m[1]}@${m[2]}`);
      assert.ok(goVersion && path, 'the dump has a toolchain and a path');

      const limits = resolveLimits();
      const resolver = await FsResolver.fromFile(bin, { limits });
      const path0 = resolver.files()[0]!.path;
      const r = await parseGoBinary(path0, { resolver, limits, logger: recorder(), readText: () => Promise.reject(new Error('unused')) });
      assert.deepEqual(r.warnings ?? [], []);
      const main = root(r)!;
      assert.equal(main.name, mod ? mod[1] : path);
      assert.equal(main.metadata?.goToolchain, goVersion);
      assert.equal(main.metadata?.mainPackage, path);
      const std = r.packages.find((p) => p.name === 'stdlib');
      assert.equal(std?.version, goVersion.slice(2));
      const depKeys = r.packages.filter((p) => !p.isRoot && p.name !== 'stdlib').map((p) => `${p.name}@${p.version}`);
      assert.equal(depKeys.length, deps.length);
      // The build settings are the dump's `build` lines.
      const settings = [...text.matchAll(/\nbuild\t([^=\n]+)=([^\n]*)/g)].map((m) => [`build.${m[1]}`, m[2]]);
      for (const [k, v] of settings) assert.equal(main.metadata?.[k!], v, k);
    });
  }
});
