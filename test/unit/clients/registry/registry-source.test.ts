/**
 * The `registry:` ImageSource (src/sbom/source/image/registry.ts) against the in-process fake
 * registry: platform selection from OCI indexes and Docker manifest lists, descriptor checks,
 * verified layer streams, credentials from an auth file, and close().
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_LIMITS, VouchError } from '../../../../src/core/index.ts';
import { openRegistryImage } from '../../../../src/sbom/source/image/registry.ts';
import type { ImageOpenOptions } from '../../../../src/sbom/source/image/types.ts';
import { FakeRegistry, collectingLogger, sha256 } from './fake-registry.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

function isCode(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof VouchError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

interface Built {
  readonly manifestDigest: string;
  readonly configDigest: string;
  readonly layers: { digest: string; data: string; diffId: string }[];
  readonly size: number;
}

/** Push one image (config, layers, manifest) into the fake registry; returns its digests. */
function pushImage(reg: FakeRegistry, repo: string, arch: string, opts: { docker?: boolean; configMediaType?: string; diffIds?: number; variant?: string } = {}): Built {
  const layers = [`${arch} base layer`, `${arch} app layer`].map((data) => ({ digest: reg.addBlob(data), data, diffId: sha256(`diff ${data}`) }));
  const config = JSON.stringify({
    architecture: arch,
    os: 'linux',
    ...(opts.variant !== undefined && { variant: opts.variant }),
    rootfs: { type: 'layers', diff_ids: layers.slice(0, opts.diffIds ?? layers.length).map((l) => l.diffId) },
  });
  const configDigest = reg.addBlob(config);
  const manifest = {
    schemaVersion: 2,
    mediaType: opts.docker ? DOCKER_MANIFEST : OCI_MANIFEST,
    config: { mediaType: opts.configMediaType ?? (opts.docker ? DOCKER_CONFIG : OCI_CONFIG), digest: configDigest, size: Buffer.byteLength(config) },
    layers: layers.map((l) => ({ mediaType: opts.docker ? DOCKER_LAYER : OCI_LAYER, digest: l.digest, size: Buffer.byteLength(l.data) })),
  };
  const body = JSON.stringify(manifest);
  const manifestDigest = reg.addManifest(repo, undefined, body, manifest.mediaType);
  return { manifestDigest, configDigest, layers, size: Buffer.byteLength(body) };
}

function options(extra: Partial<ImageOpenOptions> = {}): ImageOpenOptions {
  return { limits: DEFAULT_LIMITS, logger: collectingLogger(), env: { HOME: '/nonexistent' }, ...extra };
}

