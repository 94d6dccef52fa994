/**
 * `vouch sign / verify / attest / verify-attestation` against the real CNCF distribution
 * registry (Debian's `docker-registry` 2.8, which has no referrers API: every referrer goes
 * through the `sha256-<hex>` referrers tag), on 127.0.0.1, with an image pushed by skopeo from
 * the shared stereoscope OCI layout. Both layouts, the right key, another key, a signature moved
 * onto another image, `skopeo inspect`/`list-tags` over what we wrote, the real cosign v0.3
 * attestation fixture (keyless, against cosign's test trusted root) stored as a referrer, and
 * grype's real `.att` envelopes in a legacy tag. Then the same round trip against Vouch's own
 * registry (in process), which has the referrers API: nothing goes through the referrers tag.
 *
 * Skips, saying which, when docker-registry or skopeo is missing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/clients/index.ts';
import { type RunningServer, startServer } from '../../src/servers/http/index.ts';
import { createRegistryService } from '../../src/servers/registry/index.ts';
import { generateKeyPair } from '../../src/sign/index.ts';
import { pushBundle, legacyTag } from '../../src/sign/image/index.ts';
import { type DockerRegistry, startDockerRegistry } from '../helpers/docker-registry.ts';

const DATA = new URL('../../../shared/data/', import.meta.url).pathname;
const LAYOUT = join(DATA, 'oci/stereoscope/oci-layouts/valid_oci_dir');
const SIGSTORE = join(DATA, 'sigstore');
const BIN = new URL('../../src/cli/bin.ts', import.meta.url).pathname;

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = ['docker-registry', 'skopeo'].filter((t) => !has(t));
const SKIP = missing.length === 0 ? false : `needs ${missing.join(', ')} (Debian packages docker-registry, skopeo)`;

/** valid_oci_dir's one manifest (stereoscope's expected.json). */
const IMAGE_DIGEST = 'sha256:c1ed04a3da941a5dd09b58b16c37f065557863d382ef97995ddac885a8452ebb';
/** go-containerregistry's empty.Image, the subject of cosign's oci-attestation fixture. */
const EMPTY_CONFIG = '{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}';
const EMPTY_DIGEST = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
/** grype's alpine attestations name this image digest as their subject. */
const ALPINE_DIGEST = 'sha256:6af1b11bbb17f4c311e269db6530e4da2738262af5fd9064ccdf109b765860fb';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('vouch sign / verify / attest / verify-attestation on a registry without the referrers API', { skip: SKIP }, () => {
  const work = mkdtempSync(join(tmpdir(), 'vouch-sign-image-'));
  let registry: DockerRegistry;
  let app = '';
  let client: RegistryClient;

  const vouch = (args: string[]): Run => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', VOUCH_PASSWORD: 'pw', REGISTRY_AUTH_FILE: join(work, 'auth.json') }, timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const skopeo = (args: string[]): string => execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

  before(async () => {
    writeFileSync(join(work, 'auth.json'), '{"auths":{}}');
    for (const name of ['a', 'b']) {
      const pair = generateKeyPair({ password: 'pw' });
      writeFileSync(join(work, `${name}.key`), pair.privateKeyPem);
      writeFileSync(join(work, `${name}.pub`), pair.publicKeyPem);
    }
    const started = await startDockerRegistry();
    if (started === undefined) throw new Error('docker-registry is not installed');
    registry = started;
    app = `${registry.host}/test/app`;
    skopeo(['copy', '--dest-tls-verify=false', `oci:${LAYOUT}:latest`, `docker://${app}:v1`]);
    client = new RegistryClient(registry.host);
    // A second image in the same repository: go-containerregistry's empty image, byte for byte.
    const config = await client.pushBlob('test/app', Buffer.from(EMPTY_CONFIG));
    const manifest = `{"schemaVersion":2,"mediaType":"${DOCKER_MANIFEST}","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":${config.size},"digest":"${config.digest}"},"layers":[]}`;
    const pushed = await client.putManifest('test/app', 'empty', Buffer.from(manifest), DOCKER_MANIFEST);
    assert.equal(pushed.digest, EMPTY_DIGEST);
  });

  after(async () => {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('sign resolves the tag, signs the digest in both layouts; skopeo sees the tags', () => {
    const r = vouch(['sign', `${app}:v1`, '--key', join(work, 'a.key'), '--layout', 'both', '-a', 'env=prod', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { digest: string; stored: { layout: string; via?: string; tag?: string }[] };
    assert.equal(out.digest, IMAGE_DIGEST);
    assert.match(r.stderr, new RegExp(`resolved to ${IMAGE_DIGEST}`));
    assert.deepEqual(out.stored.map((s) => s.layout), ['referrers', 'legacy']);
    assert.equal(out.stored[0]!.via, 'referrers-tag', 'distribution 2.8 has no referrers API');
    const tags = (JSON.parse(skopeo(['list-tags', '--tls-verify=false', `docker://${app}`])) as { Tags: string[] }).Tags;
    const hex = IMAGE_DIGEST.slice('sha256:'.length);
    assert.ok(tags.includes(`sha256-${hex}`), tags.join(' '));
    assert.ok(tags.includes(`sha256-${hex}.sig`), tags.join(' '));
    assert.ok(!tags.some((t) => t.startsWith('sha256-') && t.includes('v1')));
    const sig = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${app}:sha256-${hex}.sig`])) as { layers: { mediaType: string; annotations: Record<string, string> }[] };
    assert.equal(sig.layers.length, 1);
    assert.equal(sig.layers[0]!.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    assert.ok(sig.layers[0]!.annotations['dev.cosignproject.cosign/signature']);
    const index = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${app}:sha256-${hex}`])) as { manifests: { artifactType: string; annotations: Record<string, string> }[] };
    assert.equal(index.manifests.length, 1);
    assert.equal(index.manifests[0]!.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(index.manifests[0]!.annotations['dev.sigstore.bundle.predicateType'], 'https://sigstore.dev/cosign/sign/v1');
    // skopeo can read the .sig image itself (config and all).
    assert.match(skopeo(['inspect', '--tls-verify=false', `docker://${app}:sha256-${hex}.sig`]), /"Digest"/);
  });

  test('verify: the right key passes for both layouts, with the signed annotation; another key fails', () => {
    const ok = vouch(['verify', `${app}:v1`, '--key', join(work, 'a.pub'), '--annotations', 'env=prod', '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const verified = JSON.parse(ok.stdout) as { critical: { type: string; image: Record<string, string> }; source: { layout: string } }[];
    assert.deepEqual(verified.map((v) => v.source.layout).sort(), ['legacy', 'referrers']);
    for (const v of verified) assert.equal(v.critical.image['docker-manifest-digest'], IMAGE_DIGEST);
    assert.deepEqual(verified.map((v) => v.critical.type).sort(), ['cosign container image signature', 'https://sigstore.dev/cosign/sign/v1']);

    const wrongAnnotation = vouch(['verify', `${app}@${IMAGE_DIGEST}`, '--key', join(work, 'a.pub'), '--annotations', 'env=dev']);
    assert.equal(wrongAnnotation.status, 1);
    assert.match(wrongAnnotation.stderr, /annotation env="dev" asked for/);

    const other = vouch(['verify', `${app}:v1`, '--key', join(work, 'b.pub')]);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /\[VERIFY_SIGNATURE\]/);

    const unsigned = vouch(['verify', `${app}:empty`, '--key', join(work, 'a.pub')]);
    assert.equal(unsigned.status, 1);
    assert.match(unsigned.stderr, /none found.*\[NO_SIGNATURES\]/);
  });

  test('legacy signing appends: a second signer keeps the first signature', () => {
    const r = vouch(['sign', `${app}@${IMAGE_DIGEST}`, '--key', join(work, 'b.key'), '--layout', 'legacy']);
    assert.equal(r.status, 0, r.stderr);
    const hex = IMAGE_DIGEST.slice('sha256:'.length);
    const sig = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${app}:sha256-${hex}.sig`])) as { layers: unknown[] };
    assert.equal(sig.layers.length, 2);
    for (const key of ['a.pub', 'b.pub']) assert.equal(vouch(['verify', `${app}:v1`, '--key', join(work, key)]).status, 0, key);
  });

  test('a valid signature over another image does not verify this one (both layouts)', async () => {
    // Sign the empty image, then put its signature where this image's signatures are looked up.
    const r = vouch(['sign', `${app}:empty`, '--key', join(work, 'a.key'), '--layout', 'both']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(vouch(['verify', `${app}:empty`, '--key', join(work, 'a.pub')]).status, 0);
    // Its legacy manifest, tagged as the first image's .sig (replacing the real ones).
    const sigManifest = await client.getManifest('test/app', legacyTag(EMPTY_DIGEST, 'sig'));
    await client.putManifest('test/app', legacyTag(IMAGE_DIGEST, 'sig'), sigManifest.bytes, sigManifest.mediaType);
    // Its referrer bundle, attached to the first image.
    const refs = await client.getReferrers('test/app', EMPTY_DIGEST);
    const artifact = JSON.parse((await client.getManifest('test/app', refs.manifests[0]!.digest)).bytes.toString()) as { layers: { digest: string; size: number }[] };
    const bundle = JSON.parse((await client.getBlob('test/app', artifact.layers[0]!.digest, { maxBytes: 1 << 20 })).toString()) as unknown;
    // Drop the real referrers of the first image: only the moved one is left to find.
    await client.putManifest('test/app', `sha256-${IMAGE_DIGEST.slice(7)}`, Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}'), 'application/vnd.oci.image.index.v1+json');
    const v1 = await client.getManifest('test/app', IMAGE_DIGEST);
    await pushBundle(client, { name: app, repository: 'test/app', digest: IMAGE_DIGEST, mediaType: v1.mediaType, size: v1.bytes.byteLength }, bundle, 'https://sigstore.dev/cosign/sign/v1', () => new Date());

    const moved = vouch(['verify', `${app}:v1`, '--key', join(work, 'a.pub')]);
    assert.equal(moved.status, 1, moved.stdout);
    assert.match(moved.stderr, new RegExp(`\\.sig layer .*: the payload signs ${EMPTY_DIGEST}, not ${IMAGE_DIGEST}`));
    assert.match(moved.stderr, /referrer sha256:[0-9a-f]{64}: .*is not a subject of the in-toto statement/);
    assert.match(moved.stderr, /\[VERIFY_DIGEST\]/);
  });

  test('attest and verify-attestation: both layouts, predicate printed, type and key checked', () => {
    const predicate = join(SIGSTORE, 'cosign/predicates/vuln-predicate.json');
    const r = vouch(['attest', `${app}:v1`, '--key', join(work, 'a.key'), '--type', 'vuln', '--predicate', predicate, '--layout', 'both', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const hex = IMAGE_DIGEST.slice('sha256:'.length);
    const att = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${app}:sha256-${hex}.att`])) as { layers: { mediaType: string; annotations: Record<string, string> }[] };
    assert.equal(att.layers[0]!.mediaType, 'application/vnd.dsse.envelope.v1+json');
    assert.equal(att.layers[0]!.annotations.predicateType, 'https://cosign.sigstore.dev/attestation/vuln/v1');

    const ok = vouch(['verify-attestation', `${app}:v1`, '--key', join(work, 'a.pub'), '--type', 'vuln', '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const statements = JSON.parse(ok.stdout) as { predicateType: string; predicate: unknown; subject: { digest: { sha256: string } }[] }[];
    assert.equal(statements.length, 2, 'one per layout');
    const expected = JSON.parse(readFileSync(predicate, 'utf8')) as unknown;
    for (const s of statements) {
      assert.deepEqual(s.predicate, expected);
      assert.equal(s.subject[0]!.digest.sha256, hex);
    }
    assert.equal(vouch(['verify-attestation', `${app}:v1`, '--key', join(work, 'b.pub'), '--type', 'vuln']).status, 1);
    const otherType = vouch(['verify-attestation', `${app}:v1`, '--key', join(work, 'a.pub'), '--type', 'cyclonedx']);
    assert.equal(otherType.status, 1);

    // --policy: conditions on the verified statements (src/policy).
    writeFileSync(join(work, 'pass.yaml'), '- path: predicate.scanner.uri\n  equals: fakescanner.example.com/cosign-testing\n');
    writeFileSync(join(work, 'fail.yaml'), '- path: predicate.scanner.uri\n  equals: realscanner.example.com\n');
    const pass = vouch(['verify-attestation', `${app}:v1`, '--key', join(work, 'a.pub'), '--type', 'vuln', '--policy', join(work, 'pass.yaml')]);
    assert.equal(pass.status, 0, pass.stderr);
    const fail = vouch(['verify-attestation', `${app}:v1`, '--key', join(work, 'a.pub'), '--type', 'vuln', '--policy', join(work, 'fail.yaml')]);
    assert.equal(fail.status, 1);
    assert.match(fail.stderr, /\[POLICY_FAILED\]/);
  });

  test('a FILE target goes to attest-blob / verify-blob-attestation', () => {
    const file = join(DATA, 'sigstore/conformance/a.txt');
    const bundle = join(work, 'a.txt.att.json');
    const predicate = join(SIGSTORE, 'cosign/predicates/test-result.json');
    const r = vouch(['attest', file, '--key', join(work, 'a.key'), '--type', 'custom', '--predicate', predicate, '--bundle', bundle]);
    assert.equal(r.status, 0, r.stderr);
    const ok = vouch(['verify-attestation', file, '--key', join(work, 'a.pub'), '--bundle', bundle, '--type', 'custom']);
    assert.equal(ok.status, 0, ok.stderr);
    const other = vouch(['verify-attestation', file, '--key', join(work, 'b.pub'), '--bundle', bundle, '--type', 'custom']);
    assert.equal(other.status, 1);
  });

  test("cosign's real v0.3 attestation bundle, stored as a referrer, verifies keyless against cosign's test root", async () => {
    const bundle = JSON.parse(readFileSync(join(SIGSTORE, 'cosign/oci-attestation.sigstore.json'), 'utf8')) as unknown;
    const empty = await client.getManifest('test/app', EMPTY_DIGEST);
    await pushBundle(client, { name: app, repository: 'test/app', digest: EMPTY_DIGEST, mediaType: empty.mediaType, size: empty.bytes.byteLength }, bundle, 'https://cosign.sigstore.dev/attestation/v1', () => new Date());
    const root = join(SIGSTORE, 'trusted-roots/cosign-trusted_root_pgi.json');
    const args = (identity: string, target = `${app}:empty`) => ['verify-attestation', target, '--certificate-identity', identity, '--certificate-oidc-issuer', 'https://github.com/login/oauth', '--trusted-root', root, '--type', 'custom', '--json'];
    const ok = vouch(args('cody@soyland.com'));
    assert.equal(ok.status, 0, ok.stderr);
    const [statement] = JSON.parse(ok.stdout) as { predicate: { Data: string } }[];
    assert.equal(statement!.predicate.Data, '{"foo": "bar"}\n');
    const wrong = vouch(args('someone@else.example'));
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /\[VERIFY_IDENTITY\]/);
    // The same bundle attached to another image: its statement names the empty image only.
    const v1 = await client.getManifest('test/app', IMAGE_DIGEST);
    await pushBundle(client, { name: app, repository: 'test/app', digest: IMAGE_DIGEST, mediaType: v1.mediaType, size: v1.bytes.byteLength }, bundle, 'https://cosign.sigstore.dev/attestation/v1', () => new Date());
    const moved = vouch(args('cody@soyland.com', `${app}:v1`));
    assert.equal(moved.status, 1);
    assert.match(moved.stderr, /is not a subject of the in-toto statement/);
    assert.match(moved.stderr, /\[VERIFY_DIGEST\]/);
  });

  test('a referrers tag that is not an index is reported, and does not hide the legacy signatures', async () => {
    // The empty image has legacy signatures by key a (an earlier test); spoil its referrers tag.
    const v1 = await client.getManifest('test/app', IMAGE_DIGEST);
    await client.putManifest('test/app', `sha256-${EMPTY_DIGEST.slice(7)}`, v1.bytes, v1.mediaType);
    const r = vouch(['verify', `${app}:empty`, '--key', join(work, 'a.pub'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /referrer index: .*/);
    assert.ok((JSON.parse(r.stdout) as { source: { layout: string } }[]).every((v) => v.source.layout === 'legacy'));
  });

  test("grype's real .att envelopes in a legacy tag: cosign.pub verifies, another key and tampered envelopes fail", async () => {
    const grype = join(SIGSTORE, 'grype-attestations');
    const put = async (tag: string, files: string[]): Promise<void> => {
      const layers = [];
      for (const f of files) {
        const bytes = readFileSync(join(grype, f));
        const blob = await client.pushBlob('test/alpine', bytes);
        layers.push({ mediaType: 'application/vnd.dsse.envelope.v1+json', size: blob.size, digest: blob.digest, annotations: { predicateType: 'https://syft.dev/bom' } });
      }
      const config = await client.pushBlob('test/alpine', Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, config: {} })));
      const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.size, digest: config.digest }, layers };
      await client.putManifest('test/alpine', tag, Buffer.from(JSON.stringify(manifest)), 'application/vnd.oci.image.manifest.v1+json');
    };
    // The attestations name an alpine image we do not have: verification by digest needs only the signatures.
    await put(legacyTag(ALPINE_DIGEST, 'att'), ['alpine.att.json']);
    const target = `${registry.host}/test/alpine@${ALPINE_DIGEST}`;
    const ok = vouch(['verify-attestation', target, '--key', join(grype, 'cosign.pub'), '--type', 'https://syft.dev/bom', '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const [statement] = JSON.parse(ok.stdout) as { predicate: { artifacts: unknown[] } }[];
    assert.equal(statement!.predicate.artifacts.length, 14);
    const another = vouch(['verify-attestation', target, '--key', join(grype, 'another_cosign.pub'), '--type', 'https://syft.dev/bom']);
    assert.equal(another.status, 1);
    assert.match(another.stderr, /does not verify with the key/);
    await put(legacyTag(ALPINE_DIGEST, 'att'), ['alpine-tampered.att.json']);
    const tampered = vouch(['verify-attestation', target, '--key', join(grype, 'cosign.pub'), '--type', 'https://syft.dev/bom']);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stderr, /does not verify with the key.*\n.*\[VERIFY_SIGNATURE\]/);
  });
});

