/**
 * The registry client against an in-process fake registry (fake-registry.ts) on 127.0.0.1:
 * manifests and blobs with digest checks, Basic and Bearer flows, retries, redirects, error
 * bodies and limits. No test waits on wall-clock backoff: `sleep` is injected.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { RegistryClient, type RegistryClientOptions } from '../../../../src/clients/registry/client.ts';
import { RegistryHttpError } from '../../../../src/clients/registry/http.ts';
import { VouchError } from '../../../../src/core/index.ts';
import { FakeRegistry, collectingLogger, ociError, sha256 } from './fake-registry.ts';
import { selfSignedCert } from './test-cert.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MANIFEST = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('{}'), size: 2 }, layers: [] };

function isCode(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof VouchError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

/** Sleeps recorded, none waited. */
function fastOptions(extra: RegistryClientOptions = {}): RegistryClientOptions & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    retryBaseDelayMs: 100,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    sleeps,
    ...extra,
  };
}

describe('anonymous registry', () => {
  const reg = new FakeRegistry();
  let digest: string;
  before(async () => {
    await reg.start();
    digest = reg.addManifest('team/app', 'v1', MANIFEST, OCI_MANIFEST);
  });
  after(() => reg.close());

  test('ping settles on plain HTTP for a loopback registry after the HTTPS attempt fails', async () => {
    const client = new RegistryClient(reg.host, fastOptions());
    const ping = await client.ping();
    assert.equal(ping.base, `http://${reg.host}/`);
    assert.equal(ping.status, 200);
    assert.equal(ping.apiVersion, 'registry/2.0');
    await client.ping();
    assert.equal(reg.count('/v2/'), 1, 'one ping per client');
  });

  test('manifest by tag: Accept names OCI and Docker types; the digest is the verified Docker-Content-Digest', async () => {
    const client = new RegistryClient(reg.host, fastOptions());
    const m = await client.getManifest('team/app', 'v1');
    assert.equal(m.digest, digest);
    assert.equal(m.mediaType, OCI_MANIFEST);
    assert.deepEqual(JSON.parse(m.bytes.toString()), MANIFEST);
    const req = reg.requests.findLast((r) => r.path === '/v2/team/app/manifests/v1');
    const accept = String(req?.headers.accept).split(/,\s*/);
    assert.deepEqual(accept.sort(), [
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
    ]);
    assert.equal(req?.headers['accept-encoding'], 'identity');
    assert.equal(req?.headers.authorization, undefined);
  });

  test('manifest by digest, and HEAD', async () => {
    const client = new RegistryClient(reg.host, fastOptions());
    assert.equal((await client.getManifest('team/app', digest)).digest, digest);
    const head = await client.headManifest('team/app', 'v1');
    assert.deepEqual(head, { digest, mediaType: OCI_MANIFEST, size: Buffer.byteLength(JSON.stringify(MANIFEST)) });
  });

  test('a tag served without Docker-Content-Digest gets the sha256 of its bytes', async () => {
    const body = JSON.stringify(MANIFEST);
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname !== '/v2/team/app/manifests/nodigest') return false;
        res.writeHead(200, { 'content-type': `${OCI_MANIFEST}; charset=utf-8` });
        res.end(body);
        return true;
      },
    ];
    try {
      const m = await new RegistryClient(reg.host, fastOptions()).getManifest('team/app', 'nodigest');
      assert.equal(m.digest, sha256(body));
      assert.equal(m.mediaType, OCI_MANIFEST);
    } finally {
      reg.hooks = [];
    }
  });

  test('a wrong Docker-Content-Digest or bytes that do not match the digest asked for: DIGEST_MISMATCH', async () => {
    const other = sha256('something else');
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname === '/v2/team/app/manifests/lying') {
          res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': other });
          res.end(JSON.stringify(MANIFEST));
          return true;
        }
        if (url.pathname === `/v2/team/app/manifests/${other}`) {
          res.writeHead(200, { 'content-type': OCI_MANIFEST });
          res.end(JSON.stringify(MANIFEST));
          return true;
        }
        return false;
      },
    ];
    try {
      const client = new RegistryClient(reg.host, fastOptions());
      await assert.rejects(client.getManifest('team/app', 'lying'), isCode('DIGEST_MISMATCH', /Docker-Content-Digest/));
      await assert.rejects(client.getManifest('team/app', other), isCode('DIGEST_MISMATCH', new RegExp(`expected ${other}`)));
    } finally {
      reg.hooks = [];
    }
  });

  test('manifests over 4 MiB: by Content-Length and by counting a chunked body', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname === '/v2/team/app/manifests/declared') {
          res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': big.byteLength });
          res.end(big);
          return true;
        }
        if (url.pathname === '/v2/team/app/manifests/chunked') {
          res.writeHead(200, { 'content-type': OCI_MANIFEST });
          for (let i = 0; i < big.byteLength; i += 65536) res.write(big.subarray(i, i + 65536));
          res.end();
          return true;
        }
        return false;
      },
    ];
    try {
      const client = new RegistryClient(reg.host, fastOptions());
      await assert.rejects(client.getManifest('team/app', 'declared'), isCode('LIMIT_EXCEEDED', /4194305 bytes, over the 4194304-byte limit/));
      await assert.rejects(client.getManifest('team/app', 'chunked'), isCode('LIMIT_EXCEEDED', /over the 4194304-byte limit/));
      const small = new RegistryClient(reg.host, fastOptions({ maxManifestBytes: 10 }));
      await assert.rejects(small.getManifest('team/app', 'v1'), isCode('LIMIT_EXCEEDED'));
    } finally {
      reg.hooks = [];
    }
  });

  test('404 with an OCI error body: IMAGE_NOT_FOUND naming the registry code and message', async () => {
    const client = new RegistryClient(reg.host, fastOptions());
    await assert.rejects(client.getManifest('team/app', 'missing'), (e: unknown) => {
      assert.ok(e instanceof RegistryHttpError);
      assert.equal(e.code, 'IMAGE_NOT_FOUND');
      assert.equal(e.status, 404);
      assert.deepEqual(e.errors, [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }]);
      assert.match(e.message, /manifest team\/app:missing: 127\.0\.0\.1:\d+ answered 404 Not Found \(MANIFEST_UNKNOWN: manifest unknown\)/);
      return true;
    });
    await assert.rejects(client.openBlob('team/app', sha256('nope')), isCode('IMAGE_NOT_FOUND', /BLOB_UNKNOWN/));
  });

  test('names and references that could leave the URL path are refused before any request', async () => {
    const client = new RegistryClient(reg.host, fastOptions());
    const before = reg.requests.length;
    for (const [name, ref] of [['../x', 'v1'], ['a//b', 'v1'], ['a/b?x', 'v1'], ['a', '../../v2'], ['a', 'v1?x=1'], ['a', 'sha256:abc'], ['A', 'v1']]) {
      await assert.rejects(client.getManifest(name!, ref!), isCode('BAD_TARGET'), `${name} ${ref}`);
    }
    await assert.rejects(client.openBlob('a', 'md5:abc'), isCode('IMAGE_INVALID'));
    assert.equal(reg.requests.length, before);
  });

  test('blobs stream verified; corrupt bytes or a wrong size are DIGEST_MISMATCH, a cut connection REGISTRY_ERROR', async () => {
    const data = Buffer.from('layer bytes '.repeat(10_000));
    const digest = reg.addBlob(data);
    const client = new RegistryClient(reg.host, fastOptions());
    assert.equal(await text(await client.openBlob('team/app', digest, { size: data.byteLength })), data.toString());
    assert.deepEqual(await client.getBlob('team/app', digest, { size: data.byteLength, maxBytes: data.byteLength }), data);
    await assert.rejects(client.getBlob('team/app', digest, { maxBytes: 100 }), isCode('LIMIT_EXCEEDED'));
    await assert.rejects(client.getBlob('team/app', digest, { size: data.byteLength, maxBytes: 100 }), isCode('LIMIT_EXCEEDED'));
    // The registry serves other bytes under the digest.
    const corrupt = sha256('what the descriptor promised');
    reg.blobs.set(corrupt, Buffer.from('what the registry serves!!!!'));
    await assert.rejects(text(await client.openBlob('team/app', corrupt)), isCode('DIGEST_MISMATCH', /digest is sha256:/));
    // Declared size and Content-Length disagree: refused before the body.
    await assert.rejects(client.openBlob('team/app', digest, { size: 5 }), isCode('DIGEST_MISMATCH', /serves \d+ bytes, the descriptor says 5/));
    // The connection ends early (fewer bytes than Content-Length).
    const cut = reg.addBlob('x'.repeat(1000));
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname !== `/v2/team/app/blobs/${cut}`) return false;
        res.writeHead(200, { 'content-length': 1000 });
        res.write('x'.repeat(10));
        setImmediate(() => res.destroy());
        return true;
      },
    ];
    try {
      await assert.rejects(text(await client.openBlob('team/app', cut, { size: 1000 })), isCode('REGISTRY_ERROR', /reading blob sha256:[0-9a-f]+ of team\/app from 127\.0\.0\.1:\d+ failed: /));
    } finally {
      reg.hooks = [];
    }
  });
});

