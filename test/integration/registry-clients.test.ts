/**
 * Vouch's registry with real clients, no auth: skopeo (copy both ways, inspect, list-tags, a
 * multi-arch index with --all), podman (push, pull) and buildah (push), each with private
 * containers-storage (vfs driver, temp root) so nothing touches the machine's own images; an
 * artifact with a subject is then discovered through the referrers API. Images are real:
 * .cache/test-images/debian-bookworm/layout (bash scripts/build-test-images.sh) and
 * stereoscope's OCI layouts in /work/shared/data/oci (or $VOUCH_SHARED_DATA/oci).
 *
 * Clients run as child processes with async execFile: the server lives in this process.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../src/servers/http/index.ts';
import { createRegistryService } from '../../src/servers/registry/index.ts';
import { http, OCI_INDEX, OCI_MANIFEST, pushBlob, sha256 } from '../conformance/distribution/client.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const SHARED = process.env.VOUCH_SHARED_DATA ?? '/work/shared/data';
const DEBIAN = join(ROOT, '.cache', 'test-images', 'debian-bookworm', 'layout');
const SMALL = join(SHARED, 'oci', 'stereoscope', 'oci-layouts', 'valid_oci_dir');
const MULTI = join(SHARED, 'oci', 'stereoscope', 'oci-layouts', 'multiplatform_oci_dir');
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const skipFor = (tools: string[], paths: string[] = []): string | false => {
  const missing = tools.filter((t) => !has(t));
  if (missing.length > 0) return `needs ${missing.join(', ')}`;
  const absent = paths.filter((p) => !existsSync(p));
  return absent.length > 0 ? `missing ${absent.join(', ')} (run bash scripts/build-test-images.sh; shared data under ${SHARED})` : false;
};

const env = { ...process.env, TMPDIR: tmpdir() };
async function tool(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr ?? e.message}`, { cause: err });
  }
}

function layoutManifestDigest(layout: string): string {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  return index.manifests[0]!.digest;
}

describe('registry: real clients', () => {
  let server: RunningServer;
  let dir: string;
  let host: string;
  let storage: string;
  const store = (): string[] => ['--root', join(storage, 'root'), '--runroot', join(storage, 'run'), '--storage-driver', 'vfs'];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vouch-reg-clients-'));
    storage = mkdtempSync(join(tmpdir(), 'vouch-reg-storage-'));
    const service = await createRegistryService({ dataDir: dir });
    server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
    host = server.url.replace(/^http:\/\//, '');
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    // vfs layers may be read-only directories owned by the test user: rm -rf handles them.
    rmSync(storage, { recursive: true, force: true });
  });

  test('skopeo: push the Debian image, inspect, list tags, pull it back, re-push', { skip: skipFor(['skopeo'], [DEBIAN]) }, async () => {
    const digest = layoutManifestDigest(DEBIAN);
    await tool('skopeo', ['copy', '--dest-tls-verify=false', `oci:${DEBIAN}`, `docker://${host}/library/debian:bookworm`]);
    const inspect = JSON.parse(await tool('skopeo', ['inspect', '--tls-verify=false', `docker://${host}/library/debian:bookworm`])) as { Digest: string; Layers: string[] };
    assert.equal(inspect.Digest, digest);
    const tags = JSON.parse(await tool('skopeo', ['list-tags', '--tls-verify=false', `docker://${host}/library/debian`])) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ['bookworm']);
    const out = mkdtempSync(join(tmpdir(), 'vouch-reg-pull-'));
    try {
      await tool('skopeo', ['copy', '--src-tls-verify=false', `docker://${host}/library/debian:bookworm`, `oci:${out}:pulled`]);
      assert.equal(layoutManifestDigest(out), digest);
      for (const layer of inspect.Layers) {
        const hex = layer.slice('sha256:'.length);
        assert.deepEqual(readFileSync(join(out, 'blobs', 'sha256', hex)), readFileSync(join(DEBIAN, 'blobs', 'sha256', hex)));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    // Every blob exists now: the second push only checks and writes the manifest under a new tag.
    await tool('skopeo', ['copy', '--dest-tls-verify=false', `oci:${DEBIAN}`, `docker://${host}/library/debian:again`]);
    const again = await http({ base: server.url }, 'HEAD', '/v2/library/debian/manifests/again', { headers: { accept: OCI_MANIFEST } });
    assert.equal(again.headers.get('docker-content-digest'), digest);
  });

  test('skopeo copy --all: a multi-arch index and its platform manifests', { skip: skipFor(['skopeo'], [MULTI]) }, async () => {
    await tool('skopeo', ['copy', '--all', '--dest-tls-verify=false', `oci:${MULTI}`, `docker://${host}/multi/arch:latest`]);
    const raw = JSON.parse(await tool('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/multi/arch:latest`])) as {
      mediaType?: string;
      manifests: { digest: string; platform?: { architecture: string } }[];
    };
    assert.ok(raw.manifests.length >= 2);
    for (const m of raw.manifests) {
      const res = await http({ base: server.url }, 'HEAD', `/v2/multi/arch/manifests/${m.digest}`, { headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });
      assert.equal(res.status, 200, m.digest);
    }
    const arm = JSON.parse(
      await tool('skopeo', ['inspect', '--override-arch', 'arm64', '--tls-verify=false', `docker://${host}/multi/arch:latest`]),
    ) as { Architecture: string };
    assert.equal(arm.Architecture, 'arm64');
  });

  test('an artifact with a subject is discovered through the referrers API', { skip: skipFor(['skopeo'], [SMALL]) }, async () => {
    await tool('skopeo', ['copy', '--dest-tls-verify=false', `oci:${SMALL}:latest`, `docker://${host}/art/small:1`]);
    const t = { base: server.url };
    const head = await http(t, 'HEAD', '/v2/art/small/manifests/1', { headers: { accept: OCI_MANIFEST } });
    const subject = { mediaType: head.headers.get('content-type')!, digest: head.headers.get('docker-content-digest')!, size: Number(head.headers.get('content-length')) };
    const empty = await pushBlob(t, 'art/small', '{}');
    const sbom = Buffer.from(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));
    const sbomDigest = await pushBlob(t, 'art/small', sbom);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.cyclonedx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
      layers: [{ mediaType: 'application/vnd.cyclonedx+json', digest: sbomDigest, size: sbom.length }],
      subject,
    });
    const put = await http(t, 'PUT', `/v2/art/small/manifests/${sha256(manifest)}`, { body: manifest, headers: { 'content-type': OCI_MANIFEST } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('oci-subject'), subject.digest);
    const refs = JSON.parse(await tool('curl', ['-sf', `${server.url}/v2/art/small/referrers/${subject.digest}?artifactType=application/vnd.cyclonedx%2Bjson`])) as {
      manifests: { digest: string; artifactType: string }[];
    };
    assert.deepEqual(refs.manifests.map((m) => [m.digest, m.artifactType]), [[sha256(manifest), 'application/vnd.cyclonedx+json']]);
    // skopeo reads the artifact by digest like any manifest.
    const raw = await tool('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/art/small@${sha256(manifest)}`]);
    assert.equal(sha256(raw), sha256(manifest));
  });

  test('podman push and pull; buildah push', { skip: skipFor(['podman', 'buildah'], [SMALL]) }, async () => {
    const local = `localhost${SMALL}:latest`;
    await tool('podman', [...store(), 'pull', `oci:${SMALL}:latest`]);
    await tool('podman', [...store(), 'push', '--tls-verify=false', local, `docker://${host}/podman/small:1`]);
    await tool('buildah', [...store(), 'push', '--tls-verify=false', local, `docker://${host}/buildah/small:1`]);
    const pushed = await http({ base: server.url }, 'GET', '/v2/podman/small/tags/list');
    assert.deepEqual(pushed.json(), { name: 'podman/small', tags: ['1'] });
    const built = await http({ base: server.url }, 'GET', '/v2/buildah/small/tags/list');
    assert.deepEqual(built.json(), { name: 'buildah/small', tags: ['1'] });
    await tool('podman', [...store(), 'rmi', '--all', '--force']);
    await tool('podman', [...store(), 'pull', '--tls-verify=false', `${host}/podman/small:1`]);
    const images = JSON.parse(await tool('podman', [...store(), 'images', '--format', 'json'])) as { Names?: string[] }[];
    assert.ok(images.some((i) => (i.Names ?? []).includes(`${host}/podman/small:1`)), JSON.stringify(images));
  });
});
