/**
 * The OCI distribution-spec v1.1 requirements as data: one entry per MUST/SHOULD the suite
 * checks, each with the spec section it comes from (endpoint ids end-1 … end-13 of the
 * "Endpoints" table; "Pull", "Push", "Content Discovery", "Content Management", "Error Codes")
 * and a check that throws on failure. `suite.ts` turns them into node:test tests against one
 * registry; scripts/registry-conformance-report.ts runs them against several and writes
 * docs/registry-conformance.md. Every check uses its own repository.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  errorCodes,
  http,
  location,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
  pushBlob,
  pushImage,
  repoName,
  sha256,
  sha512,
  withQuery,
  type Target,
} from './client.ts';

export type Level = 'MUST' | 'SHOULD' | 'MAY';

export interface Requirement {
  readonly id: string;
  readonly section: string;
  readonly level: Level;
  readonly text: string;
  run(t: Target, repo: string): Promise<void>;
}

const EMPTY_JSON = Buffer.from('{}');

function hasCode(res: { status: number; body: Buffer; headers: Headers }, code: string): void {
  const codes = errorCodes({ ...res, json: () => JSON.parse(res.body.toString()) as unknown });
  assert.ok(codes.includes(code), `want error code ${code}, got ${JSON.stringify(codes)} (status ${res.status}, body ${res.body.toString().slice(0, 200)})`);
}

/** Push an artifact manifest (empty config) that refers to `subject`. */
async function pushReferrer(t: Target, repo: string, subject: { digest: string; size: number }, artifactType: string, annotations?: Record<string, string>) {
  await pushBlob(t, repo, EMPTY_JSON);
  const layer = randomBytes(64);
  const layerDigest = await pushBlob(t, repo, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: OCI_EMPTY, digest: sha256(EMPTY_JSON), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: layerDigest, size: layer.length }],
      subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size },
      ...(annotations === undefined ? {} : { annotations }),
    }),
  );
  const digest = sha256(manifest);
  const res = await http(t, 'PUT', `/v2/${repo}/manifests/${digest}`, { body: manifest, headers: { 'content-type': OCI_MANIFEST } });
  return { res, digest, size: manifest.length };
}