describe('retries and timeouts', () => {
  const reg = new FakeRegistry();
  before(() => reg.start());
  after(() => reg.close());

  test('503 and 429 are retried with backoff, Retry-After honoured and capped', async () => {
    const digest = reg.addManifest('r/app', 'v1', MANIFEST, OCI_MANIFEST);
    let n = 0;
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname !== '/v2/r/app/manifests/v1') return false;
        n++;
        if (n === 1) ociError(res, 503, 'UNAVAILABLE', 'busy');
        else if (n === 2) ociError(res, 429, 'TOOMANYreqUESTS', 'slow down', { 'retry-after': '3' });
        else if (n === 3) ociError(res, 429, 'TOOMANYreqUESTS', 'slow down', { 'retry-after': '86400' });
        else return false;
        return true;
      },
    ];
    try {
      const opts = fastOptions({ maxDelayMs: 5000 });
      const m = await new RegistryClient(reg.host, opts).getManifest('r/app', 'v1');
      assert.equal(m.digest, digest);
      assert.equal(n, 4);
      assert.equal(opts.sleeps.length, 3);
      assert.ok(opts.sleeps[0]! >= 50 && opts.sleeps[0]! <= 100, `backoff ${opts.sleeps[0]}`);
      assert.equal(opts.sleeps[1], 3000);
      assert.equal(opts.sleeps[2], 5000);
    } finally {
      reg.hooks = [];
    }
  });

  test('retries are bounded; the last answer becomes REGISTRY_ERROR with the OCI error', async () => {
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname !== '/v2/r/app/manifests/down') return false;
        ociError(res, 502, 'BAD_GATEWAY', 'upstream gone');
        return true;
      },
    ];
    try {
      const opts = fastOptions({ retries: 2 });
      await assert.rejects(new RegistryClient(reg.host, opts).getManifest('r/app', 'down'), (e: unknown) => {
        assert.ok(e instanceof RegistryHttpError);
        assert.equal(e.code, 'REGISTRY_ERROR');
        assert.equal(e.status, 502);
        assert.match(e.message, /502 Bad Gateway \(BAD_GATEWAY: upstream gone\)/);
        return true;
      });
      assert.equal(reg.count('/v2/r/app/manifests/down'), 3);
      assert.equal(opts.sleeps.length, 2);
      // 501 and 4xx are not retried.
      reg.hooks = [
        (_req, res, url) => {
          if (url.pathname !== '/v2/r/app/manifests/nope') return false;
          ociError(res, 501, 'UNSUPPORTED', 'no');
          return true;
        },
      ];
      await assert.rejects(new RegistryClient(reg.host, fastOptions()).getManifest('r/app', 'nope'), isCode('REGISTRY_ERROR', /501/));
      assert.equal(reg.count('/v2/r/app/manifests/nope'), 1);
    } finally {
      reg.hooks = [];
    }
  });

  test('a non-JSON error body still gives a clear error; control characters are cleaned', async () => {
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname !== '/v2/r/app/manifests/html') return false;
        if (url.pathname === '/v2/r/app/manifests/html') {
          res.writeHead(400, { 'content-type': 'text/html' });
          res.end('<html>\u001b[31mred</html>');
        }
        return true;
      },
    ];
    try {
      await assert.rejects(new RegistryClient(reg.host, fastOptions()).getManifest('r/app', 'html'), (e: unknown) => {
        assert.ok(e instanceof RegistryHttpError && e.code === 'REGISTRY_ERROR');
        assert.match(e.message, /answered 400 Bad Request$/);
        return true;
      });
    } finally {
      reg.hooks = [];
    }
  });

  test('no response headers within the timeout, and a body that stalls: REGISTRY_ERROR', async () => {
    const stalled: ServerResponse[] = [];
    const blob = reg.addBlob('y'.repeat(100));
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname === '/v2/r/app/manifests/slow') {
          stalled.push(res); // never answers
          return true;
        }
        if (url.pathname === `/v2/r/app/blobs/${blob}`) {
          res.writeHead(200, { 'content-length': 100 });
          res.write('y'.repeat(10)); // then nothing
          stalled.push(res);
          return true;
        }
        return false;
      },
    ];
    try {
      const client = new RegistryClient(reg.host, fastOptions({ timeoutMs: 200, idleTimeoutMs: 200, retries: 1 }));
      await assert.rejects(client.getManifest('r/app', 'slow'), isCode('REGISTRY_ERROR', /no response within 200 ms/));
      assert.equal(reg.count('/v2/r/app/manifests/slow'), 2, 'a timeout is retried');
      await assert.rejects(text(await client.openBlob('r/app', blob, { size: 100 })), isCode('REGISTRY_ERROR', /no data for 200 ms/));
    } finally {
      reg.hooks = [];
      for (const r of stalled) r.destroy();
    }
  });
});

