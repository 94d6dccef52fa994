import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredTree, MAX_RESOLVE_STEPS, MAX_SYMLINK_HOPS, type TreeEntry } from '../../../../../src/sbom/source/image/layer.ts';
import type { TarEntry, TarEntryType } from '../../../../../src/sbom/source/image/tar.ts';

/** Tar entries from short specs: `path` (file), `path/` (dir), `path -> target` (symlink), `path => target` (hardlink), `path |` (fifo). */
function layer(...specs: string[]): TarEntry[] {
  return specs.map((spec, ordinal) => {
    let type: TarEntryType = 'file';
    let path = spec;
    let linkname: string | undefined;
    const sym = spec.split(' -> ');
    const hard = spec.split(' => ');
    if (sym.length === 2) [type, path, linkname] = ['symlink', sym[0]!, sym[1]!];
    else if (hard.length === 2) [type, path, linkname] = ['hardlink', hard[0]!, hard[1]!];
    else if (spec.endsWith(' |')) [type, path] = ['other', spec.slice(0, -2)];
    else if (spec.endsWith('/')) [type, path] = ['dir', spec.slice(0, -1)];
    return { ordinal, path, type, size: type === 'file' ? 10 + ordinal : 0, mode: type === 'dir' ? 0o755 : 0o644, ...(linkname === undefined ? {} : { linkname }) };
  });
}

interface Built {
  tree: LayeredTree;
  notes: string[];
}

function build(...layers: TarEntry[][]): Built {
  const tree = new LayeredTree();
  const notes: string[] = [];
  layers.forEach((entries, i) => tree.applyLayer(i, entries, (path, l, message) => notes.push(`${l}:${path}: ${message}`)));
  return { tree, notes };
}

/** The listed files as `path@layer:ordinal` (where the bytes are). */
function files(tree: LayeredTree, at?: number): string[] {
  return tree.list(at).map((f) => `${f.path}@${f.entry.content!.layer}:${f.entry.content!.ordinal}`);
}

function entryAt(tree: LayeredTree, path: string, at?: number, follow = true): TreeEntry | string {
  const r = tree.resolve(path, at, follow);
  return r.ok ? r.entry : r.reason;
}

describe('LayeredTree: whiteouts (image-spec layer.md)', () => {
  it('.wh.<name> deletes a file of a lower layer', () => {
    const { tree } = build(layer('a/f', 'a/g'), layer('a/.wh.f'));
    assert.deepEqual(files(tree), ['a/g@0:1']);
    assert.deepEqual(files(tree, 0), ['a/f@0:0', 'a/g@0:1']);
  });

  it('.wh.<dir> deletes a directory and everything under it', () => {
    const { tree } = build(layer('d/x/y', 'd/z', 'k'), layer('.wh.d'));
    assert.deepEqual(files(tree), ['k@0:2']);
    assert.equal(entryAt(tree, 'd'), 'missing');
    assert.equal(entryAt(tree, 'd/x/y'), 'missing');
  });

  it('an opaque whiteout hides the lower children of its directory, wherever it is in the tar', () => {
    for (const l1 of [layer('d/', 'd/.wh..wh..opq', 'd/c'), layer('d/c', 'd/.wh..wh..opq'), layer('d/.wh..wh..opq')]) {
      const { tree } = build(layer('d/a', 'd/b', 'e/f'), l1);
      const expected = l1.some((e) => e.path === 'd/c') ? ['d/c@1:' + l1.find((e) => e.path === 'd/c')!.ordinal, 'e/f@0:2'] : ['e/f@0:2'];
      assert.deepEqual(files(tree), expected);
      assert.equal((entryAt(tree, 'd') as TreeEntry).kind, 'dir');
    }
  });

  it('an opaque whiteout at the root hides every lower layer', () => {
    const { tree } = build(layer('a', 'b/c'), layer('.wh..wh..opq', 'n'));
    assert.deepEqual(files(tree), ['n@1:1']);
  });

  it('whiteouts apply to lower layers only: a path whited out and re-added in the same layer is the new one', () => {
    const { tree } = build(layer('f', 'd/old'), layer('f', '.wh.f', 'd/new', '.wh.d'));
    assert.deepEqual(files(tree), ['d/new@1:2', 'f@1:0']);
  });

  it('a path whited out, then re-added in a higher layer', () => {
    const { tree } = build(layer('f', 'd/old'), layer('.wh.f', '.wh.d'), layer('f', 'd/', 'd/new'));
    assert.deepEqual(files(tree), ['d/new@2:2', 'f@2:0']);
    assert.deepEqual(files(tree, 1), []);
    assert.deepEqual(
      tree.hidden().map((h) => `${h.layer}:${h.path}`),
      ['0:d/old', '0:f'],
    );
  });

  it('whiteouts of missing paths do nothing; whiteout files and AUFS metadata never show', () => {
    const { tree } = build(layer('a'), layer('.wh.nothing', 'x/.wh.y', '.wh..wh.plnk/123', '.wh..wh.aufs', '.wh.'));
    assert.deepEqual(files(tree), ['a@0:0']);
    assert.equal(entryAt(tree, 'x'), 'missing');
  });
});

