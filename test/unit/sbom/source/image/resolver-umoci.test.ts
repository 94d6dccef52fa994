/**
 * The resolver against real tools: umoci builds a three-layer OCI image (files, symlinks,
 * hardlinks, then deletions that umoci writes as whiteouts), umoci unpacks the final image as
 * the oracle of the squashed view, and skopeo recompresses the layers to zstd. Skips, saying
 * why, where umoci (or, for zstd, skopeo) is not installed (Debian packages `umoci`, `skopeo`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLimits, silentLogger } from '../../../../../src/core/index.ts';
import { openImageSource } from '../../../../../src/sbom/source/image/index.ts';
import type { ImageResolver } from '../../../../../src/sbom/source/image/resolver.ts';
import { openResolver } from './resolver-helpers.ts';

const has = (tool: string): boolean => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const UMOCI = has('umoci');
const SKOPEO = has('skopeo');

const run = (cmd: string, ...args: string[]): void => {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Regular files, and symlinks that resolve to a regular file inside the root (directory links not walked), as the oracle. */
async function oracle(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const realRoot = await realpath(root);
  const walk = async (dir: string): Promise<void> => {
    for (const d of await readdir(join(root, dir), { withFileTypes: true })) {
      const rel = dir === '' ? d.name : `${dir}/${d.name}`;
      if (d.isDirectory()) await walk(rel);
      else if (d.isFile()) out.set(rel, await readFile(join(root, rel), 'utf8'));
      else if (d.isSymbolicLink()) {
        const real = await realpath(join(root, rel)).catch(() => undefined);
        if (real?.startsWith(realRoot + '/') === true && (await stat(real)).isFile()) out.set(rel, await readFile(real, 'utf8'));
      }
    }
  };
  await walk('');
  return out;
}

async function contents(r: ImageResolver): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await r.prefetch(r.files().map((f) => f.path));
  for (const f of r.files()) out.set(f.path, (await r.read(f.path)).toString());
  return out;
}