export const REQUIREMENTS: readonly Requirement[] = [
  // --- end-1: GET /v2/ ---
  {
    id: 'end-1',
    section: 'Endpoints end-1',
    level: 'MUST',
    text: 'GET /v2/ answers 200 (the registry implements the spec)',
    async run(t) {
      const res = await http(t, 'GET', '/v2/');
      assert.equal(res.status, 200);
    },
  },
  {
    id: 'end-1-api-version',
    section: 'Endpoints end-1 (Docker Registry HTTP API V2)',
    level: 'SHOULD',
    text: 'GET /v2/ carries Docker-Distribution-API-Version: registry/2.0',
    async run(t) {
      const res = await http(t, 'GET', '/v2/');
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    },
  },
  // --- Pull: manifests (end-3) ---
  {
    id: 'pull-manifest-tag',
    section: 'Pull: Pulling manifests (end-3)',
    level: 'MUST',
    text: 'GET a manifest by tag returns the bytes pushed, with its Content-Type',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const res = await http(t, 'GET', `/v2/${repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, img.manifest);
      assert.equal(res.headers.get('content-type')?.split(';')[0], OCI_MANIFEST);
    },
  },
  {
    id: 'pull-manifest-digest',
    section: 'Pull: Pulling manifests (end-3)',
    level: 'MUST',
    text: 'GET a manifest by digest returns the bytes pushed',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const res = await http(t, 'GET', `/v2/${repo}/manifests/${img.digest}`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 200);
      assert.equal(sha256(res.body), img.digest);
    },
  },
  {
    id: 'pull-manifest-digest-header',
    section: 'Pull: Pulling manifests (end-3)',
    level: 'SHOULD',
    text: 'a manifest GET carries Docker-Content-Digest equal to the manifest digest',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const res = await http(t, 'GET', `/v2/${repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.headers.get('docker-content-digest'), img.digest);
    },
  },
  {
    id: 'head-manifest',
    section: 'Pull: Checking if content exists (end-3 HEAD)',
    level: 'MUST',
    text: 'HEAD a manifest answers 200 with Content-Length and no body',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const res = await http(t, 'HEAD', `/v2/${repo}/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(img.manifest.length));
      assert.equal(res.body.length, 0);
      assert.equal(res.headers.get('docker-content-digest'), img.digest);
    },
  },
  {
    id: 'manifest-unknown',
    section: 'Pull: Pulling manifests; Error Codes (MANIFEST_UNKNOWN)',
    level: 'MUST',
    text: 'GET an unknown manifest answers 404 (error code MANIFEST_UNKNOWN)',
    async run(t, repo) {
      await pushImage(t, repo, 'v1');
      const res = await http(t, 'GET', `/v2/${repo}/manifests/nope`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 404);
      hasCode(res, 'MANIFEST_UNKNOWN');
    },
  },
  {
    id: 'head-manifest-unknown',
    section: 'Pull: Checking if content exists',
    level: 'MUST',
    text: 'HEAD an unknown manifest answers 404',
    async run(t, repo) {
      await pushImage(t, repo, 'v1');
      const res = await http(t, 'HEAD', `/v2/${repo}/manifests/${sha256('nothing')}`);
      assert.equal(res.status, 404);
    },
  },
  // --- Pull: blobs (end-2) ---
  {
    id: 'pull-blob',
    section: 'Pull: Pulling blobs (end-2)',
    level: 'MUST',
    text: 'GET a blob returns its bytes',
    async run(t, repo) {
      const data = randomBytes(3000);
      const digest = await pushBlob(t, repo, data);
      const res = await http(t, 'GET', `/v2/${repo}/blobs/${digest}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, data);
    },
  },
  {
    id: 'pull-blob-digest-header',
    section: 'Pull: Pulling blobs (end-2)',
    level: 'SHOULD',
    text: 'a blob GET carries Docker-Content-Digest',
    async run(t, repo) {
      const digest = await pushBlob(t, repo, randomBytes(100));
      const res = await http(t, 'GET', `/v2/${repo}/blobs/${digest}`);
      assert.equal(res.headers.get('docker-content-digest'), digest);
    },
  },
  {
    id: 'head-blob',
    section: 'Pull: Checking if content exists (end-2 HEAD)',
    level: 'MUST',
    text: 'HEAD a blob answers 200 with its Content-Length and no body',
    async run(t, repo) {
      const data = randomBytes(777);
      const digest = await pushBlob(t, repo, data);
      const res = await http(t, 'HEAD', `/v2/${repo}/blobs/${digest}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), '777');
      assert.equal(res.body.length, 0);
    },
  },
  {
    id: 'blob-unknown',
    section: 'Pull: Pulling blobs; Error Codes (BLOB_UNKNOWN)',
    level: 'MUST',
    text: 'GET an unknown blob answers 404 (error code BLOB_UNKNOWN)',
    async run(t, repo) {
      await pushBlob(t, repo, randomBytes(10));
      const res = await http(t, 'GET', `/v2/${repo}/blobs/${sha256(randomBytes(8))}`);
      assert.equal(res.status, 404);
      hasCode(res, 'BLOB_UNKNOWN');
    },
  },
  {
    id: 'blob-range',
    section: 'Pull: Pulling blobs (Range requests)',
    level: 'SHOULD',
    text: 'a blob GET with Range: bytes=a-b answers 206 with that slice and Content-Range',
    async run(t, repo) {
      const data = randomBytes(4096);
      const digest = await pushBlob(t, repo, data);
      const res = await http(t, 'GET', `/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=100-1099' } });
      assert.equal(res.status, 206);
      assert.deepEqual(res.body, data.subarray(100, 1100));
      assert.equal(res.headers.get('content-range'), 'bytes 100-1099/4096');
    },
  },
  {
    id: 'blob-range-unsatisfiable',
    section: 'Pull: Pulling blobs (Range requests, RFC 9110)',
    level: 'SHOULD',
    text: 'a Range past the end of a blob answers 416',
    async run(t, repo) {
      const digest = await pushBlob(t, repo, randomBytes(100));
      const res = await http(t, 'GET', `/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=500-600' } });
      assert.equal(res.status, 416);
    },
  },
  {
    id: 'blob-other-repo',
    section: 'Pull: Pulling blobs ("access gated by name")',
    level: 'SHOULD',
    text: 'a blob pushed to one repository is not served from another',
    async run(t, repo) {
      const digest = await pushBlob(t, repo, randomBytes(200));
      const res = await http(t, 'GET', `/v2/${repo}-other/blobs/${digest}`);
      assert.equal(res.status, 404);
    },
  },
  // --- Push: blobs (end-4a, end-4b, end-5, end-6) ---
  {
    id: 'push-post-put',
    section: 'Push: POST then PUT (end-4a, end-6)',
    level: 'MUST',
    text: 'POST answers 202 with a Location; PUT ?digest= with the bytes answers 201 with the blob Location',
    async run(t, repo) {
      const data = randomBytes(512);
      const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
      assert.equal(post.status, 202);
      const put = await http(t, 'PUT', withQuery(location(t, post), { digest: sha256(data) }), { body: data, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(put.status, 201);
      assert.match(put.headers.get('location') ?? '', new RegExp(`/v2/${repo}/blobs/${sha256(data)}$`));
    },
  },
  {
    id: 'push-single-post',
    section: 'Push: Single POST (end-4b)',
    level: 'SHOULD',
    text: 'POST ?digest= with the whole blob answers 201 (or 202 when unsupported)',
    async run(t, repo) {
      const data = randomBytes(600);
      const res = await http(t, 'POST', `/v2/${repo}/blobs/uploads/?digest=${sha256(data)}`, { body: data, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(res.status, 201, 'single-POST upload not supported');
      const get = await http(t, 'GET', `/v2/${repo}/blobs/${sha256(data)}`);
      assert.deepEqual(get.body, data);
    },
  },
  {
    id: 'push-chunked',
    section: 'Push: Pushing a blob in chunks (end-5, end-6)',
    level: 'MUST',
    text: 'PATCH chunks with Content-Range answer 202 with Location and Range; PUT closes with 201',
    async run(t, repo) {
      const data = randomBytes(3000);
      const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
      assert.equal(post.status, 202);
      const a = await http(t, 'PATCH', location(t, post), { body: data.subarray(0, 1000), headers: { 'content-type': 'application/octet-stream', 'content-range': '0-999' } });
      assert.equal(a.status, 202);
      assert.match(a.headers.get('range') ?? '', /^(bytes=)?0-999$/);
      const b = await http(t, 'PATCH', location(t, a), { body: data.subarray(1000, 2000), headers: { 'content-type': 'application/octet-stream', 'content-range': '1000-1999' } });
      assert.equal(b.status, 202);
      assert.match(b.headers.get('range') ?? '', /^(bytes=)?0-1999$/);
      const put = await http(t, 'PUT', withQuery(location(t, b), { digest: sha256(data) }), {
        body: data.subarray(2000),
        headers: { 'content-type': 'application/octet-stream', 'content-range': '2000-2999' },
      });
      assert.equal(put.status, 201);
      const get = await http(t, 'GET', `/v2/${repo}/blobs/${sha256(data)}`);
      assert.deepEqual(get.body, data);
    },
  },
  {
    id: 'push-chunk-out-of-order',
    section: 'Push: Pushing a blob in chunks',
    level: 'MUST',
    text: 'an out-of-order chunk answers 416 Range Not Satisfiable',
    async run(t, repo) {
      const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
      const a = await http(t, 'PATCH', location(t, post), { body: randomBytes(100), headers: { 'content-type': 'application/octet-stream', 'content-range': '0-99' } });
      assert.equal(a.status, 202);
      const b = await http(t, 'PATCH', location(t, a), { body: randomBytes(100), headers: { 'content-type': 'application/octet-stream', 'content-range': '200-299' } });
      assert.equal(b.status, 416);
    },
  },
  {
    id: 'upload-status',
    section: 'Push: Pushing a blob in chunks (GET upload status)',
    level: 'MUST',
    text: 'GET on an upload answers 204 with Location and Range: 0-<offset>',
    async run(t, repo) {
      const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
      const a = await http(t, 'PATCH', location(t, post), { body: randomBytes(50), headers: { 'content-type': 'application/octet-stream', 'content-range': '0-49' } });
      const res = await http(t, 'GET', location(t, a));
      assert.equal(res.status, 204);
      assert.match(res.headers.get('range') ?? '', /^(bytes=)?0-49$/);
      assert.ok(res.headers.get('location') !== null);
    },
  },
  {
    id: 'push-streamed',
    section: 'Push: Pushing a blob in chunks (streamed PATCH)',
    level: 'SHOULD',
    text: 'a PATCH without Content-Range appends the body; PUT closes the upload',
    async run(t, repo) {
      const data = randomBytes(2500);
      const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
      const a = await http(t, 'PATCH', location(t, post), { body: data, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(a.status, 202);
      const put = await http(t, 'PUT', withQuery(location(t, a), { digest: sha256(data) }));
      assert.equal(put.status, 201);
      assert.deepEqual((await http(t, 'GET', `/v2/${repo}/blobs/${sha256(data)}`)).body, data);
    },
  },
  {
    id: 'push-digest-mismatch',
    section: 'Push; Error Codes (DIGEST_INVALID)',
    level: 'MUST',
    text: 'closing an upload with a digest that does not match answers 400 DIGEST_INVALID',
    async run(t, repo) {
      const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
      const res = await http(t, 'PUT', withQuery(location(t, post), { digest: sha256('something else') }), { body: randomBytes(64), headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(res.status, 400);
      hasCode(res, 'DIGEST_INVALID');
    },
  },
  {
    id: 'push-sha512',
    section: 'Push (digests: sha512 is a registered algorithm)',
    level: 'SHOULD',
    text: 'a blob pushed with a sha512 digest is verified and served',
    async run(t, repo) {
      const data = randomBytes(900);
      const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
      const put = await http(t, 'PUT', withQuery(location(t, post), { digest: sha512(data) }), { body: data, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(put.status, 201);
      const get = await http(t, 'GET', `/v2/${repo}/blobs/${sha512(data)}`);
      assert.deepEqual(get.body, data);
    },
  },
  {
    id: 'upload-cancel',
    section: 'Content Management: Deleting an upload (DELETE upload)',
    level: 'SHOULD',
    text: 'DELETE on an upload answers 204; the upload is then unknown (404 BLOB_UPLOAD_UNKNOWN)',
    async run(t, repo) {
      const post = await http(t, 'POST', `/v2/${repo}/blobs/uploads/`);
      const url = location(t, post);
      const del = await http(t, 'DELETE', url);
      assert.equal(del.status, 204);
      const res = await http(t, 'GET', url);
      assert.equal(res.status, 404);
      hasCode(res, 'BLOB_UPLOAD_UNKNOWN');
    },
  },
  {
    id: 'mount',
    section: 'Push: Mounting a blob from another repository (end-11)',
    level: 'SHOULD',
    text: 'POST ?mount=<digest>&from=<repo> of an existing blob answers 201 with its Location',
    async run(t, repo) {
      const data = randomBytes(321);
      const digest = await pushBlob(t, repo, data);
      const res = await http(t, 'POST', `/v2/${repo}-dest/blobs/uploads/?mount=${digest}&from=${repo}`);
      assert.equal(res.status, 201);
      assert.match(res.headers.get('location') ?? '', new RegExp(`/v2/${repo}-dest/blobs/${digest}$`));
      assert.deepEqual((await http(t, 'GET', `/v2/${repo}-dest/blobs/${digest}`)).body, data);
    },
  },
  {
    id: 'mount-fallback',
    section: 'Push: Mounting a blob from another repository (end-11)',
    level: 'MUST',
    text: 'a mount the registry cannot do falls back to an upload session: 202 with a Location',
    async run(t, repo) {
      const res = await http(t, 'POST', `/v2/${repo}/blobs/uploads/?mount=${sha256(randomBytes(8))}&from=${repo}-nowhere`);
      assert.equal(res.status, 202);
      assert.ok(res.headers.get('location') !== null);
    },
  },
  // --- Push: manifests (end-7) ---
  {
    id: 'push-manifest',
    section: 'Push: Pushing manifests (end-7)',
    level: 'MUST',
    text: 'PUT a manifest by tag answers 201 with a Location',
    async run(t, repo) {
      const config = await pushBlob(t, repo, '{}');
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 }, layers: [] });
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/latest`, { body: manifest, headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.status, 201);
      assert.ok(res.headers.get('location') !== null);
    },
  },
  {
    id: 'push-manifest-digest-header',
    section: 'Push: Pushing manifests (end-7)',
    level: 'SHOULD',
    text: 'a manifest PUT answers with Docker-Content-Digest',
    async run(t, repo) {
      const config = await pushBlob(t, repo, '{}');
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 }, layers: [] });
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/latest`, { body: manifest, headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.headers.get('docker-content-digest'), sha256(manifest));
    },
  },
  {
    id: 'push-manifest-by-digest',
    section: 'Push: Pushing manifests (end-7, reference = digest)',
    level: 'MUST',
    text: 'PUT a manifest by its digest answers 201, and it is then pullable by digest',
    async run(t, repo) {
      const img = await pushImage(t, repo);
      const res = await http(t, 'GET', `/v2/${repo}/manifests/${img.digest}`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 200);
    },
  },
  {
    id: 'push-manifest-wrong-digest',
    section: 'Push: Pushing manifests; Error Codes (DIGEST_INVALID)',
    level: 'MUST',
    text: 'PUT a manifest to a digest that is not its own answers 400 DIGEST_INVALID',
    async run(t, repo) {
      const config = await pushBlob(t, repo, '{}');
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 }, layers: [] });
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/${sha256('other')}`, { body: manifest, headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.status, 400);
      hasCode(res, 'DIGEST_INVALID');
    },
  },
  {
    id: 'push-manifest-blob-unknown',
    section: 'Push: Pushing manifests; Error Codes (MANIFEST_BLOB_UNKNOWN)',
    level: 'MUST',
    text: 'a manifest naming a blob the repository lacks answers 400 MANIFEST_BLOB_UNKNOWN',
    async run(t, repo) {
      const config = await pushBlob(t, repo, '{}');
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(randomBytes(9)), size: 9 }],
      });
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/v1`, { body: manifest, headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.status, 400);
      hasCode(res, 'MANIFEST_BLOB_UNKNOWN');
    },
  },
  {
    id: 'push-manifest-invalid',
    section: 'Push: Pushing manifests; Error Codes (MANIFEST_INVALID)',
    level: 'MUST',
    text: 'a malformed manifest answers 400 MANIFEST_INVALID',
    async run(t, repo) {
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/v1`, { body: '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": 3', headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.status, 400);
      hasCode(res, 'MANIFEST_INVALID');
    },
  },
  {
    id: 'push-index',
    section: 'Push: Pushing manifests (image index)',
    level: 'MUST',
    text: 'an OCI image index of pushed manifests is accepted and served with its media type',
    async run(t, repo) {
      const a = await pushImage(t, repo);
      const b = await pushImage(t, repo);
      const index = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: a.digest, size: a.manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: OCI_MANIFEST, digest: b.digest, size: b.manifest.length, platform: { architecture: 'arm64', os: 'linux' } },
        ],
      });
      const put = await http(t, 'PUT', `/v2/${repo}/manifests/multi`, { body: index, headers: { 'content-type': OCI_INDEX } });
      assert.equal(put.status, 201);
      const get = await http(t, 'GET', `/v2/${repo}/manifests/multi`, { headers: { accept: OCI_INDEX } });
      assert.equal(get.headers.get('content-type')?.split(';')[0], OCI_INDEX);
      assert.equal(get.body.toString(), index);
    },
  },
  {
    id: 'push-index-child-unknown',
    section: 'Push: Pushing manifests (image index); Error Codes (MANIFEST_BLOB_UNKNOWN)',
    level: 'SHOULD',
    text: 'an index naming a manifest the repository lacks answers 400 MANIFEST_BLOB_UNKNOWN',
    async run(t, repo) {
      const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sha256(randomBytes(4)), size: 100 }] });
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/multi`, { body: index, headers: { 'content-type': OCI_INDEX } });
      assert.equal(res.status, 400);
      hasCode(res, 'MANIFEST_BLOB_UNKNOWN');
    },
  },
  {
    id: 'push-docker-schema2',
    section: 'Push: Pushing manifests (Docker Image Manifest V2, Schema 2)',
    level: 'SHOULD',
    text: 'a Docker schema2 manifest and manifest list are accepted and served with their media types',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'docker', {}, { manifest: DOCKER_MANIFEST, config: DOCKER_CONFIG, layer: DOCKER_LAYER });
      const get = await http(t, 'GET', `/v2/${repo}/manifests/docker`, { headers: { accept: DOCKER_MANIFEST } });
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('content-type')?.split(';')[0], DOCKER_MANIFEST);
      const list = JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_LIST, manifests: [{ mediaType: DOCKER_MANIFEST, digest: img.digest, size: img.manifest.length, platform: { architecture: 'amd64', os: 'linux' } }] });
      const put = await http(t, 'PUT', `/v2/${repo}/manifests/list`, { body: list, headers: { 'content-type': DOCKER_LIST } });
      assert.equal(put.status, 201);
      const got = await http(t, 'GET', `/v2/${repo}/manifests/list`, { headers: { accept: DOCKER_LIST } });
      assert.equal(got.headers.get('content-type')?.split(';')[0], DOCKER_LIST);
    },
  },
  {
    id: 'push-artifact',
    section: 'Push: Pushing manifests (artifacts: artifactType, empty config)',
    level: 'MUST',
    text: 'an artifact manifest (artifactType, empty config descriptor) is accepted',
    async run(t, repo) {
      await pushBlob(t, repo, EMPTY_JSON);
      const layer = await pushBlob(t, repo, 'an sbom');
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: 'application/vnd.example.sbom.v1',
        config: { mediaType: OCI_EMPTY, digest: sha256(EMPTY_JSON), size: 2 },
        layers: [{ mediaType: 'text/plain', digest: layer, size: 7 }],
      });
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/sbom`, { body: manifest, headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.status, 201);
    },
  },
  {
    id: 'manifest-too-large',
    section: 'Push: Pushing manifests (size limit)',
    level: 'SHOULD',
    text: 'a manifest over the registry limit (4 MiB) answers 413',
    async run(t, repo) {
      const big = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, annotations: { pad: 'x'.repeat(4 * 1024 * 1024 + 10) } });
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/big`, { body: big, headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.status, 413);
    },
  },
  {
    id: 'name-invalid',
    section: 'Pull: <name> grammar; Error Codes (NAME_INVALID)',
    level: 'MUST',
    text: 'a repository name outside the grammar (upper case) answers 400 NAME_INVALID on push',
    async run(t) {
      const res = await http(t, 'POST', `/v2/Conformance/BadName/blobs/uploads/`);
      assert.equal(res.status, 400);
      hasCode(res, 'NAME_INVALID');
    },
  },
  {
    id: 'tag-invalid',
    section: 'Pull: <reference> tag grammar',
    level: 'MUST',
    text: 'a tag outside [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} is refused (400)',
    async run(t, repo) {
      const config = await pushBlob(t, repo, '{}');
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 }, layers: [] });
      const res = await http(t, 'PUT', `/v2/${repo}/manifests/${'a'.repeat(129)}`, { body: manifest, headers: { 'content-type': OCI_MANIFEST } });
      assert.equal(res.status, 400);
    },
  },
  {
    id: 'path-traversal',
    section: 'Pull: <name> grammar (no "..", no escapes)',
    level: 'MUST',
    text: 'names with ".." or percent-escaped slashes are refused, never served',
    async run(t, repo) {
      await pushImage(t, repo, 'v1');
      for (const path of [`/v2/${repo}/..%2f..%2fetc/manifests/v1`, `/v2/..%2F${repo}/manifests/v1`, `/v2/a/%2e%2e/b/blobs/uploads/`]) {
        const res = await http(t, 'GET', path);
        assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}`);
      }
    },
  },
  {
    id: 'error-body',
    section: 'Error Codes',
    level: 'MUST',
    text: 'a 4xx error body is {"errors":[{"code","message",...}]}',
    async run(t, repo) {
      const res = await http(t, 'GET', `/v2/${repo}/manifests/missing`);
      assert.ok(res.status >= 400);
      const doc = res.json() as { errors: { code: string; message: string }[] };
      assert.ok(Array.isArray(doc.errors) && doc.errors.length > 0);
      assert.equal(typeof doc.errors[0]!.code, 'string');
      assert.equal(typeof doc.errors[0]!.message, 'string');
    },
  },
  // --- Content discovery: tags (end-8a, end-8b) ---
  {
    id: 'tags-list',
    section: 'Content Discovery: Listing Tags (end-8a)',
    level: 'MUST',
    text: 'GET tags/list answers 200 {"name", "tags"} with every tag, in lexical (case-insensitive) order',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'b');
      for (const tag of ['c', 'a', 'B']) await http(t, 'PUT', `/v2/${repo}/manifests/${tag}`, { body: img.manifest, headers: { 'content-type': OCI_MANIFEST } });
      const res = await http(t, 'GET', `/v2/${repo}/tags/list`);
      assert.equal(res.status, 200);
      const tags = (res.json() as { name: string; tags: string[] }).tags;
      assert.equal((res.json() as { name: string }).name, repo);
      assert.deepEqual(tags.map((x) => x.toLowerCase()), ['a', 'b', 'b', 'c']);
    },
  },
  {
    id: 'tags-list-n',
    section: 'Content Discovery: Listing Tags (end-8b, n)',
    level: 'MUST',
    text: 'tags/list?n=2 answers at most 2 tags, the first ones in lexical order',
    async run(t, repo) {
      const img = await pushImage(t, repo, 't1');
      for (const tag of ['t2', 't3', 't4']) await http(t, 'PUT', `/v2/${repo}/manifests/${tag}`, { body: img.manifest, headers: { 'content-type': OCI_MANIFEST } });
      const res = await http(t, 'GET', `/v2/${repo}/tags/list?n=2`);
      assert.equal(res.status, 200);
      assert.deepEqual((res.json() as { tags: string[] }).tags, ['t1', 't2']);
    },
  },
  {
    id: 'tags-list-link',
    section: 'Content Discovery: Listing Tags (end-8b, Link header)',
    level: 'SHOULD',
    text: 'a partial tags page carries Link: <…?n=…&last=…>; rel="next"',
    async run(t, repo) {
      const img = await pushImage(t, repo, 't1');
      for (const tag of ['t2', 't3']) await http(t, 'PUT', `/v2/${repo}/manifests/${tag}`, { body: img.manifest, headers: { 'content-type': OCI_MANIFEST } });
      const res = await http(t, 'GET', `/v2/${repo}/tags/list?n=2`);
      const link = res.headers.get('link') ?? '';
      assert.match(link, /^<[^>]*last=t2[^>]*>;\s*rel="next"$/);
    },
  },
  {
    id: 'tags-list-last',
    section: 'Content Discovery: Listing Tags (end-8b, last)',
    level: 'MUST',
    text: 'tags/list?n=2&last=t2 answers the tags after t2',
    async run(t, repo) {
      const img = await pushImage(t, repo, 't1');
      for (const tag of ['t2', 't3', 't4', 't5']) await http(t, 'PUT', `/v2/${repo}/manifests/${tag}`, { body: img.manifest, headers: { 'content-type': OCI_MANIFEST } });
      const res = await http(t, 'GET', `/v2/${repo}/tags/list?n=2&last=t2`);
      assert.deepEqual((res.json() as { tags: string[] }).tags, ['t3', 't4']);
    },
  },
  {
    id: 'tags-list-unknown',
    section: 'Content Discovery: Listing Tags; Error Codes (NAME_UNKNOWN)',
    level: 'SHOULD',
    text: 'tags/list of an unknown repository answers 404 NAME_UNKNOWN',
    async run(t, repo) {
      const res = await http(t, 'GET', `/v2/${repo}/tags/list`);
      assert.equal(res.status, 404);
      hasCode(res, 'NAME_UNKNOWN');
    },
  },
  // --- Content discovery: referrers (end-12a, end-12b) ---
  {
    id: 'referrers-subject-header',
    section: 'Push: Pushing Manifests with Subject',
    level: 'MUST',
    text: 'a manifest with a subject answers 201 with OCI-Subject: <subject digest>',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const ref = await pushReferrer(t, repo, { digest: img.digest, size: img.manifest.length }, 'application/vnd.example.sig');
      assert.equal(ref.res.status, 201);
      assert.equal(ref.res.headers.get('oci-subject'), img.digest);
    },
  },
  {
    id: 'referrers-list',
    section: 'Content Discovery: Listing Referrers (end-12a)',
    level: 'MUST',
    text: 'GET referrers/<digest> answers an image index listing each referrer with artifactType and annotations',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const ref = await pushReferrer(t, repo, { digest: img.digest, size: img.manifest.length }, 'application/vnd.example.sbom', { 'org.example.k': 'v' });
      const res = await http(t, 'GET', `/v2/${repo}/referrers/${img.digest}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type')?.split(';')[0], OCI_INDEX);
      const doc = res.json() as { schemaVersion: number; mediaType: string; manifests: Record<string, unknown>[] };
      assert.equal(doc.schemaVersion, 2);
      assert.equal(doc.mediaType, OCI_INDEX);
      assert.deepEqual(doc.manifests, [{ mediaType: OCI_MANIFEST, digest: ref.digest, size: ref.size, artifactType: 'application/vnd.example.sbom', annotations: { 'org.example.k': 'v' } }]);
    },
  },
  {
    id: 'referrers-filter',
    section: 'Content Discovery: Listing Referrers (end-12b, artifactType)',
    level: 'SHOULD',
    text: 'referrers?artifactType= lists only that type and answers OCI-Filters-Applied: artifactType',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const subject = { digest: img.digest, size: img.manifest.length };
      const sig = await pushReferrer(t, repo, subject, 'application/vnd.example.sig');
      await pushReferrer(t, repo, subject, 'application/vnd.example.sbom');
      const res = await http(t, 'GET', `/v2/${repo}/referrers/${img.digest}?artifactType=${encodeURIComponent('application/vnd.example.sig')}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('oci-filters-applied'), 'artifactType');
      assert.deepEqual((res.json() as { manifests: { digest: string }[] }).manifests.map((m) => m.digest), [sig.digest]);
    },
  },
  {
    id: 'referrers-missing-subject',
    section: 'Push: Pushing Manifests with Subject; Listing Referrers',
    level: 'MUST',
    text: 'a manifest whose subject does not exist is accepted and listed as a referrer',
    async run(t, repo) {
      const ghost = { digest: sha256(randomBytes(16)), size: 123 };
      const ref = await pushReferrer(t, repo, ghost, 'application/vnd.example.sig');
      assert.equal(ref.res.status, 201);
      const res = await http(t, 'GET', `/v2/${repo}/referrers/${ghost.digest}`);
      assert.deepEqual((res.json() as { manifests: { digest: string }[] }).manifests.map((m) => m.digest), [ref.digest]);
    },
  },
  {
    id: 'referrers-empty',
    section: 'Content Discovery: Listing Referrers (end-12a)',
    level: 'MUST',
    text: 'referrers of a digest nothing refers to answer 200 with an empty index',
    async run(t, repo) {
      await pushImage(t, repo, 'v1');
      const res = await http(t, 'GET', `/v2/${repo}/referrers/${sha256(randomBytes(8))}`);
      assert.equal(res.status, 200);
      assert.deepEqual((res.json() as { manifests: unknown[] }).manifests, []);
    },
  },
  {
    id: 'referrers-bad-digest',
    section: 'Content Discovery: Listing Referrers',
    level: 'SHOULD',
    text: 'referrers of a malformed digest answer 400',
    async run(t, repo) {
      await pushImage(t, repo, 'v1');
      const res = await http(t, 'GET', `/v2/${repo}/referrers/sha256:nothex`);
      assert.equal(res.status, 400);
    },
  },
  // --- Content management: deletion (end-9, end-10) ---
  {
    id: 'delete-tag',
    section: 'Content Management: Deleting tags (end-9, reference = tag)',
    level: 'MAY',
    text: 'DELETE a tag answers 202; the tag is gone, the manifest stays pullable by digest',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const del = await http(t, 'DELETE', `/v2/${repo}/manifests/v1`);
      assert.equal(del.status, 202);
      assert.equal((await http(t, 'GET', `/v2/${repo}/manifests/v1`)).status, 404);
      assert.equal((await http(t, 'GET', `/v2/${repo}/manifests/${img.digest}`, { headers: { accept: OCI_MANIFEST } })).status, 200);
    },
  },
  {
    id: 'delete-manifest',
    section: 'Content Management: Deleting Manifests (end-9)',
    level: 'MUST',
    text: 'DELETE a manifest by digest answers 202; it (and its tags) then answer 404',
    async run(t, repo) {
      const img = await pushImage(t, repo, 'v1');
      const del = await http(t, 'DELETE', `/v2/${repo}/manifests/${img.digest}`);
      assert.equal(del.status, 202);
      assert.equal((await http(t, 'GET', `/v2/${repo}/manifests/${img.digest}`)).status, 404);
      assert.equal((await http(t, 'GET', `/v2/${repo}/manifests/v1`)).status, 404);
    },
  },
  {
    id: 'delete-manifest-unknown',
    section: 'Content Management: Deleting Manifests (end-9)',
    level: 'MUST',
    text: 'DELETE an unknown manifest answers 404',
    async run(t, repo) {
      await pushImage(t, repo, 'v1');
      const res = await http(t, 'DELETE', `/v2/${repo}/manifests/${sha256(randomBytes(8))}`);
      assert.equal(res.status, 404);
    },
  },
  {
    id: 'delete-blob',
    section: 'Content Management: Deleting Blobs (end-10)',
    level: 'MUST',
    text: 'DELETE a blob answers 202; it then answers 404',
    async run(t, repo) {
      const digest = await pushBlob(t, repo, randomBytes(99));
      const del = await http(t, 'DELETE', `/v2/${repo}/blobs/${digest}`);
      assert.equal(del.status, 202);
      assert.equal((await http(t, 'GET', `/v2/${repo}/blobs/${digest}`)).status, 404);
    },
  },
  // --- _catalog (historical; MAY) ---
  {
    id: 'catalog',
    section: 'Listing Repositories (_catalog, reserved for historical usage)',
    level: 'MAY',
    text: 'GET /v2/_catalog lists repositories; ?n=&last= pages with a Link header',
    async run(t, repo) {
      await pushImage(t, `${repo}/a`, 'v1');
      await pushImage(t, `${repo}/b`, 'v1');
      const all = await http(t, 'GET', '/v2/_catalog?n=1000');
      assert.equal(all.status, 200);
      const names = (all.json() as { repositories: string[] }).repositories;
      assert.ok(names.includes(`${repo}/a`) && names.includes(`${repo}/b`));
      const page = await http(t, 'GET', `/v2/_catalog?n=1&last=${encodeURIComponent(`${repo}/a`)}`);
      assert.deepEqual((page.json() as { repositories: string[] }).repositories, [`${repo}/b`]);
      assert.match(page.headers.get('link') ?? '', /rel="next"/);
    },
  },
];

/** A fresh repository for each requirement. */
export function repositoryFor(requirement: Requirement): string {
  return repoName(requirement.id);
}
