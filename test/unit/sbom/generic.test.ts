import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import picomatch from 'picomatch';
import { resolveLimits, silentLogger } from '../../../src/core/index.ts';
import type { Package } from '../../../src/formats/model/index.ts';
import {
  FileParseError,
  genericCataloger,
  mergePackages,
  mergeRelationships,
  normalizeLicense,
  normalizeLicenses,
} from '../../../src/sbom/generic/index.ts';
import { FsResolver } from '../../../src/sbom/source/directory.ts';
import { decodeText, joinPath, type FileResolver } from '../../../src/sbom/source/resolver.ts';
import { parseTarget } from '../../../src/sbom/target.ts';

let dir: string;
let outside: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vouch-generic-'));
  outside = mkdtempSync(join(tmpdir(), 'vouch-outside-'));
  mkdirSync(join(dir, 'a/b'), { recursive: true });
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git/lock.txt'), 'x');
  writeFileSync(join(dir, 'lock.txt'), 'one\n');
  writeFileSync(join(dir, 'a/b/lock.txt'), 'two\n');
  writeFileSync(join(dir, 'a/bad.txt'), 'irrelevant');
  writeFileSync(join(dir, 'a/b/big-lock.txt'), 'x'.repeat(2000));
  writeFileSync(join(outside, 'secret-lock.txt'), 'secret\n');
  symlinkSync(join(outside, 'secret-lock.txt'), join(dir, 'a/escape-lock.txt'));
  symlinkSync(join(dir, 'lock.txt'), join(dir, 'a/inside-lock.txt'));
  symlinkSync(outside, join(dir, 'a/outdir'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('directory source', () => {
  test('lists regular files sorted, skips .git, follows file links only inside the root', async () => {
    const r = await FsResolver.fromDirectory(dir, { limits: resolveLimits() });
    assert.deepEqual(
      r.files().map((f) => f.path),
      ['a/b/big-lock.txt', 'a/b/lock.txt', 'a/bad.txt', 'a/inside-lock.txt', 'lock.txt'],
    );
    assert.deepEqual(
      r.warnings.map((w) => w.location.path),
      ['a/escape-lock.txt', 'a/outdir'],
    );
    assert.equal((await r.read('a/inside-lock.txt')).toString(), 'one\n');
  });

  test('enforces the size limit at read time and the file-count and depth limits while walking', async () => {
    const r = await FsResolver.fromDirectory(dir, { limits: resolveLimits({ maxFileBytes: 100 }) });
    await assert.rejects(r.read('a/b/big-lock.txt'), { code: 'LIMIT_EXCEEDED' });
    const few = await FsResolver.fromDirectory(dir, { limits: resolveLimits({ maxFiles: 2 }) });
    assert.equal(few.files().length, 2);
    assert.ok(few.warnings.some((w) => /more than 2 files/.test(w.message)));
    const shallow = await FsResolver.fromDirectory(dir, { limits: resolveLimits({ maxDepth: 1 }) });
    assert.ok(!shallow.files().some((f) => f.path.startsWith('a/b/')));
    assert.ok(shallow.warnings.some((w) => /deeper than 1/.test(w.message)));
  });

  test('a file source sees only that file', async () => {
    const r = await FsResolver.fromFile(join(dir, 'a/b/lock.txt'), { limits: resolveLimits() });
    assert.deepEqual(
      r.files().map((f) => f.path),
      ['lock.txt'],
    );
    await assert.rejects(r.read('big-lock.txt'), { code: 'IO_ERROR' });
  });
});

describe('generic cataloger', () => {
  const parse = async (path: string, ctx: { readText(p: string): Promise<string> }) => {
    const text = await ctx.readText(path);
    if (text.startsWith('x')) throw new FileParseError('not a lockfile', 3);
    const name = text.trim();
    return {
      packages: [{ name, version: '1.0.0', type: 'generic' as const, purl: `pkg:generic/${name}@1.0.0` }],
    };
  };

  test('parses matching files, records failures as warnings with file and line, and goes on', async () => {
    const c = genericCataloger('test-cataloger', [{ globs: ['**/*lock.txt'], parse }]);
    const resolver = await FsResolver.fromDirectory(dir, { limits: resolveLimits({ maxFileBytes: 1000 }) });
    assert.deepEqual(c.select(resolver), ['a/b/big-lock.txt', 'a/b/lock.txt', 'a/inside-lock.txt', 'lock.txt']);
    const r = await c.catalog({ resolver, limits: resolveLimits({ maxFileBytes: 1000 }), logger: silentLogger });
    assert.deepEqual(
      r.packages.map((p) => [p.name, p.locations[0]?.path, p.foundBy, p.scope]),
      [
        ['two', 'a/b/lock.txt', 'test-cataloger', 'required'],
        ['one', 'a/inside-lock.txt', 'test-cataloger', 'required'],
        ['one', 'lock.txt', 'test-cataloger', 'required'],
      ],
    );
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.location.path, 'a/b/big-lock.txt');
    assert.match(r.warnings[0]!.message, /over the 1000-byte limit/);
  });

  test('globs with literal folders before a name pattern select what picomatch matches, by select() and wants()', () => {
    const paths = ['a/b/x.txt', 'a/b/x.md', 'xa/b/y.txt', 'q/a/b/z.txt', 'q/a/b/c/w.txt', 'q/xa/b/u.txt', 'b/v.txt', 'a/b'];
    const resolver: FileResolver = {
      files: () => paths.map((path) => ({ path })),
      get: (path) => (paths.includes(path) ? { path } : undefined),
      read: () => Promise.reject(new Error('not read')),
    };
    for (const glob of ['**/a/b/!(*.md)', 'a/b/*.txt', '**/a/*/!(*.md)', 'q/**/b/*', '**/b/*.txt']) {
      const c = genericCataloger('t', [{ globs: [glob], parse }], { skipUnder: [] });
      const expected = paths.filter((p) => picomatch(glob, { dot: true })(p)).sort();
      assert.deepEqual(c.select(resolver), expected, glob);
      assert.deepEqual(paths.filter((p) => c.wants?.(p) === 'read').sort(), expected, glob);
    }
  });

  test('a binding with load() loads its parser once, only when the cataloger has files to read', async () => {
    const resolver = await FsResolver.fromDirectory(dir, { limits: resolveLimits({ maxFileBytes: 1000 }) });
    let loads = 0;
    const load = () => {
      loads++;
      return Promise.resolve(parse);
    };
    const none = genericCataloger('t', [{ globs: ['**/no-such-file.txt'], load }]);
    assert.deepEqual(none.select(resolver), []);
    assert.deepEqual((await none.catalog({ resolver, limits: resolveLimits(), logger: silentLogger })).packages, []);
    const some = genericCataloger('t', [{ globs: ['**/*lock.txt'], load }]);
    assert.equal(some.wants?.('a/lock.txt'), 'read');
    assert.equal(some.select(resolver).length, 4);
    assert.equal(loads, 0);
    const r = await some.catalog({ resolver, limits: resolveLimits({ maxFileBytes: 1000 }), logger: silentLogger });
    assert.deepEqual(r.packages.map((p) => p.name), ['two', 'one', 'one']);
    assert.equal(loads, 1);
  });

  test('a parser that throws a line-aware error gives the line', async () => {
    const c = genericCataloger('t', [{ globs: ['**/big-lock.txt'], parse }]);
    const resolver = await FsResolver.fromDirectory(dir, { limits: resolveLimits() });
    const r = await c.catalog({ resolver, limits: resolveLimits(), logger: silentLogger });
    assert.deepEqual(r.warnings, [{ location: { path: 'a/b/big-lock.txt', line: 3 }, message: 't: not a lockfile' }]);
  });

  test('an unexpected exception is contained too', async () => {
    const c = genericCataloger('t', [
      {
        globs: ['lock.txt'],
        parse: () => {
          throw new TypeError('boom');
        },
      },
    ]);
    const resolver = await FsResolver.fromDirectory(dir, { limits: resolveLimits() });
    const r = await c.catalog({ resolver, limits: resolveLimits(), logger: silentLogger });
    assert.equal(r.packages.length, 0);
    assert.match(r.warnings[0]!.message, /unexpected error: boom/);
  });
});

describe('merge', () => {
  const pkg = (over: Partial<Package>): Package => ({
    name: 'x',
    version: '1',
    type: 'npm',
    purl: 'pkg:npm/x@1',
    licenses: [],
    hashes: [],
    locations: [{ path: 'b/package-lock.json' }],
    scope: 'dev',
    foundBy: 'b',
    ...over,
  });

  test('same purl from several files is one package; the strongest scope wins', () => {
    const merged = mergePackages([
      pkg({}),
      pkg({ locations: [{ path: 'a/yarn.lock' }], scope: 'required', licenses: ['MIT'], foundBy: 'a' }),
      pkg({ purl: 'pkg:npm/a@1', name: 'a', scope: 'optional' }),
    ]);
    assert.deepEqual(
      merged.map((p) => [p.purl, p.scope, p.locations.map((l) => l.path), p.licenses, p.foundBy]),
      [
        ['pkg:npm/a@1', 'optional', ['b/package-lock.json'], [], 'b'],
        ['pkg:npm/x@1', 'required', ['a/yarn.lock', 'b/package-lock.json'], ['MIT'], 'a'],
      ],
    );
  });

  test('relationships are deduplicated, sorted, and limited to known packages', () => {
    const rels = mergeRelationships(
      [
        { from: 'b', to: 'a', type: 'depends-on' },
        { from: 'a', to: 'c', type: 'depends-on' },
        { from: 'b', to: 'a', type: 'depends-on' },
        { from: 'a', to: 'a', type: 'depends-on' },
        { from: 'a', to: 'zz', type: 'depends-on' },
      ],
      new Set(['a', 'b', 'c']),
    );
    assert.deepEqual(
      rels.map((r) => `${r.from}>${r.to}`),
      ['a>c', 'b>a'],
    );
  });
});

describe('licenses', () => {
  test('valid expressions are kept, misspellings fixed, ambiguous names never guessed', () => {
    assert.equal(normalizeLicense('MIT'), 'MIT');
    assert.equal(normalizeLicense('Apache 2.0'), 'Apache-2.0');
    assert.equal(normalizeLicense('MIT/Apache-2.0'), 'MIT OR Apache-2.0');
    assert.equal(normalizeLicense('GPL-2.0+'), 'GPL-2.0-or-later');
    assert.equal(normalizeLicense('(MIT OR Apache-2.0)'), 'MIT OR Apache-2.0');
    assert.equal(normalizeLicense('MIT or BSD-2-Clause'), 'MIT OR BSD-2-Clause');
    assert.equal(normalizeLicense('(MIT AND BSD-3-Clause) or gpl-2.0+'), '(MIT AND BSD-3-Clause) OR GPL-2.0-or-later');
    assert.equal(normalizeLicense('Apache-2.0 WITH LLVM-exception'), 'Apache-2.0 WITH LLVM-exception');
    assert.equal(normalizeLicense('LicenseRef-Custom AND MIT'), 'LicenseRef-Custom AND MIT');
    // npm's UNLICENSED means "all rights reserved": spdx-correct would turn it into Unlicense.
    assert.equal(normalizeLicense('UNLICENSED'), 'UNLICENSED');
    assert.equal(normalizeLicense('BSD'), 'BSD');
    assert.equal(normalizeLicense('SEE LICENSE IN LICENSE.txt'), 'SEE LICENSE IN LICENSE.txt');
    assert.equal(normalizeLicense('   '), undefined);
    assert.equal(normalizeLicense('The Apache Software License, Version 2.0'), 'Apache-2.0');
    assert.equal(normalizeLicense('BSD 3-Clause License'), 'BSD-3-Clause');
    assert.equal(normalizeLicense('Eclipse Public License v2.0'), 'Eclipse Public License v2.0');
    assert.equal(normalizeLicense('GNU Lesser General Public License'), 'GNU Lesser General Public License');
    assert.equal(normalizeLicense('BSD License'), 'BSD License');
    assert.equal(normalizeLicense('https://opensource.org/licenses/MIT'), 'MIT');
    assert.equal(normalizeLicense('http://www.apache.org/licenses/LICENSE-2.0.txt'), 'http://www.apache.org/licenses/LICENSE-2.0.txt');
    assert.equal(normalizeLicense('BSD-3-Clause;link=https://x.org/a'), 'BSD-3-Clause;link=https://x.org/a');
    assert.equal(normalizeLicense('MIT // Apache'), 'MIT // Apache');
    assert.deepEqual(normalizeLicenses(['MIT', 'mit', null, '', undefined]), ['MIT']);
  });
});

describe('targets and paths', () => {
  test('schemes and bare paths', async () => {
    assert.deepEqual(await parseTarget(`dir:${dir}`), { kind: 'directory', path: dir });
    assert.deepEqual(await parseTarget(`file:${dir}/lock.txt`), { kind: 'file', path: `${dir}/lock.txt` });
    assert.deepEqual(await parseTarget(dir), { kind: 'directory', path: dir });
    assert.deepEqual(await parseTarget(join(dir, 'lock.txt')), { kind: 'file', path: join(dir, 'lock.txt') });
    await assert.rejects(parseTarget('oci-dir2:x/y'), { code: 'BAD_TARGET' });
    assert.deepEqual(await parseTarget('oci-dir:some/layout'), { kind: 'image', transport: 'oci-dir', ref: 'some/layout' });
    assert.deepEqual(await parseTarget('docker-archive:img.tar'), { kind: 'image', transport: 'docker-archive', ref: 'img.tar' });
    assert.deepEqual(await parseTarget('registry:localhost:5000/a/b:1'), { kind: 'image', transport: 'registry', ref: 'localhost:5000/a/b:1' });
    // A bare argument that is no path but looks like an image reference is one (as syft reads it).
    assert.deepEqual(await parseTarget('nginx'), { kind: 'image', transport: 'registry', ref: 'nginx' });
    assert.deepEqual(await parseTarget('ghcr.io/org/app:1.2@sha256:' + 'a'.repeat(64)), {
      kind: 'image',
      transport: 'registry',
      ref: 'ghcr.io/org/app:1.2@sha256:' + 'a'.repeat(64),
    });
    await assert.rejects(parseTarget('registry:'), { code: 'BAD_TARGET' });
    await assert.rejects(parseTarget('dir:'), { code: 'BAD_TARGET' });
    await assert.rejects(parseTarget(join(dir, 'missing')), { code: 'TARGET_NOT_FOUND' });
    await assert.rejects(parseTarget('./Not An Image'), { code: 'TARGET_NOT_FOUND' });
  });

  test('joinPath never leaves the root; decodeText handles BOMs and UTF-16', () => {
    assert.equal(joinPath('a/b', '../c.txt'), 'a/c.txt');
    assert.equal(joinPath('a', '../../etc/passwd'), undefined);
    assert.equal(joinPath('', '/abs/x'), 'abs/x');
    assert.equal(decodeText(Buffer.from('\ufeffhi', 'utf8')), 'hi');
    assert.equal(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hé', 'utf16le')])), 'hé');
    const be = Buffer.from('hé', 'utf16le').swap16();
    assert.equal(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), 'hé');
  });
});