describe("vouch sign / verify / attest against Vouch's own registry (referrers API)", { skip: has('skopeo') ? false : 'needs skopeo' }, () => {
  const work = mkdtempSync(join(tmpdir(), 'vouch-sign-image-own-'));
  let server: RunningServer;
  let app = '';

  // The registry runs in this process: the CLI must be spawned without blocking the event loop.
  const vouch = (args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', VOUCH_PASSWORD: 'pw', REGISTRY_AUTH_FILE: join(work, 'auth.json') }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });
  const skopeo = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn('skopeo', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`skopeo ${args.join(' ')}: ${err}`))));
    });

  before(async () => {
    writeFileSync(join(work, 'auth.json'), '{"auths":{}}');
    for (const name of ['a', 'b']) {
      const pair = generateKeyPair({ password: 'pw' });
      writeFileSync(join(work, `${name}.key`), pair.privateKeyPem);
      writeFileSync(join(work, `${name}.pub`), pair.publicKeyPem);
    }
    const service = await createRegistryService({ dataDir: join(work, 'registry') });
    server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
    app = `${new URL(server.url).host}/team/app`;
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${LAYOUT}:latest`, `docker://${app}:v1`]);
  });

  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('sign goes through the referrers API (OCI-Subject), verify finds it there and in .sig', async () => {
    const r = await vouch(['sign', `${app}:v1`, '--key', join(work, 'a.key'), '--layout', 'both', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { digest: string; stored: { layout: string; via?: string }[] };
    assert.equal(out.digest, IMAGE_DIGEST);
    assert.equal(out.stored[0]!.via, 'referrers-api');
    const tags = (JSON.parse(await skopeo(['list-tags', '--tls-verify=false', `docker://${app}`])) as { Tags: string[] }).Tags;
    assert.ok(tags.includes(`sha256-${IMAGE_DIGEST.slice(7)}.sig`), tags.join(' '));
    assert.ok(!tags.includes(`sha256-${IMAGE_DIGEST.slice(7)}`), 'no referrers tag on a registry with the referrers API');
    const referrers = (await (await fetch(`${server.url}/v2/team/app/referrers/${IMAGE_DIGEST}`)).json()) as { manifests: { artifactType: string }[] };
    assert.deepEqual(referrers.manifests.map((m) => m.artifactType), ['application/vnd.dev.sigstore.bundle.v0.3+json']);

    const ok = await vouch(['verify', `${app}:v1`, '--key', join(work, 'a.pub'), '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual((JSON.parse(ok.stdout) as { source: { layout: string } }[]).map((v) => v.source.layout).sort(), ['legacy', 'referrers']);
    const other = await vouch(['verify', `${app}:v1`, '--key', join(work, 'b.pub')]);
    assert.equal(other.status, 1);
  });

  test('attest and verify-attestation through the referrers API', async () => {
    const predicate = join(SIGSTORE, 'cosign/predicates/test-result.json');
    const r = await vouch(['attest', `${app}:v1`, '--key', join(work, 'a.key'), '--type', 'custom', '--predicate', predicate]);
    assert.equal(r.status, 0, r.stderr);
    const ok = await vouch(['verify-attestation', `${app}@${IMAGE_DIGEST}`, '--key', join(work, 'a.pub'), '--type', 'custom', '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const statements = JSON.parse(ok.stdout) as { predicate: unknown }[];
    assert.equal(statements.length, 1);
    assert.deepEqual(statements[0]!.predicate, JSON.parse(readFileSync(predicate, 'utf8')));
    // The signature referrer is not taken for an attestation, nor the attestation for a signature.
    const sigs = await vouch(['verify', `${app}:v1`, '--key', join(work, 'a.pub'), '--json']);
    assert.equal((JSON.parse(sigs.stdout) as unknown[]).length, 2);
  });
});
