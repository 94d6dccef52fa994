/** The OS catalogers over directories laid out like root filesystems, built from the real fixtures. */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveLimits } from '../../../../../src/core/index.ts';
import type { Package } from '../../../../../src/formats/model/index.ts';
import { catalogers, detectDistro } from '../../../../../src/sbom/catalogers/os/index.ts';
import { FsResolver } from '../../../../../src/sbom/source/directory.ts';
import { catalogDir } from '../../../../helpers/catalog.ts';
import { OS_DATA, tree } from './helpers.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
const fixture = (p: string): Buffer => readFileSync(join(OS_DATA, p));

async function catalogRoot(files: Record<string, Buffer>): Promise<{ packages: Package[]; root: string }> {
  const root = tree(files, 'vouch-rootfs-');
  temps.push(root);
  const packages: Package[] = [];
  for (const c of catalogers) {
    const r = await catalogDir(c, root);
    assert.deepEqual(r.warnings, [], c.name);
    packages.push(...r.packages);
  }
  return { packages, root };
}

test('Debian root filesystem: dpkg status + os-release', async () => {
  const { packages, root } = await catalogRoot({
    'etc/os-release': fixture('dpkg/syft/image-dpkg/etc/os-release'), // Debian 12 (bookworm)
    'var/lib/dpkg/status': fixture('dpkg/osv-scalibr/dpkg/valid'),
  });
  assert.deepEqual(await detectDistro(await FsResolver.fromDirectory(root, { limits: resolveLimits() })), {
    id: 'debian',
    versionId: '12',
    versionCodename: 'bookworm',
    prettyName: 'Debian GNU/Linux 12 (bookworm)',
  });
  assert.equal(packages.length, 7);
  assert.ok(packages.every((p) => p.type === 'deb' && p.foundBy === 'dpkg-db-cataloger' && p.purl.startsWith('pkg:deb/debian/') && p.purl.includes('distro=debian-12')));
  assert.ok(packages.some((p) => p.purl === 'pkg:deb/debian/attr@1:2.5.1-4?arch=amd64&distro=debian-12'));
});

test('Ubuntu (ID_LIKE=debian) names its own namespace', async () => {
  const { packages } = await catalogRoot({
    'etc/os-release': fixture('os-release/syft/os/ubuntu/etc/os-release'),
    'var/lib/dpkg/status': fixture('dpkg/osv-scalibr/dpkg/single'),
  });
  assert.deepEqual(packages.map((p) => p.purl), ['pkg:deb/ubuntu/acl@2.3.1-3?arch=amd64&distro=ubuntu-20.04']);
});

test('Alpine root filesystem: apk database + os-release', async () => {
  const { packages } = await catalogRoot({
    'etc/os-release': fixture('os-release/syft/os/alpine/etc/os-release'), // Alpine 3.11.6
    'lib/apk/db/installed': fixture('apk/syft/multiple-1/lib/apk/db/installed'),
  });
  assert.deepEqual(packages.map((p) => p.purl).sort(), [
    'pkg:apk/alpine/bash@5.2.21-r0?arch=x86_64&distro=alpine-3.11.6',
    'pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.11.6&upstream=busybox',
    'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.11.6',
    'pkg:apk/alpine/readline@8.2.1-r2?arch=x86_64&distro=alpine-3.11.6',
  ]);
});

test('CentOS root filesystem: Berkeley DB rpmdb + usr/lib/os-release', async () => {
  const { packages } = await catalogRoot({
    'usr/lib/os-release': fixture('os-release/syft/os/centos/usr/lib/os-release'), // CentOS 8
    'var/lib/rpm/Packages': fixture('rpm/syft/Packages'),
  });
  assert.deepEqual(packages.map((p) => p.purl), ['pkg:rpm/centos/dive@0.9.2-1?arch=x86_64&distro=centos-8&upstream=dive-0.9.2-1.src.rpm']);
});

test('a tree holding a root filesystem below its top: the distro is read from that root', async () => {
  const { packages } = await catalogRoot({
    'rootfs/etc/os-release': fixture('os-release/syft/os/debian/from-os-release/usr/lib/os-release'), // Debian 8
    'rootfs/var/lib/dpkg/status': fixture('dpkg/osv-scalibr/dpkg/single'),
  });
  assert.deepEqual(packages.map((p) => [p.purl, p.locations[0]!.path]), [['pkg:deb/debian/acl@2.3.1-3?arch=amd64&distro=debian-8', 'rootfs/var/lib/dpkg/status']]);
});
