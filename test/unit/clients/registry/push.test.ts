/**
 * The push side of the registry client against the in-process fake (fake-registry.ts), whose
 * hooks here play the distribution-spec v1.1 push endpoints: uploads (POST then PUT), manifest
 * PUT (with and without `OCI-Subject`), tag pages with `Link`, and the referrers API (or its
 * absence). The real registries (docker-registry 2.8, Vouch's own) are in
 * test/integration/cli-sign-image.test.ts.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { RegistryClient, referrersTag } from '../../../../src/clients/index.ts';
import { VouchError } from '../../../../src/core/index.ts';
import { FakeRegistry, ociError, sha256 } from './fake-registry.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function isCode(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof VouchError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

interface PushOptions {
  /** Answer manifest PUTs with OCI-Subject when the manifest has a subject. */
  referrersApi: boolean;
  /** Docker-Content-Digest to report on upload completion instead of the real one. */
  lieAboutDigest?: string;
}

/** Push endpoints as hooks on the fake; requires `pull,push` when the fake does bearer auth. */
function pushHooks(reg: FakeRegistry, opts: PushOptions): void {
  const uploads = new Map<string, true>();
  const authorized = (req: IncomingMessage, res: ServerResponse, repo: string): boolean => {
    if ((reg.options.auth ?? 'none') === 'none') return true;
    const granted = reg.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (granted?.includes(`repository:${repo}:pull,push`)) return true;
    ociError(res, 401, 'UNAUTHORIZED', 'push needs a token', { 'www-authenticate': `Bearer realm="${reg.origin}/token",service="fake"` });
    return false;
  };
  reg.hooks.push((req, res, url) => {
    let m = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(url.pathname);
    if (m !== null && req.method === 'POST') {
      if (!authorized(req, res, m[1]!)) return true;
      const id = `u${uploads.size + 1}`;
      uploads.set(id, true);
      res.writeHead(202, { location: `/v2/${m[1]}/blobs/uploads/${id}?_state=opaque`, 'content-length': 0 });
      res.end();
      return true;
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(url.pathname);
    if (m !== null && req.method === 'PUT') {
      const repo = m[1]!;
      if (!authorized(req, res, repo)) return true;
      assert.equal(url.searchParams.get('_state'), 'opaque', 'the Location query is kept');
      void body(req).then((data) => {
        const digest = url.searchParams.get('digest') ?? '';
        if (sha256(data) !== digest) return ociError(res, 400, 'DIGEST_INVALID', 'digest mismatch');
        reg.blobs.set(digest, data);
        res.writeHead(201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': opts.lieAboutDigest ?? digest, 'content-length': 0 });
        res.end();
      });
      return true;
    }
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (m !== null && req.method === 'PUT') {
      const [, repo = '', ref = ''] = m;
      if (!authorized(req, res, repo)) return true;
      void body(req).then((data) => {
        const digest = reg.addManifest(repo, ref.includes(':') ? undefined : ref, data.toString(), req.headers['content-type'] ?? '');
        const doc = JSON.parse(data.toString()) as { subject?: { digest: string } };
        const headers: Record<string, string | number> = { 'docker-content-digest': digest, 'content-length': 0 };
        if (opts.referrersApi && doc.subject !== undefined) headers['oci-subject'] = doc.subject.digest;
        res.writeHead(201, headers);
        res.end();
      });
      return true;
    }
    m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
    if (m !== null) {
      if (!opts.referrersApi) {
        ociError(res, 404, 'NOT_FOUND', 'no such route');
        return true;
      }
      // Lists every manifest of the repository whose subject is the digest; ignores artifactType.
      const manifests = [...reg.manifests.entries()]
        .filter(([k]) => k.startsWith(`${m[1]}@sha256:`))
        .flatMap(([k, v]) => {
          const doc = JSON.parse(v.body.toString()) as { subject?: { digest: string }; artifactType?: string };
          return doc.subject?.digest === m[2] ? [{ mediaType: v.mediaType, digest: k.slice(k.indexOf('@') + 1), size: v.body.byteLength, artifactType: doc.artifactType }] : [];
        });
      const out = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });
      res.writeHead(200, { 'content-type': OCI_INDEX, 'content-length': Buffer.byteLength(out) });
      res.end(out);
      return true;
    }
    return false;
  });
}