describe('ImageResolver on images built by umoci', { skip: UMOCI ? false : 'umoci is not installed (Debian package umoci)' }, () => {
  let work = '';
  let layout = '';
  let unpacked = '';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vouch-umoci-'));
    layout = join(work, 'layout');
    const bundle = join(work, 'bundle');
    const rootfs = join(bundle, 'rootfs');
    run('umoci', 'init', '--layout', layout);
    run('umoci', 'new', '--image', `${layout}:t`);
    run('umoci', 'unpack', '--rootless', '--image', `${layout}:t`, bundle);
    // Layer 0
    const put = async (p: string, body: string): Promise<void> => {
      await mkdir(join(rootfs, p, '..'), { recursive: true });
      await writeFile(join(rootfs, p), body);
    };
    await put('usr/lib/os-release', 'ID=debian\nVERSION_ID="12"\n');
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await symlink('../usr/lib/os-release', join(rootfs, 'etc/os-release'));
    await put('var/lib/dpkg/status', 'Package: a\n\nPackage: b\n');
    await put('tmp/cache/x', 'x');
    await put('tmp/cache/sub/y', 'y');
    await put('opt/old', 'old');
    await put('opt/keep', 'keep');
    await put('usr/bin/perl5.36', 'perl');
    await link(join(rootfs, 'usr/bin/perl5.36'), join(rootfs, 'usr/bin/perl'));
    await symlink('usr/lib', join(rootfs, 'lib'));
    await symlink('nowhere', join(rootfs, 'dangling'));
    run('umoci', 'repack', '--refresh-bundle', '--image', `${layout}:t`, bundle);
    // Layer 1: deletions (umoci writes .wh. files), a changed file, a file that becomes a directory
    await rm(join(rootfs, 'tmp/cache'), { recursive: true });
    await rm(join(rootfs, 'opt/old'));
    await put('var/lib/dpkg/status', 'Package: a\n');
    await rm(join(rootfs, 'opt/keep'));
    await put('opt/keep/inside', 'now a directory');
    run('umoci', 'repack', '--refresh-bundle', '--image', `${layout}:t`, bundle);
    // Layer 2: a deleted file comes back
    await put('opt/old', 'old, again');
    run('umoci', 'repack', '--refresh-bundle', '--image', `${layout}:t`, bundle);
    unpacked = join(work, 'unpacked');
    run('umoci', 'unpack', '--rootless', '--image', `${layout}:t`, unpacked);
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const open = async (ref: string, scope: 'squashed' | 'all-layers'): Promise<{ r: ImageResolver; digests: string[]; close: () => Promise<void> }> => {
    const limits = resolveLimits();
    const source = await openImageSource({ transport: 'oci-dir', ref }, { limits, logger: silentLogger });
    const r = await openResolver(source, scope);
    return {
      r,
      digests: source.description.layers.map((l) => l.digest),
      close: async () => {
        await r.close();
        await source.close();
      },
    };
  };

  it('the squashed view has exactly the files umoci unpacks, with the same bytes', async () => {
    const { r, close } = await open(layout, 'squashed');
    try {
      const want = await oracle(join(unpacked, 'rootfs'));
      // The oracle is the three layers' result: deletions, the file turned directory, the file back again.
      assert.equal(want.get('opt/keep/inside'), 'now a directory');
      assert.equal(want.get('opt/old'), 'old, again');
      assert.equal(want.has('tmp/cache/x'), false);
      assert.equal(want.get('usr/bin/perl'), 'perl');
      assert.deepEqual([...(await contents(r)).entries()].sort(), [...want.entries()].sort());
      assert.equal(await readlink(join(unpacked, 'rootfs/etc/os-release')), '../usr/lib/os-release');
    } finally {
      await close();
    }
  });

  it('the all-layers view adds the deleted and overwritten files of the lower layers', async () => {
    const { r, digests, close } = await open(layout, 'all-layers');
    try {
      const layered = r.files().filter((f) => f.path.startsWith('.layers/')).map((f) => f.path);
      assert.deepEqual(layered.sort(), [
        '.layers/0/opt/keep',
        '.layers/0/opt/old',
        '.layers/0/tmp/cache/sub/y',
        '.layers/0/tmp/cache/x',
        '.layers/0/var/lib/dpkg/status',
      ]);
      assert.equal((await r.read('.layers/0/var/lib/dpkg/status')).toString(), 'Package: a\n\nPackage: b\n');
      assert.equal((await r.read('.layers/0/opt/old')).toString(), 'old');
      assert.equal((await r.read('opt/old')).toString(), 'old, again');
      assert.equal(digests.length, 3);
      assert.equal(r.layerOf('opt/old'), digests[2]);
      assert.equal(r.layerOf('var/lib/dpkg/status'), digests[1]);
      assert.equal(r.layerOf('etc/os-release'), digests[0]);
    } finally {
      await close();
    }
  });

  it('zstd layers (recompressed by skopeo) give the same view', { skip: SKOPEO ? false : 'skopeo is not installed (Debian package skopeo)' }, async () => {
    const zstd = join(work, 'zstd');
    run('skopeo', 'copy', '--quiet', '--dest-compress-format', 'zstd', `oci:${layout}:t`, `oci:${zstd}:t`);
    const { r, close } = await open(zstd, 'squashed');
    try {
      const index = JSON.parse(await readFile(join(zstd, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
      const manifest = JSON.parse(await readFile(join(zstd, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: { mediaType: string }[] };
      assert.deepEqual(manifest.layers.map((l) => l.mediaType), Array(3).fill('application/vnd.oci.image.layer.v1.tar+zstd'));
      const want = await oracle(join(unpacked, 'rootfs'));
      assert.deepEqual([...(await contents(r)).entries()].sort(), [...want.entries()].sort());
    } finally {
      await close();
    }
  });

  it('the temporary folder is made under os.tmpdir() on the first read and goes on close()', async () => {
    const parent = join(work, 'tmp');
    await mkdir(parent);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = parent; // os.tmpdir() reads it on each call
    try {
      const { r, close } = await open(layout, 'squashed');
      assert.deepEqual(await readdir(parent), []);
      await r.read('var/lib/dpkg/status');
      const made = await readdir(parent);
      assert.equal(made.length, 1);
      assert.match(made[0]!, /^vouch-image-/);
      await close();
      assert.deepEqual(await readdir(parent), []);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
