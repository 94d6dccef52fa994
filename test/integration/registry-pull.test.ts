/**
 * The `registry:` source and the registry client against the real CNCF distribution registry
 * (Debian's `docker-registry`, 2.8), on 127.0.0.1, with images built by umoci and pushed by
 * skopeo — anonymous, with htpasswd Basic auth, and with the distribution token flow: the
 * registry's `auth.token` points at a token server this test runs, whose ES256 JWTs the registry
 * validates against a self-signed certificate (built here with node:crypto) in its
 * `rootcertbundle`. Three registry processes serve one storage folder; each is started on a free
 * port, awaited until `/v2/` answers, and killed (by pid) in after(); temp folders are removed.
 *
 * Skips, saying which, when docker-registry, skopeo, umoci or htpasswd is missing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { RegistryClient } from '../../src/clients/index.ts';
import { DEFAULT_LIMITS, VouchError } from '../../src/core/index.ts';
import { openRegistryImage } from '../../src/sbom/source/image/registry.ts';
import type { ImageOpenOptions } from '../../src/sbom/source/image/types.ts';
import { type DockerRegistry, type DockerRegistryOptions, startDockerRegistry } from '../helpers/docker-registry.ts';
import { libtrustKeyId, selfSignedCert } from '../unit/clients/registry/test-cert.ts';

const TOOLS = ['docker-registry', 'skopeo', 'umoci', 'htpasswd'] as const;
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = TOOLS.filter((t) => !has(t));
const SKIP =
  missing.length === 0 ? false : `needs ${missing.join(', ')} (Debian packages docker-registry, skopeo, umoci, apache2-utils)`;

const USER = 'vouch-user';
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

function isCode(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof VouchError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

function collectingLogger() {
  const lines: string[] = [];
  return { lines, debug: (m: string) => lines.push(m), info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`warn ${m}`) };
}

// --- ES256 JWTs, with node:crypto ------------------------------------------------------------

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const header = { typ: 'JWT', alg: 'ES256', kid: libtrustKeyId(key) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

// --- the token server ----------------------------------------------------------------------

interface TokenRequest {
  readonly authorization: string | undefined;
  readonly query: URLSearchParams;
}

const ISSUER = 'vouch-test-issuer';
const SERVICE = 'vouch-test-registry';

/**
 * distribution's token spec, the issuing side: Basic credentials (USER/PASSWORD) get every
 * action asked for; anonymous requests get `pull` on `public/*` only; wrong credentials 401.
 */
class TokenServer {
  readonly key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  /** Sign with another key: the registry must refuse the tokens. */
  rogue = false;
  readonly #rogueKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  readonly requests: TokenRequest[] = [];
  readonly issued: string[] = [];
  #server: Server | undefined;

  get realm(): string {
    return `http://127.0.0.1:${(this.#server?.address() as AddressInfo).port}/token`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    const s = this.#server;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ authorization: req.headers.authorization, query: url.searchParams });
    let user: string | undefined;
    if (req.headers.authorization !== undefined) {
      if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
        return;
      }
      user = USER;
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const m = /^repository:([^:]+):(.+)$/.exec(scope);
      if (m === null) return [];
      const [, name = '', actions = ''] = m;
      const granted = user !== undefined ? actions.split(',') : name.startsWith('public/') ? ['pull'] : [];
      return [{ type: 'repository', name, actions: granted }];
    });
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(this.rogue ? this.#rogueKey : this.key, {
      iss: ISSUER,
      sub: user ?? '',
      aud: url.searchParams.get('service') ?? '',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    });
    this.issued.push(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  }
}

// --- registry processes ----------------------------------------------------------------------

async function mustStart(options: DockerRegistryOptions): Promise<DockerRegistry> {
  const registry = await startDockerRegistry(options);
  if (registry === undefined) throw new Error('docker-registry is not installed');
  return registry;
}

// --- the images --------------------------------------------------------------------------------

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, timeout: 120_000 });
}

interface LayoutImage {
  readonly manifestDigest: string;
  readonly configDigest: string;
}

