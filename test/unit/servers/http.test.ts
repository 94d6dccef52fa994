import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer, type VouchService } from '../../../src/servers/http/index.ts';

function service(name: string, state: { ok: boolean; closed: string[] }): VouchService {
  return {
    name,
    register: async (app) => {
      app.get(`/${name}`, async () => ({ name }));
      // A scoped error handler does not leak into the other services.
      app.setErrorHandler(async (_err, _req, reply) => reply.code(599).send({ from: name }));
      app.get(`/${name}/fail`, async () => {
        throw new Error('x');
      });
    },
    health: async () => ({ ok: state.ok }),
    close: async () => {
      state.closed.push(name);
    },
  };
}

test('services mount on one port, health reflects them, close runs once in reverse order', async () => {
  const state = { ok: true, closed: [] as string[] };
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [service('a', state), service('b', state)] });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await (await fetch(`${server.url}/a`)).json(), { name: 'a' });
    const fail = await fetch(`${server.url}/b/fail`);
    assert.equal(fail.status, 599);
    assert.deepEqual(await fail.json(), { from: 'b' });
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', services: { a: { ok: true }, b: { ok: true } } });
    state.ok = false;
    assert.equal((await fetch(`${server.url}/healthz`)).status, 503);
  } finally {
    await Promise.all([server.close(), server.close()]);
  }
  assert.deepEqual(state.closed, ['b', 'a']);
});

test('two services of one name are refused', async () => {
  const state = { ok: true, closed: [] as string[] };
  await assert.rejects(startServer({ host: '127.0.0.1', port: 0, services: [service('a', state), service('a', state)] }), /mounted twice/);
});
