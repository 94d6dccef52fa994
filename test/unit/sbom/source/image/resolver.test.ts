import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VouchError } from '../../../../../src/core/index.ts';
import { LAYER_PATH_PREFIX, type ImageResolver } from '../../../../../src/sbom/source/image/resolver.ts';
import { readText } from '../../../../../src/sbom/source/resolver.ts';
import { FakeSource, compress, fakeImage, makeTar, openResolver, tmpParent, zerosLayer, type Compressor } from './resolver-helpers.ts';

const paths = (r: ImageResolver): string[] => r.files().map((f) => f.path);
const text = async (r: ImageResolver, p: string): Promise<string> => readText(r, p);
const code = (c: string) => (err: unknown) => err instanceof VouchError && err.code === c;

/** A small Debian-like image: base layer, an update, and a layer that removes things. */
async function debianLike(how: Compressor = 'gzip'): Promise<FakeSource> {
  return fakeImage(
    [
      [
        { name: 'etc', type: 'directory' },
        { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
        { name: 'usr/lib/os-release', body: 'ID=debian\nVERSION_ID="12"\n' },
        { name: 'var/lib/dpkg/status', body: 'Package: a\n\nPackage: b\n' },
        { name: 'tmp/cache/x', body: 'x' },
        { name: 'tmp/cache/y', body: 'y' },
        { name: 'opt/old', body: 'old' },
      ],
      [
        { name: 'var/lib/dpkg/status', body: 'Package: a\n\nPackage: b\n\nPackage: c\n' },
        { name: 'usr/bin/tool', body: '#!/bin/sh\n', mode: 0o755 },
      ],
      [
        { name: 'tmp/.wh.cache', body: '' },
        { name: 'opt/.wh..wh..opq', body: '' },
        { name: 'opt/new', body: 'new' },
        { name: 'var/lib/dpkg/status', body: 'Package: a\n' },
      ],
    ],
    how,
  );
}

describe('ImageResolver: squashed view', () => {
  for (const how of ['gzip', 'zstd', 'none'] as const) {
    it(`applies whiteouts and reads files (${how} layers)`, async () => {
      const src = await debianLike(how);
      const r = await openResolver(src);
      try {
        assert.deepEqual(paths(r), ['etc/os-release', 'opt/new', 'usr/bin/tool', 'usr/lib/os-release', 'var/lib/dpkg/status']);
        assert.equal(await text(r, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
        assert.equal(await text(r, 'var/lib/dpkg/status'), 'Package: a\n');
        assert.equal(await text(r, 'opt/new'), 'new');
        await assert.rejects(r.read('tmp/cache/x'), code('IO_ERROR'));
        await assert.rejects(r.read('opt/old'), code('IO_ERROR'));
        const d = src.description.layers.map((l) => l.digest);
        assert.equal(r.layerOf('var/lib/dpkg/status'), d[2]);
        assert.equal(r.layerOf('usr/bin/tool'), d[1]);
        assert.equal(r.layerOf('etc/os-release'), d[0]); // the symlink's target's layer
        assert.equal(r.layerOf('tmp/cache/x'), undefined);
        assert.equal(r.get('usr/bin/tool')?.mode, 0o755);
        assert.equal(r.get('usr/bin/tool')?.size, 10);
        assert.equal(r.get('tmp/cache/y'), undefined);
      } finally {
        await r.close();
      }
    });
  }

  it('byName indexes the listed files by file name', async () => {
    const r = await openResolver(await fakeImage([['a/package.json', 'b/package.json', 'c/other']]));
    assert.deepEqual(r.byName().get('package.json'), ['a/package.json', 'b/package.json']);
    assert.deepEqual(r.byName().get('other'), ['c/other']);
    assert.equal(r.byName().get('a'), undefined);
    await r.close();
  });

  it('resolves paths through directory symlinks, but lists each file once', async () => {
    const r = await openResolver(
      await fakeImage([
        [
          { name: 'usr/lib/x86_64-linux-gnu/libz.so.1', body: 'elf' },
          { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
          { name: 'abs', type: 'symlink', linkname: '/usr/lib/x86_64-linux-gnu/libz.so.1' },
        ],
      ]),
    );
    assert.deepEqual(paths(r), ['abs', 'usr/lib/x86_64-linux-gnu/libz.so.1']);
    assert.equal(r.get('lib/x86_64-linux-gnu/libz.so.1')?.path, 'lib/x86_64-linux-gnu/libz.so.1');
    assert.equal(await text(r, 'lib/x86_64-linux-gnu/libz.so.1'), 'elf');
    assert.equal(await text(r, 'abs'), 'elf');
    assert.equal(r.get('lib/../../etc/passwd'), undefined);
    await r.close();
  });

  it('serves hardlinks with their target’s content', async () => {
    const r = await openResolver(
      await fakeImage([
        [{ name: 'usr/bin/perl5.36', body: 'perl', mode: 0o755 }],
        [
          { name: 'usr/bin/perl', type: 'link', linkname: 'usr/bin/perl5.36' },
          { name: 'evil', type: 'link', linkname: '../../etc/shadow' },
        ],
      ]),
    );
    assert.deepEqual(paths(r), ['usr/bin/perl', 'usr/bin/perl5.36']);
    assert.equal(await text(r, 'usr/bin/perl'), 'perl');
    assert.equal(r.get('usr/bin/perl')?.mode, 0o755);
    assert.equal(r.get('evil'), undefined);
    assert.ok(r.warnings.some((w) => w.location.path === 'evil' && /outside the root/.test(w.message)));
    await r.close();
  });

  it('a zero-layer image and empty layers have no files', async () => {
    const none = await openResolver(new FakeSource([]));
    assert.deepEqual(paths(none), []);
    await none.close();
    const empty = await openResolver(new FakeSource([Buffer.alloc(0), compress(await makeTar([]), 'gzip')]));
    assert.deepEqual(paths(empty), []);
    await empty.close();
  });

  it('reports a file over the limit without extracting it', async () => {
    const parent = await tmpParent();
    try {
      const r = await openResolver(await fakeImage([[{ name: 'big', body: Buffer.alloc(5000) }]]), 'squashed', { maxFileBytes: 4096 }, parent.dir);
      await assert.rejects(r.read('big'), code('LIMIT_EXCEEDED'));
      assert.equal((await r.read('big', 10_000)).length, 5000);
      await r.close();
      assert.deepEqual(await parent.entries(), []);
    } finally {
      await parent.remove();
    }
  });
});

describe('ImageResolver: all-layers view', () => {
  it('lists the squashed files at their paths and every other copy under .layers/<i>/', async () => {
    const src = await debianLike();
    const r = await openResolver(src, 'all-layers');
    try {
      assert.deepEqual(paths(r), [
        'etc/os-release',
        'opt/new',
        'usr/bin/tool',
        'usr/lib/os-release',
        'var/lib/dpkg/status',
        '.layers/0/opt/old',
        '.layers/0/tmp/cache/x',
        '.layers/0/tmp/cache/y',
        '.layers/0/var/lib/dpkg/status',
        '.layers/1/var/lib/dpkg/status',
      ]);
      assert.equal(await text(r, 'var/lib/dpkg/status'), 'Package: a\n');
      assert.equal(await text(r, '.layers/0/var/lib/dpkg/status'), 'Package: a\n\nPackage: b\n');
      assert.equal(await text(r, '.layers/1/var/lib/dpkg/status'), 'Package: a\n\nPackage: b\n\nPackage: c\n');
      assert.equal(await text(r, '.layers/0/tmp/cache/x'), 'x');
      // A layer path reads the filesystem as it was after that layer: siblings from lower layers too.
      assert.equal(await text(r, '.layers/1/usr/lib/os-release'), 'ID=debian\nVERSION_ID="12"\n');
      assert.equal(await text(r, '.layers/1/etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
      assert.equal(r.get('.layers/1/tmp/cache/x')?.path, '.layers/1/tmp/cache/x');
      assert.equal(r.get('.layers/2/tmp/cache/x'), undefined);
      assert.equal(r.get('.layers/0/usr/bin/tool'), undefined);
      assert.equal(r.get('.layers/3/opt/new'), undefined);
      assert.equal(r.get('.layers/01/opt/old'), undefined);
      const d = src.description.layers.map((l) => l.digest);
      assert.equal(r.layerOf('.layers/1/var/lib/dpkg/status'), d[1]);
      assert.deepEqual(r.locate('.layers/0/tmp/cache/x'), { path: 'tmp/cache/x', layer: d[0], layerIndex: 0 });
      assert.deepEqual(r.locate('opt/new'), { path: 'opt/new', layer: d[2], layerIndex: 2 });
      assert.deepEqual(r.byName().get('status'), ['var/lib/dpkg/status', '.layers/0/var/lib/dpkg/status', '.layers/1/var/lib/dpkg/status']);
    } finally {
      await r.close();
    }
  });

  it('an image’s own .layers folder is addressed through the top layer', async () => {
    const r = await openResolver(await fakeImage([['.layers/0/x'], ['y']]), 'all-layers');
    assert.deepEqual(paths(r), ['.layers/1/.layers/0/x', 'y']);
    assert.equal(await text(r, '.layers/1/.layers/0/x'), 'content of .layers/0/x');
    assert.equal(r.get('.layers/0/x'), undefined); // layer 0 has no file x
    await r.close();
    const squashed = await openResolver(await fakeImage([['.layers/0/x'], ['y']]));
    assert.deepEqual(paths(squashed), ['.layers/0/x', 'y']);
    await squashed.close();
  });
});

describe('ImageResolver: extraction', () => {
  it('prefetch extracts in one pass per layer; a miss adds a pass; later reads need none', async () => {
    const parent = await tmpParent();
    const src = await debianLike();
    const r = await openResolver(src, 'squashed', {}, parent.dir);
    try {
      assert.deepEqual(src.opens, [1, 1, 1]); // the index pass
      assert.deepEqual(await parent.entries(), []); // nothing written before a read
      await r.prefetch(['etc/os-release', 'var/lib/dpkg/status', 'opt/new', 'no/such/file']);
      assert.deepEqual(src.opens, [2, 1, 2]);
      const [tmp] = await readdir(parent.dir);
      assert.match(tmp!, /^vouch-image-/);
      assert.equal((await stat(join(parent.dir, tmp!))).mode & 0o777, 0o700);
      assert.deepEqual((await readdir(join(parent.dir, tmp!))).sort(), ['1', '2', '3']);
      assert.equal(await text(r, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
      assert.equal(await text(r, 'var/lib/dpkg/status'), 'Package: a\n');
      assert.equal(await text(r, 'opt/new'), 'new');
      assert.deepEqual(src.opens, [2, 1, 2]);
      assert.equal(await text(r, 'usr/bin/tool'), '#!/bin/sh\n'); // a miss
      assert.deepEqual(src.opens, [2, 2, 2]);
      await r.close();
      assert.deepEqual(await parent.entries(), []);
      await r.close(); // idempotent
      await assert.rejects(r.read('opt/new'), code('IO_ERROR'));
    } finally {
      await r.close();
      await parent.remove();
    }
  });

  it('capture keeps the files asked for while indexing: no second pass', async () => {
    const parent = await tmpParent();
    const src = await debianLike();
    const seen: string[] = [];
    const capture = (path: string, size: number): boolean => {
      seen.push(`${path}:${size}`);
      return path.endsWith('/status') || path === 'usr/lib/os-release';
    };
    const r = await openResolver(src, 'all-layers', { maxFileBytes: 1000 }, parent.dir, capture);
    try {
      assert.ok(seen.includes('var/lib/dpkg/status:23') && seen.includes('usr/bin/tool:10'));
      assert.ok(!seen.some((s) => s.includes('.wh.')), 'whiteouts are not files');
      assert.equal((await parent.entries()).filter((e) => e.includes('/')).length, 4); // 3 copies of status, os-release
      assert.equal(await text(r, 'var/lib/dpkg/status'), 'Package: a\n');
      assert.equal(await text(r, '.layers/0/var/lib/dpkg/status'), 'Package: a\n\nPackage: b\n');
      assert.equal(await text(r, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
      await r.prefetch(['var/lib/dpkg/status', 'etc/os-release']);
      assert.deepEqual(src.opens, [1, 1, 1]);
      assert.equal(await text(r, 'opt/new'), 'new'); // not kept: read on demand
      assert.deepEqual(src.opens, [1, 1, 2]);
      await r.close();
      assert.deepEqual(await parent.entries(), []);
    } finally {
      await r.close();
      await parent.remove();
    }
  });

  it('capture never keeps a file over the size limit', async () => {
    const parent = await tmpParent();
    const r = await openResolver(await fakeImage([[{ name: 'big', body: Buffer.alloc(2000) }, 'small']]), 'squashed', { maxFileBytes: 1000 }, parent.dir, () => true);
    assert.deepEqual((await parent.entries()).filter((e) => e.includes('/')).length, 1);
    await r.close();
    await parent.remove();
  });

  it('what capture kept is removed when a later layer fails', async () => {
    const parent = await tmpParent();
    const good = compress(await makeTar(['a']), 'gzip');
    const src = new FakeSource([good, good]);
    src.tampered.set(1, compress(await makeTar(['b']), 'gzip'));
    await assert.rejects(openResolver(src, 'squashed', {}, parent.dir, () => true), code('DIGEST_MISMATCH'));
    assert.deepEqual(await parent.entries(), []);
    await parent.remove();
  });

  it('misses that arrive together share one pass', async () => {
    const src = await fakeImage([['a', 'b', 'c', 'd']]);
    const r = await openResolver(src);
    const got = await Promise.all(['a', 'b', 'c', 'd'].map((p) => text(r, p)));
    assert.deepEqual(got, ['content of a', 'content of b', 'content of c', 'content of d']);
    assert.deepEqual(src.opens, [2]);
    await r.close();
  });

  it('a layer whose digest fails while indexing is never used', async () => {
    const parent = await tmpParent();
    const good = compress(await makeTar(['a']), 'gzip');
    const src = new FakeSource([good, good]);
    src.tampered.set(1, compress(await makeTar(['a', 'evil']), 'gzip'));
    await assert.rejects(openResolver(src, 'squashed', {}, parent.dir), code('DIGEST_MISMATCH'));
    assert.deepEqual(await parent.entries(), []);
    await parent.remove();
  });

  // Same size (the tar parses) or not (the tar no longer matches the index): the digest is what fails.
  for (const evil of ['EVIL content', 'EVIL EVIL EVIL EVIL']) {
    it(`a layer whose digest fails on the extraction pass serves nothing, then or later (${evil.length} bytes)`, async () => {
      const parent = await tmpParent();
      // Incompressible padding after `a`, so that `a` is extracted well before the blob's end.
      const pad = { name: 'pad', body: randomBytes(256 * 1024) };
      const src = await fakeImage([['a', pad, 'b'], ['c']]);
      const r = await openResolver(src, 'squashed', {}, parent.dir);
      try {
        src.tampered.set(0, compress(await makeTar([{ name: 'a', body: evil }, pad, 'b']), 'gzip'));
        await assert.rejects(r.read('a'), code('DIGEST_MISMATCH'));
        await assert.rejects(r.read('b'), code('DIGEST_MISMATCH'));
        await assert.rejects(r.prefetch(['a']), code('DIGEST_MISMATCH'));
        assert.deepEqual(src.opens, [2, 1]); // the failure is kept: no more passes over that layer
        // What the failed pass wrote is gone (at most the empty temporary folder is left).
        assert.deepEqual((await parent.entries()).filter((e) => e.includes('/')), []);
        assert.equal(await text(r, 'c'), 'content of c'); // other layers still serve
      } finally {
        await r.close();
        await parent.remove();
      }
    });
  }

  it('an I/O error on the extraction pass may be retried', async () => {
    const src = await fakeImage([['a']]);
    const r = await openResolver(src);
    const open = src.openLayer.bind(src);
    let fail = true;
    src.openLayer = (i) => (fail ? Promise.reject(new Error('EIO: disk on fire')) : open(i));
    await assert.rejects(r.read('a'), (e: unknown) => e instanceof VouchError && e.code === 'IO_ERROR' && /disk on fire/.test(e.message));
    fail = false;
    assert.equal(await text(r, 'a'), 'content of a');
    await r.close();
  });
});

describe('ImageResolver: hostile layers', () => {
  const hostile: [string, () => Promise<Buffer>, RegExp][] = [
    ['absolute path', async () => compress(await makeTar([{ name: '/etc/passwd', body: 'root' }]), 'gzip'), /absolute/],
    ['.. escape', async () => compress(await makeTar([{ name: 'a/../../evil', body: 'x' }]), 'gzip'), /outside the root/],
    ['long name', async () => compress(await makeTar([{ name: `${'d/'.repeat(2100)}f`, body: 'x' }]), 'gzip'), /4096-byte limit/],
    ['huge pax header', async () => compress(await makeTar([{ name: 'f', body: 'x', pax: { comment: 'x'.repeat(5 * 1024 * 1024) } }]), 'gzip'), /over 4 MiB/],
    ['truncated gzip', async () => compress(await makeTar(['a', 'b']), 'gzip').subarray(0, 60), /corrupt or truncated gzip/],
    ['truncated zstd', async () => compress(await makeTar(['a', 'b']), 'zstd').subarray(0, 40), /corrupt or truncated zstd/],
    ['truncated tar', async () => (await makeTar(['a', 'b'])).subarray(0, 700), /truncated tar/],
    ['not a tar', () => Promise.resolve(Buffer.from('this is not a tar archive at all'.repeat(40))), /not a tar/],
  ];
  for (const [name, make, message] of hostile) {
    it(`${name}: UNSAFE_ARCHIVE, nothing written`, async () => {
      const parent = await tmpParent();
      const before = await readdir(join(parent.dir, '..'));
      const src = new FakeSource([await make()]);
      await assert.rejects(openResolver(src, 'squashed', {}, parent.dir), (e: unknown) => {
        assert.ok(e instanceof VouchError, String(e));
        assert.equal(e.code, 'UNSAFE_ARCHIVE', e.message);
        assert.match(e.message, message);
        assert.match(e.message, /^layer 0 \(sha256:[0-9a-f]{12}\)/);
        return true;
      });
      assert.deepEqual(await parent.entries(), []);
      const after = await readdir(join(parent.dir, '..'));
      assert.deepEqual(after.filter((n) => !before.includes(n)), []);
      await parent.remove();
    });
  }

  it('too many entries over the whole image: UNSAFE_ARCHIVE', async () => {
    const src = await fakeImage([['a', 'b', 'c'], ['d', 'e', 'f']]);
    await assert.rejects(openResolver(src, 'squashed', { maxFiles: 5 }), /more tar entries than the image limit of 5/);
    const ok = await openResolver(src, 'squashed', { maxFiles: 6 });
    assert.equal(ok.files().length, 6);
    await ok.close();
  });

  it('a layer that decompresses past maxLayerBytes: UNSAFE_ARCHIVE', async () => {
    const src = await fakeImage([[{ name: 'big', body: Buffer.alloc(200_000) }]]);
    await assert.rejects(openResolver(src, 'squashed', { maxLayerBytes: 100_000 }), /maxLayerBytes/);
  });

  it('links out of the root and loops are not followed, and nothing is written for them', async () => {
    const parent = await tmpParent();
    const r = await openResolver(
      await fakeImage([
        [
          { name: 'a/up', type: 'symlink', linkname: '../../../etc/passwd' },
          { name: 'loop1', type: 'symlink', linkname: 'loop2' },
          { name: 'loop2', type: 'symlink', linkname: 'loop1' },
          { name: 'hl', type: 'link', linkname: '/etc/passwd' },
          { name: 'ok', body: 'fine' },
        ],
      ]),
      'squashed',
      {},
      parent.dir,
    );
    assert.deepEqual(paths(r), ['ok']);
    await assert.rejects(r.read('a/up'), code('IO_ERROR'));
    await assert.rejects(r.read('loop1'), code('IO_ERROR'));
    await assert.rejects(r.read('hl'), code('IO_ERROR'));
    await assert.rejects(r.read('../ok'), code('IO_ERROR'));
    const notes = r.warnings.map((w) => `${w.location.path}: ${w.message}`).sort();
    assert.equal(notes.length, 4);
    assert.match(notes[0]!, /^a\/up: symlink .* outside the root/);
    assert.match(notes[1]!, /^hl: hardlink .* outside the root/);
    assert.match(notes[2]!, /^loop1: symlink loop/);
    assert.equal(await text(r, 'ok'), 'fine');
    await r.close();
    assert.deepEqual(await parent.entries(), []);
    await parent.remove();
  });
});

describe('ImageResolver: memory', () => {
  // Not a speed test: the bound is on memory. ~1 s on CI's machines (two passes over 300 MB).
  it('a 300 MB layer is indexed and read through in bounded memory', async () => {
    const size = 300 * 1024 * 1024;
    const blob = await zerosLayer(size, 'zstd', ['after']); // ~10 KB: zeros compress well
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const r = await openResolver(new FakeSource([blob]), 'squashed', { maxCompressionRatio: 1_000_000 });
      assert.equal(r.get('zeros')?.size, size);
      assert.equal(await text(r, 'after'), 'content of after'); // a second pass, through all the zeros
      await assert.rejects(r.read('zeros'), code('LIMIT_EXCEEDED'));
      await r.close();
    } finally {
      clearInterval(sample);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    const growth = (peak - rss0) / 1024 / 1024;
    console.log("GROWTH", growth);
    assert.ok(growth < 96, `RSS grew by ${growth.toFixed(0)} MiB while streaming ${size / 1024 / 1024} MiB`);
  });
});

describe('ImageResolver: layer paths', () => {
  it('LAYER_PATH_PREFIX is the documented .layers/', () => {
    assert.equal(LAYER_PATH_PREFIX, '.layers/');
  });
});