describe('redirects', () => {
  const reg = new FakeRegistry({ auth: 'bearer' });
  const storage = new FakeRegistry();
  const data = Buffer.from('redirected layer');
  let digest: string;
  before(async () => {
    await reg.start();
    await storage.start();
    digest = storage.addBlob(data);
    reg.addBlob(data);
  });
  after(async () => {
    await reg.close();
    await storage.close();
  });

  test('a blob redirect to another origin is followed without our Authorization; same origin keeps it', async () => {
    reg.hooks = [
      (req, res, url) => {
        if (url.pathname === `/v2/a/b/blobs/${digest}` && req.headers.authorization !== undefined) {
          res.writeHead(307, { location: `${storage.origin}/store/${digest.slice(7)}?X-Signature=abc` });
          res.end();
          return true;
        }
        if (url.pathname === `/v2/a/same/blobs/${digest}` && req.headers.authorization !== undefined) {
          res.writeHead(302, { location: `/v2/a/b/blobs-moved/${digest}` });
          res.end();
          return true;
        }
        if (url.pathname === `/v2/a/b/blobs-moved/${digest}`) {
          res.writeHead(200, { 'content-length': data.byteLength, 'x-saw-auth': String(req.headers.authorization !== undefined) });
          res.end(data);
          return true;
        }
        return false;
      },
    ];
    storage.hooks = [
      (_req, res, url) => {
        if (!url.pathname.startsWith('/store/')) return false;
        res.writeHead(200, { 'content-length': data.byteLength });
        res.end(data);
        return true;
      },
    ];
    const client = new RegistryClient(reg.host, fastOptions());
    assert.equal(await text(await client.openBlob('a/b', digest, { size: data.byteLength })), data.toString());
    const atStorage = storage.requests.find((r) => r.path.startsWith('/store/'));
    assert.ok(atStorage);
    assert.equal(atStorage.headers.authorization, undefined);
    assert.equal(atStorage.query.get('X-Signature'), 'abc');
    assert.equal(await text(await client.openBlob('a/same', digest)), data.toString());
    const moved = reg.requests.find((r) => r.path.startsWith('/v2/a/b/blobs-moved/'));
    assert.match(String(moved?.headers.authorization), /^Bearer /);
  });

  test('redirect loops end; a redirect to plain HTTP on a remote host is INSECURE_REGISTRY', async () => {
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname === '/v2/a/loop/blobs/' + digest) {
          res.writeHead(302, { location: url.pathname });
          res.end();
          return true;
        }
        if (url.pathname === '/v2/a/remote/blobs/' + digest) {
          res.writeHead(302, { location: 'http://storage.example/blob' });
          res.end();
          return true;
        }
        return false;
      },
    ];
    const client = new RegistryClient(reg.host, fastOptions());
    await assert.rejects(client.openBlob('a/loop', digest), isCode('REGISTRY_ERROR', /more than 5 redirects/));
    await assert.rejects(client.openBlob('a/remote', digest), isCode('INSECURE_REGISTRY', /storage\.example/));
  });
});

