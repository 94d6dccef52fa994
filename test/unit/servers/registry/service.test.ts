/**
 * The registry service in-process over a real socket: the access-control seam, events, safe
 * parallel pushes, interrupted uploads never becoming visible, and garbage collection.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type RunningServer } from '../../../../src/servers/http/index.ts';
import {
  collectGarbage,
  createRegistryService,
  type AccessController,
  type RegistryEvent,
  type RegistryService,
} from '../../../../src/servers/registry/index.ts';
import { startPostgres } from '../../../helpers/postgres.ts';
import { http, location, OCI_MANIFEST, pushBlob, pushImage, sha256, withQuery } from '../../../conformance/distribution/client.ts';

async function start(access?: AccessController, cacheTtlMs?: number, dbUrl?: string): Promise<{ server: RunningServer; service: RegistryService; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-reg-unit-'));
  const service = await createRegistryService({
    dataDir: dir,
    ...(access === undefined ? {} : { access }),
    ...(cacheTtlMs === undefined ? {} : { cacheTtlMs }),
    ...(dbUrl === undefined ? {} : { dbUrl }),
  });
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  return { server, service, dir };
}

describe('access control seam', () => {
  const events: RegistryEvent[] = [];
  const seen: { repository?: string; actions: readonly string[]; catalog?: boolean }[] = [];
  // Only "public/*" may be pulled anonymously; pushes need the header "x-test-user: alice".
  const access: AccessController = {
    authorize(req, scope) {
      seen.push(scope);
      const user = req.headers['x-test-user'];
      if (user === 'alice') return Promise.resolve({ ok: true, subject: 'alice' });
      if (scope.actions.every((a) => a === 'pull') && (scope.repository?.startsWith('public/') ?? false)) return Promise.resolve({ ok: true, subject: 'anonymous' });
      if (scope.actions.length === 0 || scope.catalog === true) return Promise.resolve({ ok: true, subject: 'anonymous' });
      return Promise.resolve({
        ok: false,
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="http://auth/token",service="vouch",scope="repository:${scope.repository ?? ''}:${scope.actions.join(',')}"` },
        error: { code: 'UNAUTHORIZED', message: 'authentication required' },
      });
    },
    onEvent: (e) => events.push(e),
    filterRepositories: (subject, names) => (subject === 'alice' ? names : names.filter((n) => n.startsWith('public/'))),
  };
  let ctx: Awaited<ReturnType<typeof start>>;
  before(async () => {
    ctx = await start(access);
  });
  after(async () => {
    await ctx.server.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  test('denied requests answer the controller status, challenge and UNAUTHORIZED body, before any lookup', async () => {
    const t = { base: ctx.server.url };
    const res = await http(t, 'POST', '/v2/private/x/blobs/uploads/');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
    assert.deepEqual(res.json(), { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    assert.deepEqual(seen.at(-1), { repository: 'private/x', actions: ['push'] });
  });

  test('an existing and a missing private repository look the same to an outsider', async () => {
    const t = { base: ctx.server.url };
    const alice = { 'x-test-user': 'alice' };
    const config = Buffer.from('{}');
    const post = await http(t, 'POST', `/v2/private/secret/blobs/uploads/?digest=${sha256(config)}`, { body: config, headers: alice });
    assert.equal(post.status, 201);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: 2 }, layers: [] });
    assert.equal((await http(t, 'PUT', '/v2/private/secret/manifests/v1', { body: manifest, headers: { ...alice, 'content-type': OCI_MANIFEST } })).status, 201);
    const existing = await http(t, 'GET', '/v2/private/secret/manifests/v1');
    const missing = await http(t, 'GET', '/v2/private/nothing/manifests/v1');
    assert.equal(existing.status, 401);
    assert.equal(missing.status, 401);
    assert.deepEqual(existing.json(), missing.json());
    const tags = await http(t, 'GET', '/v2/private/secret/tags/list');
    assert.equal(tags.status, 401);
    // Events: the push, with subject and address.
    const push = events.find((e) => e.action === 'push' && e.repository === 'private/secret');
    assert.deepEqual({ ...push, address: undefined }, { action: 'push', repository: 'private/secret', reference: 'v1', digest: sha256(manifest), subject: 'alice', address: undefined });
    // Catalog: filtered per subject.
    const anon = await http(t, 'GET', '/v2/_catalog');
    assert.deepEqual(anon.json(), { repositories: [] });
    const cat = await http(t, 'GET', '/v2/_catalog', { headers: alice });
    assert.deepEqual(cat.json(), { repositories: ['private/secret'] });
    assert.deepEqual(seen.at(-1), { actions: ['pull'], catalog: true });
  });

  test('a mount from a repository the caller may not pull falls back to an upload (202)', async () => {
    const t = { base: ctx.server.url };
    const data = randomBytes(100);
    await http(t, 'POST', `/v2/private/src/blobs/uploads/?digest=${sha256(data)}`, { body: data, headers: { 'x-test-user': 'alice' } });
    // "bob" may push to public/* only in this controller if he is alice; emulate with a narrower controller.
    const narrow: AccessController = {
      authorize: (_req, scope) =>
        Promise.resolve(
          scope.repository === 'private/src'
            ? { ok: false, status: 403, headers: {}, error: { code: 'DENIED', message: 'no' } }
            : { ok: true, subject: 'bob' },
        ),
    };
    const other = await createRegistryService({ dataDir: ctx.dir, access: narrow });
    const server = await startServer({ host: '127.0.0.1', port: 0, services: [other] });
    try {
      const res = await http({ base: server.url }, 'POST', `/v2/public/dst/blobs/uploads/?mount=${sha256(data)}&from=private/src`);
      assert.equal(res.status, 202);
      const denied = await http({ base: server.url }, 'GET', `/v2/private/src/blobs/${sha256(data)}`);
      assert.equal(denied.status, 403);
      assert.deepEqual(denied.json(), { errors: [{ code: 'DENIED', message: 'no' }] });
    } finally {
      await server.close();
    }
  });
});

describe('storage safety', () => {
  let ctx: Awaited<ReturnType<typeof start>>;
  before(async () => {
    ctx = await start();
  });
  after(async () => {
    await ctx.server.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  test('parallel pushes of one blob all succeed and store it once', async () => {
    const t = { base: ctx.server.url };
    const data = randomBytes(256 * 1024);
    const digests = await Promise.all(Array.from({ length: 8 }, (_, i) => pushBlob(t, `par/r${i % 2}`, data)));
    assert.ok(digests.every((d) => d === sha256(data)));
    const res = await http(t, 'GET', `/v2/par/r1/blobs/${sha256(data)}`);
    assert.deepEqual(res.body, data);
    assert.deepEqual(readdirSync(join(ctx.dir, 'uploads')), []);
  });

  test('an upload cut off mid-body never becomes a blob', async () => {
    const t = { base: ctx.server.url };
    const data = randomBytes(64 * 1024);
    const post = await http(t, 'POST', '/v2/cut/x/blobs/uploads/');
    const url = new URL(withQuery(location(t, post), { digest: sha256(data) }));
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'PUT', headers: { 'content-length': data.length } });
      req.on('error', () => resolve());
      req.write(data.subarray(0, 1000), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50);
      });
    });
    // Give the server a moment to see the reset (polling, no wall-clock assertion).
    for (let i = 0; i < 50 && (await http(t, 'GET', location(t, post))).headers.get('range') === null; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await http(t, 'HEAD', `/v2/cut/x/blobs/${sha256(data)}`)).status, 404);
    assert.ok(!existsSync(join(ctx.dir, 'blobs', 'sha256', sha256(data).slice(7, 9), sha256(data).slice(7))));
    // The session lives on at its last good offset (0): the client can resume.
    const status = await http(t, 'GET', location(t, post));
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-0');
  });

  test('a blob of several read chunks comes back whole and by ranges across chunk edges', async () => {
    const t = { base: ctx.server.url };
    const MiB = 1024 * 1024;
    const data = randomBytes(3 * MiB + 12345);
    const digest = await pushBlob(t, 'chunks/x', data);
    const whole = await http(t, 'GET', `/v2/chunks/x/blobs/${digest}`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-length'), String(data.length));
    assert.equal(whole.headers.get('docker-content-digest'), digest);
    assert.ok(whole.body.equals(data));
    const cases: [string, number, number][] = [
      [`bytes=${MiB - 5}-${2 * MiB + 5}`, MiB - 5, 2 * MiB + 5],
      [`bytes=${MiB}-${MiB}`, MiB, MiB],
      [`bytes=${2 * MiB}-`, 2 * MiB, data.length - 1],
      [`bytes=-${MiB + 1}`, data.length - MiB - 1, data.length - 1],
      ['bytes=0-', 0, data.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await http(t, 'GET', `/v2/chunks/x/blobs/${digest}`, { headers: { range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${data.length}`, range);
      assert.ok(res.body.equals(data.subarray(start, end + 1)), range);
    }
  });

  test('a client leaving mid-download closes the file and the server keeps serving', async () => {
    const t = { base: ctx.server.url };
    const data = randomBytes(8 * 1024 * 1024);
    const digest = await pushBlob(t, 'leave/x', data);
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    const url = new URL(`${ctx.server.url}/v2/leave/x/blobs/${digest}`);
    for (let i = 0; i < 4; i++) {
      await new Promise<void>((resolve) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
        req.end();
      });
    }
    // Polling, no wall-clock assertion: the server sees the resets and closes its handles.
    for (let i = 0; i < 100 && fds() > before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fds() <= before, `open descriptors grew from ${before} to ${fds()}`);
    const res = await http(t, 'GET', `/v2/leave/x/blobs/${digest}`);
    assert.ok(res.body.equals(data));
  });

  test('a wrong digest leaves nothing behind', async () => {
    const t = { base: ctx.server.url };
    const post = await http(t, 'POST', '/v2/bad/x/blobs/uploads/');
    const res = await http(t, 'PUT', withQuery(location(t, post), { digest: sha256('x') }), { body: 'not x' });
    assert.equal(res.status, 400);
    assert.equal((await http(t, 'GET', location(t, post))).status, 404);
    assert.ok(!existsSync(join(ctx.dir, 'blobs', 'sha256', sha256('x').slice(7, 9), sha256('x').slice(7))));
  });

  test('a re-tag is seen at once (the manifest cache is invalidated by writes)', async () => {
    const t = { base: ctx.server.url };
    const a = await pushImage(t, 'cache/x', 'latest');
    assert.equal((await http(t, 'GET', '/v2/cache/x/manifests/latest')).headers.get('docker-content-digest'), a.digest);
    const b = await pushImage(t, 'cache/x', 'latest');
    assert.equal((await http(t, 'GET', '/v2/cache/x/manifests/latest')).headers.get('docker-content-digest'), b.digest);
    assert.equal((await http(t, 'DELETE', `/v2/cache/x/manifests/${b.digest}`)).status, 202);
    assert.equal((await http(t, 'GET', '/v2/cache/x/manifests/latest')).status, 404);
  });
});

const pg = await startPostgres();
for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`garbage collection (${backend})`, { skip: backend === 'postgres' && pg === undefined ? 'PostgreSQL is not installed' : false }, () => {
    let ctx: Awaited<ReturnType<typeof start>>;
    before(async () => {
      // GC runs beside the server (as `vouch registry gc` does): no manifest cache, so its deletions show at once.
      ctx = await start(undefined, 0, backend === 'postgres' ? pg!.createDatabase('gc') : undefined);
    });
    after(async () => {
      await ctx.server.close();
      rmSync(ctx.dir, { recursive: true, force: true });
      if (backend === 'postgres') pg?.destroy();
    });

    test('untagged manifests and their blobs go; tagged images, index children and referrers stay; the window protects pushes in flight', async () => {
      const t = { base: ctx.server.url };
      const kept = await pushImage(t, 'gc/app', 'v1');
      const dropped = await pushImage(t, 'gc/app', 'v2');
      assert.equal((await http(t, 'DELETE', '/v2/gc/app/manifests/v2')).status, 202);
      const child = await pushImage(t, 'gc/app');
      const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: child.manifest.length }] });
      assert.equal((await http(t, 'PUT', '/v2/gc/app/manifests/multi', { body: index, headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' } })).status, 201);
      const referrer = await pushImage(t, 'gc/app', undefined, { subject: { mediaType: OCI_MANIFEST, digest: kept.digest, size: kept.manifest.length } });
      const stray = await pushBlob(t, 'gc/app', randomBytes(50));

      // Inside the safety window nothing goes.
      const young = await collectGarbage(ctx.service.meta, ctx.service.blobs, { delete: true });
      assert.deepEqual([young.manifests.length, young.blobLinks.length, young.blobs.length], [0, 0, 0]);

      // Window 0 (as if an hour passed): a dry run reports, deletes nothing.
      const later = Date.now() + 1000;
      const dry = await collectGarbage(ctx.service.meta, ctx.service.blobs, { now: later, safetyWindowMs: 0 });
      assert.deepEqual(dry.manifests, [{ repository: 'gc/app', digest: dropped.digest }]);
      const doomed = [dropped.config.digest, dropped.layer.digest, stray].sort();
      assert.deepEqual(dry.blobs.map((b) => b.digest).sort(), doomed);
      assert.equal((await http(t, 'GET', `/v2/gc/app/manifests/${dropped.digest}`)).status, 200);

      const real = await collectGarbage(ctx.service.meta, ctx.service.blobs, { now: later, safetyWindowMs: 0, delete: true });
      assert.deepEqual(real.blobs.map((b) => b.digest).sort(), doomed);
      assert.equal((await http(t, 'GET', `/v2/gc/app/manifests/${dropped.digest}`)).status, 404);
      assert.equal((await http(t, 'GET', `/v2/gc/app/blobs/${stray}`)).status, 404);
      for (const img of [kept, child, referrer]) {
        assert.equal((await http(t, 'GET', `/v2/gc/app/manifests/${img.digest}`)).status, 200, img.digest);
        assert.deepEqual((await http(t, 'GET', `/v2/gc/app/blobs/${img.layer.digest}`)).body, img.layer.data);
      }
    });
  });
}

describe('limits', () => {
  test('upload sessions are capped: 429 TOOMANYREQUESTS, and cancelling one frees a slot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-reg-limit-'));
    const service = await createRegistryService({ dataDir: dir, maxOpenUploads: 3 });
    const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
    try {
      const t = { base: server.url };
      const open = [];
      for (let i = 0; i < 3; i++) open.push(await http(t, 'POST', '/v2/lim/x/blobs/uploads/'));
      assert.ok(open.every((r) => r.status === 202));
      const refused = await http(t, 'POST', '/v2/lim/x/blobs/uploads/');
      assert.equal(refused.status, 429);
      assert.equal((refused.json() as { errors: { code: string }[] }).errors[0]!.code, 'TOOMANYREQUESTS');
      assert.equal((await http(t, 'DELETE', location(t, open[0]!))).status, 204);
      assert.equal((await http(t, 'POST', '/v2/lim/x/blobs/uploads/')).status, 202);
      assert.equal(readdirSync(join(dir, 'uploads')).length, 3);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('extraRoutes', () => {
  test('routes mounted by the accounts area keep fastify body parsing and their own errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-reg-extra-'));
    const service = await createRegistryService({
      dataDir: dir,
      extraRoutes: async (app) => {
        app.post('/service/token', async (req) => ({ got: req.body }));
      },
    });
    const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
    try {
      const res = await http({ base: server.url }, 'POST', '/service/token', { body: '{"a":1}', headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { got: { a: 1 } });
      assert.equal((await http({ base: server.url }, 'GET', '/v2/')).status, 200);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
