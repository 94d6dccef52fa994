/**
 * Cataloger.wants(): the per-path test an image uses to keep files while it indexes its layers
 * (one pass per layer). It must name every file select() picks, or an image scan pays a second
 * pass: checked for every cataloger on the shared lockfile and OS fixture trees, and on a few
 * paths each way.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveLimits } from '../../../../src/core/index.ts';
import { ALL_CATALOGERS } from '../../../../src/sbom/catalogers/index.ts';
import { FsResolver } from '../../../../src/sbom/source/directory.ts';
import type { Cataloger } from '../../../../src/sbom/generic/index.ts';
import { LOCKFILES, SHARED_DATA } from '../../../helpers/catalog.ts';

const TREES = [LOCKFILES, join(SHARED_DATA, 'os')];

function byName(name: string): Cataloger {
  const c = ALL_CATALOGERS.find((x) => x.name === name);
  assert.ok(c, `cataloger ${name}`);
  return c;
}

describe('Cataloger.wants', () => {
  it('every cataloger has one', () => {
    for (const c of ALL_CATALOGERS) assert.equal(typeof c.wants, 'function', c.name);
  });

  for (const tree of TREES) {
    it(`names every file select() picks in ${tree}`, async () => {
      const resolver = await FsResolver.fromDirectory(tree, { limits: resolveLimits({}), exclude: [] });
      let checked = 0;
      for (const c of ALL_CATALOGERS) {
        for (const path of c.select(resolver)) {
          const want = c.wants!(path);
          assert.notEqual(want, false, `${c.name} selects ${path} but does not want it`);
          checked++;
        }
      }
      assert.ok(checked > 100, `only ${checked} selected files: is the fixture tree there?`);
    });
  }

  it('generic catalogers: their globs, minus what skipUnder leaves out', () => {
    const python = byName('python-requirements-cataloger');
    assert.equal(python.wants!('app/requirements.txt'), 'read');
    assert.equal(python.wants!('app/node_modules/x/requirements.txt'), false, 'skipUnder node_modules');
    assert.equal(python.wants!('app/requirements.txt.orig'), false);
    const npm = byName('javascript-lock-cataloger');
    assert.equal(npm.wants!('package-lock.json'), 'read');
    assert.equal(npm.wants!('a/b/package-lock.json'), 'read');
    assert.equal(npm.wants!('a/b/package.json'), false);
  });

  it('os catalogers: the databases and the companion files select() adds', () => {
    const dpkg = byName('dpkg-db-cataloger');
    assert.equal(dpkg.wants!('var/lib/dpkg/status'), 'read');
    assert.equal(dpkg.wants!('usr/share/doc/bash/copyright'), 'read');
    assert.equal(dpkg.wants!('usr/lib/os-release'), 'read');
    assert.equal(dpkg.wants!('rootfs/etc/debian_version'), 'read');
    assert.equal(dpkg.wants!('usr/share/doc/bash/changelog.gz'), false);
    assert.equal(dpkg.wants!('bin/busybox'), false, 'read only as a last resort');
    const apk = byName('apk-db-cataloger');
    assert.equal(apk.wants!('lib/apk/db/installed'), 'read');
    assert.equal(apk.wants!('etc/os-release'), 'read');
    assert.equal(apk.wants!('usr/share/doc/bash/copyright'), false, 'a dpkg companion only');
  });

  it('binary catalogers: probe executables that may be binaries, by name and mode', () => {
    for (const name of ['go-module-binary-cataloger', 'cargo-auditable-binary-cataloger']) {
      const c = byName(name);
      assert.equal(c.wants!('usr/bin/ls', { size: 150_000, mode: 0o755 }), 'probe');
      assert.equal(c.wants!('usr/bin/ls', { size: 150_000, mode: 0o644 }), false, 'not executable');
      assert.equal(c.wants!('usr/bin/ls'), 'probe', 'no mode recorded: a candidate');
      assert.equal(c.wants!('usr/share/doc/x/README', { size: 10, mode: 0o755 }), false);
      assert.equal(c.wants!('app/run.sh', { size: 10, mode: 0o755 }), false);
    }
  });
});