describe('registry: image source', () => {
  const reg = new FakeRegistry();
  let amd64: Built;
  let arm64: Built;
  let work: string;
  before(async () => {
    await reg.start();
    work = mkdtempSync(join(tmpdir(), 'vouch-regsrc-'));
    amd64 = pushImage(reg, 'multi/app', 'amd64');
    arm64 = pushImage(reg, 'multi/app', 'arm64', { variant: 'v8' });
    const attestation = pushImage(reg, 'multi/app', 'unknown');
    reg.addManifest(
      'multi/app',
      'v1',
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: amd64.manifestDigest, size: amd64.size, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: OCI_MANIFEST, digest: arm64.manifestDigest, size: arm64.size, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          {
            mediaType: OCI_MANIFEST,
            digest: attestation.manifestDigest,
            size: attestation.size,
            platform: { os: 'unknown', architecture: 'unknown' },
            annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
          },
        ],
      },
      OCI_INDEX,
    );
  });
  after(async () => {
    await reg.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('an OCI index is narrowed to the platform asked for; the description has digests, platform and layers', async () => {
    const img = await openRegistryImage(`${reg.host}/multi/app:v1`, options({ platform: 'linux/arm64' }));
    try {
      assert.deepEqual(img.description, {
        reference: `${reg.host}/multi/app:v1`,
        manifestDigest: arm64.manifestDigest,
        manifestMediaType: OCI_MANIFEST,
        configDigest: arm64.configDigest,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        layers: arm64.layers.map((l) => ({ digest: l.digest, mediaType: OCI_LAYER, size: Buffer.byteLength(l.data), diffId: l.diffId })),
        tags: ['v1'],
      });
      assert.equal(await text(await img.openLayer(1)), 'arm64 app layer');
      await assert.rejects(img.openLayer(2), isCode('IMAGE_NOT_FOUND', /has no layer 2 \(it has 2\)/));
    } finally {
      await img.close();
    }
    const amd = await openRegistryImage(`${reg.host}/multi/app:v1`, options({ platform: 'linux/amd64' }));
    assert.equal(amd.description.manifestDigest, amd64.manifestDigest);
    await amd.close();
  });

  test('by digest; a platform the index lacks is IMAGE_NOT_FOUND naming those it has', async () => {
    const img = await openRegistryImage(`${reg.host}/multi/app@${arm64.manifestDigest}`, options());
    assert.equal(img.description.manifestDigest, arm64.manifestDigest);
    assert.equal(img.description.tags, undefined);
    await img.close();
    await assert.rejects(
      openRegistryImage(`${reg.host}/multi/app:v1`, options({ platform: 'linux/s390x' })),
      isCode('IMAGE_NOT_FOUND', /no image for platform linux\/s390x .* available: linux\/amd64, linux\/arm64/),
    );
    // A single manifest for another platform than the one asked for.
    await assert.rejects(
      openRegistryImage(`${reg.host}/multi/app@${arm64.manifestDigest}`, options({ platform: 'linux/amd64' })),
      isCode('IMAGE_NOT_FOUND', /is an image for linux\/arm64\/v8, not linux\/amd64/),
    );
  });

  test('a Docker manifest list of schema 2 manifests', async () => {
    const d = pushImage(reg, 'docker/app', 'amd64', { docker: true });
    const list = { schemaVersion: 2, mediaType: DOCKER_LIST, manifests: [{ mediaType: DOCKER_MANIFEST, digest: d.manifestDigest, size: d.size, platform: { os: 'linux', architecture: 'amd64' } }] };
    reg.addManifest('docker/app', 'latest', list, DOCKER_LIST);
    const img = await openRegistryImage(`${reg.host}/docker/app`, options({ platform: 'linux/amd64' }));
    assert.equal(img.description.reference, `${reg.host}/docker/app:latest`);
    assert.equal(img.description.manifestMediaType, DOCKER_MANIFEST);
    assert.equal(img.description.layers[0]?.mediaType, DOCKER_LAYER);
    assert.equal(await text(await img.openLayer(0)), 'amd64 base layer');
    await img.close();
  });

  test('an index entry whose size is not the manifest size is DIGEST_MISMATCH', async () => {
    const a = pushImage(reg, 'bad/size', 'amd64');
    reg.addManifest('bad/size', 'v1', { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: a.manifestDigest, size: a.size + 1, platform: { os: 'linux', architecture: 'amd64' } }] }, OCI_INDEX);
    await assert.rejects(openRegistryImage(`${reg.host}/bad/size:v1`, options()), isCode('DIGEST_MISMATCH', /the index says/));
  });

  test('artifacts and configs that disagree with the manifest are IMAGE_INVALID', async () => {
    const art = pushImage(reg, 'art/chart', 'amd64', { configMediaType: 'application/vnd.cncf.helm.config.v1+json' });
    await assert.rejects(openRegistryImage(`${reg.host}/art/chart@${art.manifestDigest}`, options()), isCode('IMAGE_INVALID', /not a container image: its config is application\/vnd\.cncf\.helm/));
    const short = pushImage(reg, 'bad/diffids', 'amd64', { diffIds: 1 });
    await assert.rejects(openRegistryImage(`${reg.host}/bad/diffids@${short.manifestDigest}`, options()), isCode('IMAGE_INVALID', /2 layers in the manifest but 1 diff_ids/));
  });

  test('a layer whose bytes are not its digest fails its stream with DIGEST_MISMATCH', async () => {
    const img = await openRegistryImage(`${reg.host}/multi/app@${amd64.manifestDigest}`, options());
    const layer = amd64.layers[0]!;
    reg.blobs.set(layer.digest, Buffer.from(layer.data.toUpperCase()));
    try {
      await assert.rejects(text(await img.openLayer(0)), isCode('DIGEST_MISMATCH'));
    } finally {
      reg.blobs.set(layer.digest, Buffer.from(layer.data));
      await img.close();
    }
  });

  test('close() ends open layer streams; openLayer after close is refused', async () => {
    const big = reg.addBlob(Buffer.alloc(8 * 1024 * 1024, 1));
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256('x')] } });
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: reg.addBlob(config), size: config.length }, layers: [{ mediaType: OCI_LAYER, digest: big, size: 8 * 1024 * 1024 }] };
    const digest = reg.addManifest('big/app', undefined, manifest, OCI_MANIFEST);
    const img = await openRegistryImage(`${reg.host}/big/app@${digest}`, options());
    const stream = await img.openLayer(0);
    await img.close();
    assert.equal(stream.destroyed, true);
    await assert.rejects(img.openLayer(0), isCode('INTERNAL', /after close/));
  });

  test('bad references and platforms are usage errors before any request', async () => {
    const n = reg.requests.length;
    await assert.rejects(openRegistryImage('UPPER/Case', options()), isCode('BAD_TARGET'));
    await assert.rejects(openRegistryImage(`${reg.host}/a:v1`, options({ platform: 'linux/amd64/v2/x' })), isCode('USAGE'));
    assert.equal(reg.requests.length, n);
  });

  test('credentials from REGISTRY_AUTH_FILE; a credential helper is reported, not run', async () => {
    const priv = new FakeRegistry({ auth: 'bearer', user: 'carol', password: 'c4r0l!', anonymousPull: false });
    await priv.start();
    try {
      const img = pushImage(priv, 'team/private', 'amd64');
      const authFile = join(work, 'auth.json');
      writeFileSync(authFile, JSON.stringify({ auths: { [priv.host]: { auth: Buffer.from('carol:c4r0l!').toString('base64') } } }));
      const logger = collectingLogger();
      const opened = await openRegistryImage(`${priv.host}/team/private@${img.manifestDigest}`, options({ logger, env: { HOME: '/nonexistent', REGISTRY_AUTH_FILE: authFile } }));
      assert.equal(await text(await opened.openLayer(0)), 'amd64 base layer');
      await opened.close();
      assert.match(logger.lines.join('\n'), /credentials for 127\.0\.0\.1:\d+ from .*auth\.json/);
      assert.ok(!logger.lines.join('\n').includes('c4r0l!'));
      // --creds wins over the file.
      await assert.rejects(
        openRegistryImage(`${priv.host}/team/private@${img.manifestDigest}`, options({ creds: 'carol:wrong', env: { HOME: '/nonexistent', REGISTRY_AUTH_FILE: authFile } })),
        isCode('REGISTRY_AUTH', /credentials were refused/),
      );
      // Docker's config with a credsStore: a warning, then anonymous (refused here).
      const dockerHome = mkdtempSync(join(work, 'home-'));
      const dockerDir = join(dockerHome, '.docker');
      mkdirSync(dockerDir);
      writeFileSync(join(dockerDir, 'config.json'), JSON.stringify({ auths: { [priv.host]: {} }, credsStore: 'secretservice' }));
      const warned = collectingLogger();
      await assert.rejects(openRegistryImage(`${priv.host}/team/private:v1`, options({ logger: warned, env: { HOME: dockerHome } })), isCode('REGISTRY_AUTH', /anonymous access was refused/));
      assert.match(warned.lines.join('\n'), /^warn .*docker-credential-secretservice.*does not run/m);
    } finally {
      await priv.close();
    }
  });
});
