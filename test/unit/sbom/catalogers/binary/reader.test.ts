import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveLimits, VouchError } from '../../../../../src/core/index.ts';
import { candidateView, mayBeBinary } from '../../../../../src/sbom/catalogers/binary/index.ts';
import { byteSource } from '../../../../../src/sbom/catalogers/binary/reader.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vouch-binreader-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
writeFileSync(join(tmp, 'data'), bytes);
mkdirSync(join(tmp, 'sub'));
symlinkSync(join(tmp, 'data'), join(tmp, 'sub', 'link'));

describe('FsResolver.readRange', () => {
  test('reads the asked range, fewer bytes at the end, none past it', async () => {
    const r = await FsResolver.fromDirectory(tmp, { limits: resolveLimits() });
    assert.deepEqual(await r.readRange('data', 10, 20), bytes.subarray(10, 30));
    assert.deepEqual(await r.readRange('data', 990, 64), bytes.subarray(990));
    assert.equal((await r.readRange('data', 5000, 64)).length, 0);
    assert.equal((await r.readRange('data', 0, 0)).length, 0);
    assert.deepEqual(await r.readRange('sub/link', 0, 4), bytes.subarray(0, 4));
  });

  test('refuses paths outside the source, bad ranges and reads over the file limit', async () => {
    const r = await FsResolver.fromDirectory(tmp, { limits: resolveLimits({ maxFileBytes: 100 }) });
    await assert.rejects(r.readRange('missing', 0, 4), (e: unknown) => e instanceof VouchError && e.code === 'IO_ERROR');
    await assert.rejects(r.readRange('../etc/passwd', 0, 4), (e: unknown) => e instanceof VouchError && e.code === 'IO_ERROR');
    await assert.rejects(r.readRange('data', -1, 4), (e: unknown) => e instanceof VouchError && e.code === 'IO_ERROR');
    await assert.rejects(r.readRange('data', 0, 1.5), (e: unknown) => e instanceof VouchError && e.code === 'IO_ERROR');
    await assert.rejects(r.readRange('data', 0, 101), (e: unknown) => e instanceof VouchError && e.code === 'LIMIT_EXCEEDED');
    // A range of a file larger than the limit is fine: the limit bounds what is read.
    assert.equal((await r.readRange('data', 900, 100)).length, 100);
  });
});

describe('byteSource', () => {
  test('one file costs at most maxFileBytes in all, whatever the number of reads', async () => {
    const limits = resolveLimits({ maxFileBytes: 100 });
    const r = await FsResolver.fromDirectory(tmp, { limits });
    const src = byteSource(r, 'data', limits);
    assert.equal((await src.read(0, 60)).length, 60);
    await assert.rejects(src.read(60, 60), (e: unknown) => e instanceof VouchError && e.code === 'LIMIT_EXCEEDED');
    assert.equal((await src.read(-5, 10)).length, 0);
  });

  test('without readRange: one whole-file read, sliced', async () => {
    const limits = resolveLimits();
    const fs = await FsResolver.fromDirectory(tmp, { limits });
    let reads = 0;
    const plain = {
      files: () => fs.files(),
      get: (p: string) => fs.get(p),
      read: (p: string, m?: number) => {
        reads++;
        return fs.read(p, m);
      },
    };
    const src = byteSource(plain, 'data', limits);
    assert.deepEqual(await src.read(0, 4), bytes.subarray(0, 4));
    assert.deepEqual(await src.read(996, 100), bytes.subarray(996));
    assert.equal((await src.read(2000, 4)).length, 0);
    assert.equal(reads, 1);
  });
});

describe('candidates', () => {
  test('mayBeBinary keeps executables and libraries, drops documents, sources and data folders', () => {
    const keep = ['usr/bin/skopeo', 'app/server', 'usr/lib/x86_64-linux-gnu/libc.so.6', 'lib/libfoo.so', 'node_modules/@esbuild/linux-x64/bin/esbuild', 'ko-app/hello', 'opt/tool.bin', 'x.exe'];
    const drop = [
      'README.md',
      'node_modules/a/index.js',
      'node_modules/a/LICENSE',
      'src/LICENSE-MIT',
      'Makefile',
      '.eslintrc',
      'usr/share/zoneinfo/Europe/Paris',
      'usr/share/terminfo/x/xterm',
      'usr/share/doc/bash/copyright',
      'usr/include/stdio',
      'var/lib/dpkg/info/bash.list',
      'target/release/deps/foo.rlib',
      'build/foo.o',
      'photo.JPG',
      'go.sum',
    ];
    for (const p of keep) assert.ok(mayBeBinary(p), p);
    for (const p of drop) assert.ok(!mayBeBinary(p), p);
  });

  test('candidateView: the kept files, with a name index, shared per resolver', async () => {
    const dir = join(tmp, 'view');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    for (const f of ['bin/tool', 'bin/tool.sh', 'README.md', 'lib.so']) writeFileSync(join(dir, f), 'x');
    const r = await FsResolver.fromDirectory(dir, { limits: resolveLimits() });
    const view = candidateView(r);
    assert.equal(candidateView(r), view);
    assert.deepEqual(
      view.files().map((f) => f.path),
      ['bin/tool', 'lib.so'],
    );
    assert.deepEqual(view.byName?.().get('tool'), ['bin/tool']);
    assert.equal(view.byName?.().has('README.md'), false);
    assert.deepEqual(await view.readRange!('bin/tool', 0, 10), Buffer.from('x'));
  });

  test('where the source records modes (an image), only executables are candidates', () => {
    const refs = [
      { path: 'usr/bin/app', mode: 0o755 },
      { path: 'usr/bin/not-executable', mode: 0o644 },
      { path: 'usr/lib/libssl.so.3', mode: 0o644 },
      { path: 'usr/lib/libgo.so', mode: 0o600 },
      { path: 'opt/only-group-exec', mode: 0o010 },
    ];
    const image = { files: () => refs, get: (p: string) => refs.find((r) => r.path === p), read: () => Promise.resolve(Buffer.alloc(0)) };
    assert.deepEqual(
      candidateView(image)
        .files()
        .map((f) => f.path),
      ['usr/bin/app', 'opt/only-group-exec'],
    );
  });
});