/** An OCI layout with `amd64` and `arm64` (one file each), and `multi`: an index of both. */
function buildLayout(work: string): { layout: string; images: Record<'amd64' | 'arm64', LayoutImage>; indexDigest: string } {
  const layout = join(work, 'layout');
  run('umoci', ['init', '--layout', layout]);
  for (const arch of ['amd64', 'arm64'] as const) {
    const bundle = join(work, `bundle-${arch}`);
    run('umoci', ['new', '--image', `${layout}:${arch}`]);
    run('umoci', ['config', '--image', `${layout}:${arch}`, '--os', 'linux', '--architecture', arch]);
    run('umoci', ['unpack', '--image', `${layout}:${arch}`, bundle]);
    mkdirSync(join(bundle, 'rootfs/etc'), { recursive: true });
    writeFileSync(join(bundle, 'rootfs/etc/os-release'), 'ID=vouchtest\nVERSION_ID=1\n');
    writeFileSync(join(bundle, `rootfs/hello-${arch}.txt`), `hello from ${arch}\n`);
    run('umoci', ['repack', '--image', `${layout}:${arch}`, bundle]);
  }
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[] };
  const images = {} as Record<'amd64' | 'arm64', LayoutImage>;
  const entries = [];
  for (const arch of ['amd64', 'arm64'] as const) {
    const d = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === arch)!;
    const manifest = JSON.parse(readFileSync(join(layout, 'blobs', d.digest.replace(':', '/')), 'utf8')) as { config: { digest: string } };
    images[arch] = { manifestDigest: d.digest, configDigest: manifest.config.digest };
    entries.push({ mediaType: d.mediaType, digest: d.digest, size: d.size, platform: { os: 'linux', architecture: arch } });
  }
  // umoci makes single images; the index is written by hand (image-index.md).
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries }));
  const indexDigest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  writeFileSync(join(layout, 'blobs/sha256', indexDigest.slice(7)), body);
  index.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: indexDigest, size: body.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } });
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  return { layout, images, indexDigest };
}

/** A gzip layer's tar holds `name` (a tar header carries the path in plain text). */
function layerHolds(gz: Buffer, name: string): boolean {
  return gunzipSync(gz).includes(Buffer.from(name));
}