function artifact(subject: string, artifactType: string, layer: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 },
      layers: [{ mediaType: artifactType, digest: layer, size: 1 }],
      subject: { mediaType: OCI_MANIFEST, digest: subject, size: 10 },
    }),
  );
}

describe('registry client: pushes on a registry without the referrers API (bearer auth)', () => {
  const reg = new FakeRegistry({ auth: 'bearer' });
  let client: RegistryClient;
  before(async () => {
    await reg.start();
    pushHooks(reg, { referrersApi: false });
    client = new RegistryClient(reg.host, { retries: 0 });
  });
  after(() => reg.close());

  test('pushBlob: HEAD, then POST and PUT with the digest, under a pull,push token; a second push is skipped', async () => {
    const data = Buffer.from('signature payload');
    const first = await client.pushBlob('team/app', data);
    assert.deepEqual(first, { digest: sha256(data), size: data.byteLength, existed: false });
    assert.deepEqual(reg.blobs.get(first.digest), data);
    const tokenScopes = reg.requests.filter((r) => r.path === '/token').flatMap((r) => r.query.getAll('scope'));
    assert.ok(tokenScopes.includes('repository:team/app:pull,push'), tokenScopes.join(' '));
    const posts = reg.count('/v2/team/app/blobs/uploads/', 'POST');
    const again = await client.pushBlob('team/app', data);
    assert.equal(again.existed, true);
    assert.equal(reg.count('/v2/team/app/blobs/uploads/', 'POST'), posts);
  });

  test('putManifest: digest from the bytes; a digest reference must match them', async () => {
    const m = Buffer.from('{"schemaVersion":2}');
    const r = await client.putManifest('team/app', 'v1', m, OCI_MANIFEST);
    assert.deepEqual(r, { digest: sha256(m), subject: undefined });
    await assert.rejects(client.putManifest('team/app', sha256('other'), m, OCI_MANIFEST), isCode('DIGEST_MISMATCH'));
  });

  test('pushReferrer without OCI-Subject keeps the sha256-<hex> tag index, appending and keeping unknown fields', async () => {
    const subject = sha256('image');
    const type = 'application/vnd.dev.sigstore.bundle.v0.3+json';
    // Someone else's entry, with a field we do not know.
    const theirs = { mediaType: OCI_MANIFEST, digest: sha256('theirs'), size: 5, artifactType: 'application/example', 'x-extra': 1 };
    reg.addManifest('team/app', referrersTag(subject), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [theirs] }, OCI_INDEX);
    const a = await client.pushReferrer('team/app', artifact(subject, type, sha256('a')), { mediaType: OCI_MANIFEST, artifactType: type, subject, annotations: { k: 'v' } });
    assert.equal(a.via, 'referrers-tag');
    const b = await client.pushReferrer('team/app', artifact(subject, type, sha256('b')), { mediaType: OCI_MANIFEST, artifactType: type, subject });
    const index = JSON.parse(reg.manifests.get(`team/app@${referrersTag(subject)}`)!.body.toString()) as { manifests: Record<string, unknown>[] };
    assert.deepEqual(index.manifests.map((m) => m.digest), [theirs.digest, a.digest, b.digest]);
    assert.equal(index.manifests[0]!['x-extra'], 1);
    assert.deepEqual(index.manifests[1]!.annotations, { k: 'v' });
    // Pushing the same artifact again adds no duplicate.
    await client.pushReferrer('team/app', artifact(subject, type, sha256('b')), { mediaType: OCI_MANIFEST, artifactType: type, subject });
    const again = JSON.parse(reg.manifests.get(`team/app@${referrersTag(subject)}`)!.body.toString()) as { manifests: unknown[] };
    assert.equal(again.manifests.length, 3);

    const found = await client.getReferrers('team/app', subject, { artifactType: type });
    assert.equal(found.source, 'tag');
    assert.deepEqual(found.manifests.map((m) => m.digest), [a.digest, b.digest]);
    const none = await client.getReferrers('team/app', sha256('unsigned'));
    assert.deepEqual(none, { source: 'tag', manifests: [] });
  });

  test('listTags follows Link pages; a page on another origin and too many tags are refused', async () => {
    const pages: Record<string, { tags: string[]; next?: string }> = {
      '': { tags: ['a', 'b'], next: '</v2/paged/tags/list?n=2&last=b>; rel="next"' },
      b: { tags: ['c', 'd'], next: '</v2/paged/tags/list?n=2&last=d>; rel="next"' },
      d: { tags: ['e'] },
      evil: { tags: ['x'], next: '<http://example.com/v2/paged/tags/list?last=x>; rel="next"' },
    };
    reg.hooks.unshift((_req, res, url) => {
      const m = /^\/v2\/(paged|evil)\/tags\/list$/.exec(url.pathname);
      if (m === null) return false;
      const page = pages[m[1] === 'evil' ? 'evil' : (url.searchParams.get('last') ?? '')]!;
      const out = JSON.stringify({ name: m[1], tags: page.tags });
      res.writeHead(200, { 'content-type': 'application/json', ...(page.next !== undefined && { link: page.next }) });
      res.end(out);
      return true;
    });
    assert.deepEqual(await client.listTags('paged'), ['a', 'b', 'c', 'd', 'e']);
    await assert.rejects(client.listTags('paged', { maxTags: 3 }), isCode('LIMIT_EXCEEDED'));
    await assert.rejects(client.listTags('evil'), isCode('REGISTRY_ERROR', /another origin/));
  });
});