describe('LayeredTree: changesets', () => {
  it('directory over directory merges; the new attributes win', () => {
    const l1 = layer('d/');
    (l1[0] as { mode: number }).mode = 0o700;
    const { tree } = build(layer('d/a'), l1, layer('d/b'));
    assert.deepEqual(files(tree), ['d/a@0:0', 'd/b@2:0']);
    assert.equal((entryAt(tree, 'd') as TreeEntry).mode, 0o700);
  });

  it('a file over a directory replaces the whole tree; a directory over a file starts empty', () => {
    const { tree } = build(layer('d/a', 'f'), layer('d', 'f/'), layer('f/x'));
    assert.deepEqual(files(tree), ['d@1:0', 'f/x@2:0']);
  });

  it('parents are literal: a file under a lower symlink turns it into a directory (overlay semantics)', () => {
    const { tree } = build(layer('usr/lib/a', 'lib -> usr/lib'), layer('lib/b'));
    assert.deepEqual(files(tree), ['lib/b@1:0', 'usr/lib/a@0:0']);
    assert.equal(entryAt(tree, 'lib/a'), 'missing');
  });

  it('a later entry for the same path in one layer wins', () => {
    const { tree } = build(layer('f', 'g', 'f'));
    assert.deepEqual(files(tree), ['f@0:2', 'g@0:1']);
    assert.deepEqual(tree.hidden(), []);
  });

  it('devices and fifos occupy a path but are not files', () => {
    const { tree } = build(layer('f'), layer('f |'));
    assert.deepEqual(files(tree), []);
    assert.equal((entryAt(tree, 'f') as TreeEntry).kind, 'other');
  });

  it('the root entry changes attributes only', () => {
    const { tree } = build(layer('/', 'a'), layer('', 'b'));
    assert.deepEqual(files(tree), ['a@0:1', 'b@1:1']);
  });

  it('layers are applied in order', () => {
    const tree = new LayeredTree();
    assert.throws(() => tree.applyLayer(1, [], () => undefined), /in order/);
  });
});

describe('LayeredTree: symlinks', () => {
  const links = (): Built =>
    build(
      layer(
        'usr/lib/os-release',
        'etc/os-release -> ../usr/lib/os-release',
        'etc/abs -> /usr/lib/os-release',
        'a -> b',
        'b -> etc/os-release',
        'lib -> usr/lib',
        'up -> ../etc/os-release',
        'deep/up -> ../../../../etc/os-release',
        'dotdot -> usr/../usr/./lib//os-release',
        'dangling -> nowhere',
        'dirlink -> usr',
        'self -> self',
        'empty -> ',
      ),
    );

  it('resolves chains, absolute and relative targets, and directory links on the way', () => {
    const { tree } = links();
    for (const p of ['etc/os-release', 'etc/abs', 'a', 'b', 'lib/os-release', 'dotdot', 'dirlink/lib/os-release', 'etc/../lib/os-release']) {
      const e = entryAt(tree, p);
      assert.equal(typeof e === 'object' && e.content?.ordinal, 0, p);
    }
    assert.equal((entryAt(tree, 'a', undefined, false) as TreeEntry).kind, 'symlink');
    assert.equal((entryAt(tree, 'lib') as TreeEntry).kind, 'dir');
  });

  it('lists symlinks to files as files, not links to directories, dangling links or escapes', () => {
    const { tree, notes } = links();
    assert.deepEqual(
      tree.list().map((f) => f.path),
      ['a', 'b', 'dotdot', 'etc/abs', 'etc/os-release', 'usr/lib/os-release'],
    );
    assert.deepEqual(notes, []);
    const warned: string[] = [];
    tree.list(undefined, (path, _l, message) => warned.push(`${path}: ${message}`));
    assert.deepEqual(warned.sort(), [
      'deep/up: symlink to "../../../../etc/os-release" leads outside the root: not followed',
      'self: symlink loop: not followed',
      'up: symlink to "../etc/os-release" leads outside the root: not followed',
    ]);
  });

  it('`..` cannot climb above the root, and paths cannot either', () => {
    const { tree } = links();
    assert.equal(entryAt(tree, 'up'), 'escape');
    assert.equal(entryAt(tree, 'deep/up'), 'escape');
    assert.equal(entryAt(tree, '../usr/lib/os-release'), 'escape');
    assert.equal(entryAt(tree, 'dangling'), 'missing');
    assert.equal(entryAt(tree, 'empty'), 'missing');
    assert.equal(entryAt(tree, 'usr/lib/os-release/x'), 'missing');
  });

  it(`follows at most ${MAX_SYMLINK_HOPS} links`, () => {
    const chain = (n: number): Built =>
      build(layer('target', ...Array.from({ length: n }, (_, i) => `l${i} -> ${i === n - 1 ? 'target' : `l${i + 1}`}`)));
    assert.equal(typeof entryAt(chain(MAX_SYMLINK_HOPS).tree, 'l0'), 'object');
    assert.equal(entryAt(chain(MAX_SYMLINK_HOPS + 1).tree, 'l0'), 'loop');
  });

  it(`walks at most ${MAX_RESOLVE_STEPS} components per lookup`, () => {
    const deep = Array.from({ length: 100 }, () => 'd').join('/');
    const { tree } = build(layer(`${deep}/f`, `l1 -> ${deep}/f`));
    const round = `${deep}/${'../'.repeat(100)}`; // 200 steps, back at the root
    assert.equal(typeof entryAt(tree, `${round}${round}l1`), 'object'); // 400 + 1 + 101 = 502 steps
    assert.equal(entryAt(tree, `${round}${round}${round}l1`), 'loop'); // 702
  });

  it('resolves in the state of the layer asked for', () => {
    const { tree } = build(layer('v1', 'cur -> v1'), layer('v2', 'cur -> v2'), layer('.wh.v1'));
    assert.equal((entryAt(tree, 'cur', 0) as TreeEntry).content?.layer, 0);
    assert.equal((entryAt(tree, 'cur') as TreeEntry).content?.layer, 1);
    assert.equal(entryAt(tree, 'v1'), 'missing');
    assert.equal(typeof entryAt(tree, 'v1', 1), 'object');
  });
});