describe('Basic auth', () => {
  const reg = new FakeRegistry({ auth: 'basic', user: 'alice', password: 'open sesame' });
  before(async () => {
    await reg.start();
    reg.addManifest('priv/app', 'v1', MANIFEST, OCI_MANIFEST);
  });
  after(() => reg.close());

  test('with credentials: the Basic challenge is answered, then sent up front', async () => {
    const client = new RegistryClient(reg.host, fastOptions({ credentials: { username: 'alice', password: 'open sesame' } }));
    await client.getManifest('priv/app', 'v1');
    await client.headManifest('priv/app', 'v1');
    const asked = reg.requests.filter((r) => r.path === '/v2/priv/app/manifests/v1');
    assert.equal(asked.length, 2, 'the ping challenge means no 401 on the manifest');
    assert.ok(asked.every((r) => r.headers.authorization === `Basic ${Buffer.from('alice:open sesame').toString('base64')}`));
  });

  test('without credentials, or with wrong ones: REGISTRY_AUTH', async () => {
    await assert.rejects(
      new RegistryClient(reg.host, fastOptions()).getManifest('priv/app', 'v1'),
      (e: unknown) => isCode('REGISTRY_AUTH', /requires credentials and none were found/)(e) && /--creds/.test((e as VouchError).hint ?? ''),
    );
    const before = reg.count('/v2/priv/app/manifests/v1');
    await assert.rejects(
      new RegistryClient(reg.host, fastOptions({ credentials: { username: 'alice', password: 'wrong' } })).getManifest('priv/app', 'v1'),
      isCode('REGISTRY_AUTH', /401 Unauthorized \(UNAUTHORIZED: authentication required\): the credentials were refused/),
    );
    assert.equal(reg.count('/v2/priv/app/manifests/v1') - before, 2, 'sent, refused, answered once, refused');
  });
});