describe('pulling from a real registry (docker-registry 2.8 on 127.0.0.1)', { skip: SKIP }, () => {
  let work: string;
  let home: string;
  let storage: string;
  let built: ReturnType<typeof buildLayout>;
  let anon: DockerRegistry;
  let basic: DockerRegistry;
  let tokenReg: DockerRegistry;
  const tokens = new TokenServer();
  let v2s2Digest: string;

  const opts = (extra: Partial<ImageOpenOptions> = {}): ImageOpenOptions => ({
    limits: DEFAULT_LIMITS,
    logger: collectingLogger(),
    env: { HOME: home },
    ...extra,
  });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'vouch-registry-'));
    home = join(work, 'home');
    storage = join(work, 'storage');
    mkdirSync(home);
    mkdirSync(storage);
    built = buildLayout(work);
    await tokens.start();
    anon = await mustStart({ storage });
    // skopeo: an accept-anything policy and no auth files of this machine.
    const policy = join(work, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const skopeoEnv = { HOME: home, REGISTRY_AUTH_FILE: join(work, 'skopeo-auth.json') };
    writeFileSync(skopeoEnv.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const copy = (args: string[]): string => run('skopeo', ['--policy', policy, 'copy', '--dest-tls-verify=false', ...args], skopeoEnv);
    for (const repo of ['team/app', 'public/app', 'private/app']) copy([`oci:${built.layout}:amd64`, `docker://${anon.host}/${repo}:v1`]);
    copy(['--all', `oci:${built.layout}:multi`, `docker://${anon.host}/team/multi:v1`]);
    copy(['--format', 'v2s2', `oci:${built.layout}:amd64`, `docker://${anon.host}/team/docker:v1`]);
    v2s2Digest = JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', `docker://${anon.host}/team/docker:v1`], skopeoEnv)).Digest as string;

    writeFileSync(join(work, 'htpasswd'), run('htpasswd', ['-Bbn', USER, PASSWORD]));
    basic = await mustStart({ storage, auth: ['auth:', '  htpasswd:', '    realm: vouch-test', `    path: ${join(work, 'htpasswd')}`].join('\n') });

    const key = tokens.key;
    const cert = selfSignedCert(key, 'vouch test token issuer');
    assert.ok(new X509Certificate(cert).verify(createPublicKey(key)), 'the test certificate is well formed and self-signed');
    writeFileSync(join(work, 'token-cert.pem'), cert);
    tokenReg = await mustStart({
      storage,
      auth: ['auth:', '  token:', `    realm: ${tokens.realm}`, `    service: ${SERVICE}`, `    issuer: ${ISSUER}`, `    rootcertbundle: ${join(work, 'token-cert.pem')}`].join('\n'),
    });
  });

  after(async () => {
    await Promise.all([anon?.stop(), basic?.stop(), tokenReg?.stop()]);
    await tokens.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  describe('anonymous', () => {
    test('an OCI image by tag: digests as umoci wrote them, the layer streams verified', async () => {
      const img = await openRegistryImage(`${anon.host}/team/app:v1`, opts());
      try {
        assert.equal(img.description.reference, `${anon.host}/team/app:v1`);
        assert.equal(img.description.manifestDigest, built.images.amd64.manifestDigest);
        assert.equal(img.description.configDigest, built.images.amd64.configDigest);
        assert.equal(img.description.manifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
        assert.deepEqual(img.description.platform, { os: 'linux', architecture: 'amd64' });
        assert.deepEqual(img.description.tags, ['v1']);
        const last = img.description.layers.length - 1;
        const gz = await buffer(await img.openLayer(last));
        assert.equal(gz.byteLength, img.description.layers[last]!.size);
        assert.ok(layerHolds(gz, 'hello-amd64.txt'));
      } finally {
        await img.close();
      }
    });

    test('an index: the platform asked for, the host default, and a missing one', async () => {
      const arm = await openRegistryImage(`${anon.host}/team/multi:v1`, opts({ platform: 'linux/arm64' }));
      assert.equal(arm.description.manifestDigest, built.images.arm64.manifestDigest);
      assert.deepEqual(arm.description.platform, { os: 'linux', architecture: 'arm64' });
      assert.ok(layerHolds(await buffer(await arm.openLayer(arm.description.layers.length - 1)), 'hello-arm64.txt'));
      await arm.close();
      const hostArch = process.arch === 'arm64' ? 'arm64' : 'amd64';
      const def = await openRegistryImage(`${anon.host}/team/multi:v1`, opts({ ...(process.arch !== 'x64' && process.arch !== 'arm64' && { platform: 'linux/amd64' }) }));
      assert.equal(def.description.manifestDigest, built.images[hostArch].manifestDigest);
      await def.close();
      await assert.rejects(openRegistryImage(`${anon.host}/team/multi:v1`, opts({ platform: 'linux/s390x' })), isCode('IMAGE_NOT_FOUND', /available: linux\/amd64, linux\/arm64/));
    });

    test('a Docker schema 2 image (skopeo --format v2s2), by digest', async () => {
      const img = await openRegistryImage(`${anon.host}/team/docker@${v2s2Digest}`, opts());
      assert.equal(img.description.manifestDigest, v2s2Digest);
      assert.equal(img.description.manifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.equal(img.description.layers.at(-1)?.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
      assert.ok(layerHolds(await buffer(await img.openLayer(img.description.layers.length - 1)), 'hello-amd64.txt'));
      await img.close();
    });

    test("unknown tags and repositories: IMAGE_NOT_FOUND with the registry's error code", async () => {
      await assert.rejects(openRegistryImage(`${anon.host}/team/app:nope`, opts()), isCode('IMAGE_NOT_FOUND', /MANIFEST_UNKNOWN/));
      // distribution 2.8 answers MANIFEST_UNKNOWN (not NAME_UNKNOWN) for a repository it never had.
      await assert.rejects(openRegistryImage(`${anon.host}/team/nothing:v1`, opts()), isCode('IMAGE_NOT_FOUND', /team\/nothing:v1: .* 404 Not Found \(MANIFEST_UNKNOWN/));
      const client = new RegistryClient(anon.host);
      await assert.rejects(client.openBlob('team/app', `sha256:${'0'.repeat(64)}`), isCode('IMAGE_NOT_FOUND', /BLOB_UNKNOWN/));
      const head = await client.headManifest('team/app', 'v1');
      assert.equal(head.digest, built.images.amd64.manifestDigest);
    });
  });

  describe('htpasswd Basic auth', () => {
    test('refused without credentials or with wrong ones; served with --creds, an auth file, a Docker config', async () => {
      const ref = `${basic.host}/team/app:v1`;
      await assert.rejects(openRegistryImage(ref, opts()), isCode('REGISTRY_AUTH', /requires credentials and none were found/));
      await assert.rejects(openRegistryImage(ref, opts({ creds: `${USER}:wrong` })), isCode('REGISTRY_AUTH', /401.*the credentials were refused/));

      const logger = collectingLogger();
      const img = await openRegistryImage(ref, opts({ creds: `${USER}:${PASSWORD}`, logger }));
      assert.equal(img.description.manifestDigest, built.images.amd64.manifestDigest);
      assert.ok(layerHolds(await buffer(await img.openLayer(img.description.layers.length - 1)), 'hello-amd64.txt'));
      await img.close();
      const log = logger.lines.join('\n');
      for (const secret of [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')]) assert.ok(!log.includes(secret), log);

      const authFile = join(work, 'auth.json');
      writeFileSync(authFile, JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
      await (await openRegistryImage(ref, opts({ env: { HOME: home, REGISTRY_AUTH_FILE: authFile } }))).close();

      const dockerHome = join(work, 'docker-home');
      mkdirSync(join(dockerHome, '.docker'), { recursive: true });
      writeFileSync(join(dockerHome, '.docker/config.json'), JSON.stringify({ auths: { [`http://${basic.host}`]: { username: USER, password: PASSWORD } } }));
      await (await openRegistryImage(ref, opts({ env: { HOME: dockerHome } }))).close();
    });
  });

  describe('Bearer tokens from a token server the registry trusts', () => {
    test('a public repository anonymously: the registry challenges, the token carries the pull scope', async () => {
      const before = tokens.requests.length;
      const img = await openRegistryImage(`${tokenReg.host}/public/app:v1`, opts());
      assert.equal(img.description.manifestDigest, built.images.amd64.manifestDigest);
      assert.ok(layerHolds(await buffer(await img.openLayer(img.description.layers.length - 1)), 'hello-amd64.txt'));
      await img.close();
      const asked = tokens.requests.slice(before);
      assert.equal(asked.length, 1, 'one token for manifest, config and layers');
      assert.equal(asked[0]?.authorization, undefined);
      assert.equal(asked[0]?.query.get('service'), SERVICE);
      assert.deepEqual(asked[0]?.query.getAll('scope'), ['repository:public/app:pull']);
    });

    test('a private repository: refused anonymously, served with credentials sent to the token server', async () => {
      await assert.rejects(openRegistryImage(`${tokenReg.host}/private/app:v1`, opts()), isCode('REGISTRY_AUTH', /anonymous access was refused/));
      const before = tokens.requests.length;
      const logger = collectingLogger();
      const img = await openRegistryImage(`${tokenReg.host}/private/app:v1`, opts({ creds: `${USER}:${PASSWORD}`, logger }));
      assert.equal(img.description.configDigest, built.images.amd64.configDigest);
      assert.ok(layerHolds(await buffer(await img.openLayer(img.description.layers.length - 1)), 'hello-amd64.txt'));
      await img.close();
      const asked = tokens.requests.slice(before);
      assert.equal(asked.length, 1);
      assert.equal(asked[0]?.authorization, `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
      assert.equal(asked[0]?.query.get('account'), USER);
      // No secret in the debug log: not the password, not a token.
      const log = logger.lines.join('\n');
      assert.ok(logger.lines.length > 3);
      for (const secret of [PASSWORD, ...tokens.issued]) assert.ok(!log.includes(secret), `secret in log:\n${log}`);
      await assert.rejects(openRegistryImage(`${tokenReg.host}/private/app:v1`, opts({ creds: `${USER}:wrong` })), isCode('REGISTRY_AUTH', /invalid username or password.*credentials were refused/));
    });

    test('the registry really validates: tokens signed by another key are refused', async () => {
      tokens.rogue = true;
      try {
        await assert.rejects(openRegistryImage(`${tokenReg.host}/public/app:v1`, opts()), isCode('REGISTRY_AUTH', /401/));
      } finally {
        tokens.rogue = false;
      }
    });
  });
});