describe('registry client: pushes on a registry with the referrers API', () => {
  const reg = new FakeRegistry();
  let client: RegistryClient;
  before(async () => {
    await reg.start();
    pushHooks(reg, { referrersApi: true });
    client = new RegistryClient(reg.host, { retries: 0 });
  });
  after(() => reg.close());

  test('OCI-Subject on the PUT: no referrers tag is written; the API lists it, filtered by artifactType here too', async () => {
    const subject = sha256('image');
    const sig = 'application/vnd.dev.sigstore.bundle.v0.3+json';
    const r = await client.pushReferrer('repo', artifact(subject, sig, sha256('x')), { mediaType: OCI_MANIFEST, artifactType: sig, subject });
    assert.equal(r.via, 'referrers-api');
    await client.pushReferrer('repo', artifact(subject, 'application/other', sha256('y')), { mediaType: OCI_MANIFEST, artifactType: 'application/other', subject });
    assert.equal(reg.manifests.has(`repo@${referrersTag(subject)}`), false);
    const found = await client.getReferrers('repo', subject, { artifactType: sig });
    assert.equal(found.source, 'api');
    assert.deepEqual(found.manifests.map((m) => m.digest), [r.digest]);
    assert.equal((await client.getReferrers('repo', subject)).manifests.length, 2);
    const query = reg.requests.find((q) => q.path.startsWith('/v2/repo/referrers/'))!.query;
    assert.equal(query.get('artifactType'), sig);
  });
});

describe('registry client: a registry that stores something else than we sent', () => {
  const reg = new FakeRegistry();
  before(async () => {
    await reg.start();
    pushHooks(reg, { referrersApi: false, lieAboutDigest: sha256('something else') });
  });
  after(() => reg.close());

  test('a different Docker-Content-Digest on upload completion is DIGEST_MISMATCH', async () => {
    const client = new RegistryClient(reg.host, { retries: 0 });
    await assert.rejects(client.pushBlob('repo', Buffer.from('data')), isCode('DIGEST_MISMATCH', /stored/));
  });
});

test('referrersTag: <alg>-<hex> (distribution-spec "Referrers Tag Schema")', () => {
  const d = sha256('x');
  assert.equal(referrersTag(d), d.replace(':', '-'));
  assert.throws(() => referrersTag('sha256:nothex'), isCode('BAD_TARGET'));
});