describe('Bearer token flow', () => {
  const reg = new FakeRegistry({ auth: 'bearer', user: 'bob', password: 'pa55:word', anonymousPull: false, expiresIn: 120, service: 'fake svc' });
  before(async () => {
    await reg.start();
    reg.addManifest('team/app', 'v1', MANIFEST, OCI_MANIFEST);
    reg.addManifest('team/other', 'v1', MANIFEST, OCI_MANIFEST);
  });
  after(() => reg.close());

  test('token from the realm with service, scope and Basic credentials; cached per scope until it expires', async () => {
    let now = 1_000_000;
    const logger = collectingLogger();
    const client = new RegistryClient(reg.host, fastOptions({ credentials: { username: 'bob', password: 'pa55:word' }, logger, now: () => now }));
    const tokensBefore = reg.count('/token');
    await client.getManifest('team/app', 'v1');
    await client.headManifest('team/app', 'v1');
    assert.equal(reg.count('/token') - tokensBefore, 1, 'one token for two requests');
    const tokenReq = reg.requests.findLast((r) => r.path === '/token');
    assert.equal(tokenReq?.query.get('service'), 'fake svc');
    assert.deepEqual(tokenReq?.query.getAll('scope'), ['repository:team/app:pull']);
    assert.equal(tokenReq?.query.get('account'), 'bob');
    assert.equal(tokenReq?.headers.authorization, `Basic ${Buffer.from('bob:pa55:word').toString('base64')}`);
    // Another repository: another scope, another token.
    await client.getManifest('team/other', 'v1');
    assert.equal(reg.count('/token') - tokensBefore, 2);
    // 120 s tokens are renewed 10 s early.
    now += 105_000;
    await client.getManifest('team/app', 'v1');
    assert.equal(reg.count('/token') - tokensBefore, 2, 'still fresh at 105 s');
    now += 6_000;
    await client.getManifest('team/app', 'v1');
    assert.equal(reg.count('/token') - tokensBefore, 3, 'renewed at 111 s');
    // No secret in any log line: password, Basic value, tokens.
    const log = logger.lines.join('\n');
    assert.ok(logger.lines.length > 5, log);
    for (const secret of ['pa55:word', 'pa55', Buffer.from('bob:pa55:word').toString('base64'), ...reg.tokens.keys()]) {
      assert.ok(!log.includes(secret), `log holds ${secret}:\n${log}`);
    }
  });

  test('anonymous token requests carry no Authorization; a token without access is refused after one retry', async () => {
    const client = new RegistryClient(reg.host, fastOptions());
    const before = reg.count('/v2/team/app/manifests/v1');
    await assert.rejects(client.getManifest('team/app', 'v1'), (e: unknown) => {
      assert.ok(e instanceof RegistryHttpError && e.code === 'REGISTRY_AUTH', String(e));
      assert.match(e.message, /anonymous access was refused/);
      assert.match(e.hint ?? '', /--creds/);
      return true;
    });
    assert.equal(reg.count('/v2/team/app/manifests/v1') - before, 2, 'the request is retried exactly once');
    const anon = reg.requests.filter((r) => r.path === '/token').at(-1);
    assert.equal(anon?.headers.authorization, undefined);
    assert.equal(anon?.query.get('account'), null);
  });

  test('wrong credentials at the token server: REGISTRY_AUTH', async () => {
    const client = new RegistryClient(reg.host, fastOptions({ credentials: { username: 'bob', password: 'nope' } }));
    await assert.rejects(client.getManifest('team/app', 'v1'), isCode('REGISTRY_AUTH', /token for 127\.0\.0\.1:\d+: .*401.*the credentials were refused/));
  });

  test('the scope the registry names in its challenge is asked for too', async () => {
    reg.hooks = [
      (req, res, url) => {
        if (url.pathname !== '/v2/team/app/manifests/extra') return false;
        const granted = reg.tokens.get(String(req.headers.authorization).slice(7)) ?? [];
        if (granted.includes('repository:team/base:pull')) return false;
        ociError(res, 401, 'UNAUTHORIZED', 'more scope', {
          'www-authenticate': `Bearer realm="${reg.origin}/token",service="fake svc",scope="repository:team/app:pull repository:team/base:pull",error="insufficient_scope"`,
        });
        return true;
      },
    ];
    try {
      reg.addManifest('team/app', 'extra', MANIFEST, OCI_MANIFEST);
      const client = new RegistryClient(reg.host, fastOptions({ credentials: { username: 'bob', password: 'pa55:word' } }));
      await client.getManifest('team/app', 'extra');
      assert.deepEqual(reg.requests.findLast((r) => r.path === '/token')?.query.getAll('scope'), ['repository:team/app:pull', 'repository:team/base:pull']);
    } finally {
      reg.hooks = [];
    }
  });

  test('token responses: access_token alias accepted; no token, bad JSON or an http realm elsewhere are refused', async () => {
    const answers: ((res: ServerResponse) => void)[] = [
      (res) => res.end(JSON.stringify({ access_token: [...reg.tokens.keys()][0] })),
      (res) => res.end(JSON.stringify({ expires_in: 60 })),
      (res) => res.end('not json'),
      (res) => res.end(JSON.stringify({ token: 'bad\ntoken' })),
    ];
    let i = 0;
    reg.hooks = [
      (_req, res, url) => {
        if (url.pathname !== '/token' || i === 0) return false;
        answers[i - 1]!(res);
        return true;
      },
    ];
    try {
      // i = 0: a real token, so the access_token alias has one to reuse.
      await new RegistryClient(reg.host, fastOptions({ credentials: { username: 'bob', password: 'pa55:word' } })).getManifest('team/app', 'v1');
      i = 1;
      await new RegistryClient(reg.host, fastOptions()).getManifest('team/app', 'v1');
      for (const pattern of [/no usable token/, /not JSON/, /no usable token/]) {
        i++;
        await assert.rejects(new RegistryClient(reg.host, fastOptions()).getManifest('team/app', 'v1'), isCode('REGISTRY_AUTH', pattern));
      }
    } finally {
      reg.hooks = [];
    }
    const remote = new FakeRegistry({ auth: 'bearer', realm: 'http://auth.example/token' });
    await remote.start();
    try {
      remote.addManifest('a/b', 'v1', MANIFEST, OCI_MANIFEST);
      await assert.rejects(new RegistryClient(remote.host, fastOptions()).getManifest('a/b', 'v1'), isCode('INSECURE_REGISTRY', /token realm auth\.example/));
    } finally {
      await remote.close();
    }
  });

  test('parallel requests share one token request', async () => {
    const client = new RegistryClient(reg.host, fastOptions({ credentials: { username: 'bob', password: 'pa55:word' } }));
    await client.ping();
    const before = reg.count('/token');
    await Promise.all([client.headManifest('team/app', 'v1'), client.headManifest('team/app', 'v1'), client.getManifest('team/app', 'v1')]);
    assert.equal(reg.count('/token') - before, 1);
  });
});