describe('LayeredTree: hardlinks', () => {
  it('a hardlink is a file with its target’s content, in its own layer or a lower one', () => {
    const { tree, notes } = build(layer('bin/perl5', 'bin/perl => bin/perl5'), layer('bin/p2 => bin/perl5', 'bin/p3 => ./bin/../bin/perl'));
    assert.deepEqual(files(tree), ['bin/p2@0:0', 'bin/p3@0:0', 'bin/perl@0:0', 'bin/perl5@0:0']);
    assert.deepEqual(notes, []);
  });

  it('a hardlink may name a file of the AUFS link folder, which itself never shows', () => {
    const { tree, notes } = build(layer('.wh..wh.plnk/', '.wh..wh.plnk/1234.5', 'usr/bin/x => .wh..wh.plnk/1234.5'));
    assert.deepEqual(files(tree), ['usr/bin/x@0:1']);
    assert.deepEqual(notes, []);
  });

  it('a hardlink to a symlink is a symlink', () => {
    const { tree } = build(layer('t', 's -> t', 'h => s'));
    assert.equal((entryAt(tree, 'h', undefined, false) as TreeEntry).kind, 'symlink');
    assert.deepEqual(files(tree), ['h@0:0', 's@0:0', 't@0:0']);
  });

  it('hardlinks to nothing, to directories, to later entries or out of the root are not followed', () => {
    const { tree, notes } = build(layer('d/', 'h1 => nothing', 'h2 => d', 'h3 => later', 'later', 'h4 => ../../etc/shadow', 'h5 => /etc/shadow', 'h6 => '));
    assert.deepEqual(files(tree), ['later@0:4']);
    assert.deepEqual(
      notes.map((n) => n.replace(/:.*/, '')),
      ['0', '0', '0', '0', '0', '0'],
    );
    assert.equal(notes.filter((n) => /outside the root/.test(n)).length, 2);
    assert.equal((entryAt(tree, 'h1') as TreeEntry).kind, 'other');
  });
});

describe('LayeredTree: hidden copies (all-layers)', () => {
  it('lists every regular file a higher layer overwrote or deleted, by layer', () => {
    const { tree } = build(layer('s', 'keep', 'gone/x', 'o/a'), layer('s', 'o/.wh..wh..opq', 'o/b'), layer('s', '.wh.gone', 'h => keep'));
    assert.deepEqual(
      tree.hidden().map((h) => `${h.layer}:${h.path}@${h.entry.content!.layer}:${h.entry.content!.ordinal}`),
      ['0:gone/x@0:2', '0:o/a@0:3', '0:s@0:0', '1:s@1:0'],
    );
    assert.deepEqual(files(tree), ['h@0:1', 'keep@0:1', 'o/b@1:2', 's@2:0']);
  });

  it('does not list a copy that its own layer hid', () => {
    const { tree } = build(layer('d/f', 'd'), layer('x'));
    assert.deepEqual(tree.hidden(), []);
  });
});