describe('TLS', () => {
  test('a loopback registry over HTTPS with a self-signed certificate is used over HTTPS (Docker treats loopback as insecure)', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const reg = new FakeRegistry({ tls: { key: key.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: selfSignedCert(key, '127.0.0.1') } });
    await reg.start();
    try {
      const digest = reg.addManifest('tls/app', 'v1', MANIFEST, OCI_MANIFEST);
      const client = new RegistryClient(reg.host, fastOptions());
      assert.equal((await client.ping()).base, `https://${reg.host}/`);
      assert.equal((await client.getManifest('tls/app', 'v1')).digest, digest);
    } finally {
      await reg.close();
    }
  });

  test('certificates are checked for remote hosts unless insecure', async () => {
    const seen: unknown[] = [];
    const f = ((_url: URL, init: RequestInit) => {
      seen.push(init.dispatcher);
      return Promise.resolve(new Response('{}', { status: 200 }));
    }) as unknown as typeof fetch;
    await new RegistryClient('r.example', fastOptions({ fetch: f })).ping();
    await new RegistryClient('r.example', fastOptions({ fetch: f, insecure: true })).ping();
    assert.equal(seen[0], undefined, 'the default, verifying dispatcher');
    assert.equal(typeof seen[1], 'object', 'a dispatcher that skips verification');
  });
});

describe('transport choice without a network', () => {
  /** A fetch that records URLs and answers from a table; https to `down` hosts fails to connect. */
  function fakeFetch(down: (url: URL) => boolean) {
    const seen: string[] = [];
    const f = ((input: string | URL | Request) => {
      const url = new URL(input instanceof Request ? input.url : input);
      seen.push(url.href);
      if (down(url)) return Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }));
      return Promise.resolve(new Response('{}', { status: 200, headers: { 'docker-distribution-api-version': 'registry/2.0' } }));
    }) as typeof fetch;
    return { f, seen };
  }

  test('docker.io is reached at registry-1.docker.io over HTTPS', async () => {
    const { f, seen } = fakeFetch(() => false);
    const client = new RegistryClient('docker.io', fastOptions({ fetch: f }));
    assert.equal(client.apiHost, 'registry-1.docker.io');
    assert.equal((await client.ping()).base, 'https://registry-1.docker.io/');
    assert.deepEqual(seen, ['https://registry-1.docker.io/v2/']);
  });

  test('a remote registry whose HTTPS fails is not tried over HTTP unless insecure', async () => {
    const down = (url: URL): boolean => url.protocol === 'https:';
    const strict = fakeFetch(down);
    await assert.rejects(new RegistryClient('r.example:5000', fastOptions({ fetch: strict.f, retries: 0 })).ping(), isCode('REGISTRY_ERROR', /cannot reach r\.example:5000.*ECONNREFUSED/));
    assert.deepEqual(strict.seen, ['https://r.example:5000/v2/']);
    const lax = fakeFetch(down);
    assert.equal((await new RegistryClient('r.example:5000', fastOptions({ fetch: lax.f, insecure: true })).ping()).base, 'http://r.example:5000/');
    assert.deepEqual(lax.seen, ['https://r.example:5000/v2/', 'http://r.example:5000/v2/']);
  });

  test('a server without the v2 API is REGISTRY_ERROR; an unknown auth scheme is REGISTRY_AUTH', async () => {
    const notFound = (() => Promise.resolve(new Response('', { status: 404 }))) as typeof fetch;
    await assert.rejects(new RegistryClient('r.example', fastOptions({ fetch: notFound })).ping(), isCode('REGISTRY_ERROR', /does not serve the registry API v2/));
    const negotiate = (() => Promise.resolve(new Response('', { status: 401, headers: { 'www-authenticate': 'Negotiate' } }))) as typeof fetch;
    await assert.rejects(new RegistryClient('r.example', fastOptions({ fetch: negotiate })).getManifest('a', 'v1'), isCode('REGISTRY_AUTH', /negotiate; Vouch speaks Basic and Bearer/));
  });
});
