/**
 * Accounts end to end in-process: the token grant/deny matrix per Harbor role, Basic auth on
 * /v2/, anonymous pulls of public projects, hidden existence, robot scopes and expiry, refresh
 * tokens, the management API's shapes, and the audit log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { ADMIN_PASSWORD, basic, call, pushLayout, startAuthRegistry, type AuthRegistry } from './helpers.ts';

const ADMIN = basic('admin', ADMIN_PASSWORD);
const PW = 'Passw0rd-for-users';

/** Harbor's role table (user-permissions-by-role): the actions each role has on a project's repositories. */
const EXPECTED: Record<string, { priv: string[]; pub: string[] }> = {
  guest: { priv: ['pull'], pub: ['pull'] },
  developer: { priv: ['pull', 'push'], pub: ['pull', 'push'] },
  maintainer: { priv: ['pull', 'push', 'delete'], pub: ['pull', 'push', 'delete'] },
  projectAdmin: { priv: ['pull', 'push', 'delete'], pub: ['pull', 'push', 'delete'] },
  outsider: { priv: [], pub: ['pull'] },
  anonymous: { priv: [], pub: ['pull'] },
  admin: { priv: ['pull', 'push', 'delete'], pub: ['pull', 'push', 'delete'] },
};
const ROLE_ID: Record<string, number> = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4 };

async function token(r: AuthRegistry, auth: string | undefined, scopes: string[]): Promise<{ status: number; access: { type: string; name: string; actions: string[] }[]; sub?: string; raw?: string }> {
  const qs = new URLSearchParams({ service: 'vouch-registry' });
  for (const s of scopes) qs.append('scope', s);
  const res = await call(r.url, 'GET', `/service/token?${qs.toString()}`, auth === undefined ? {} : { auth });
  if (res.status !== 200) return { status: res.status, access: [] };
  const body = res.body as { token: string; access_token: string; expires_in: number };
  assert.equal(body.token, body.access_token);
  const claims = decodeJwt(body.token) as { access: { type: string; name: string; actions: string[] }[]; sub: string; aud: string };
  assert.equal(claims.aud, 'vouch-registry');
  return { status: 200, access: claims.access, sub: claims.sub, raw: body.token };
}

async function waitFor<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition never held');
}

describe('registry accounts (SQLite, in-process)', () => {
  let r: AuthRegistry;

  before(async () => {
    r = await startAuthRegistry();
    for (const name of ['guest', 'developer', 'maintainer', 'projectAdmin', 'outsider']) {
      assert.equal((await call(r.url, 'POST', '/api/v2.0/users', { auth: ADMIN, body: { username: name.toLowerCase(), password: PW } })).status, 201);
    }
    assert.equal((await call(r.url, 'POST', '/api/v2.0/projects', { auth: ADMIN, body: { project_name: 'priv' } })).status, 201);
    assert.equal((await call(r.url, 'POST', '/api/v2.0/projects', { auth: ADMIN, body: { project_name: 'pub', metadata: { public: 'true' } } })).status, 201);
    for (const project of ['priv', 'pub']) {
      for (const [role, id] of Object.entries(ROLE_ID)) {
        const res = await call(r.url, 'POST', `/api/v2.0/projects/${project}/members`, { auth: ADMIN, body: { role_id: id, member_user: { username: role.toLowerCase() } } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    }
    assert.equal((await pushLayout(r.url, 'priv/app', '1', ADMIN)).status, 201);
    assert.equal((await pushLayout(r.url, 'pub/app', '1', ADMIN)).status, 201);
  });
  after(() => r.close());

  it('grants requested ∩ allowed per role (token endpoint)', async () => {
    for (const [who, expected] of Object.entries(EXPECTED)) {
      const auth = who === 'anonymous' ? undefined : who === 'admin' ? ADMIN : basic(who.toLowerCase(), PW);
      const t = await token(r, auth, ['repository:priv/app:pull,push,delete', 'repository:pub/app:pull,push,delete']);
      assert.equal(t.status, 200, who);
      assert.equal(t.sub, who === 'anonymous' ? 'anonymous' : who.toLowerCase());
      assert.deepEqual(t.access.find((a) => a.name === 'priv/app')?.actions, expected.priv, `${who} on priv`);
      assert.deepEqual(t.access.find((a) => a.name === 'pub/app')?.actions, expected.pub, `${who} on pub`);
      // Asking for less never yields more.
      const pullOnly = await token(r, auth, ['repository:priv/app:pull']);
      assert.deepEqual(pullOnly.access[0]?.actions, expected.priv.filter((a) => a === 'pull'));
    }
  });

  it('enforces the token on /v2/: granted actions pass, others get 401 insufficient_scope', async () => {
    const dev = await token(r, basic('developer', PW), ['repository:priv/app:pull,push,delete']);
    const get = await fetch(`${r.url}/v2/priv/app/manifests/1`, { headers: { authorization: `Bearer ${dev.raw!}`, accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(get.status, 200);
    await get.arrayBuffer();
    const del = await call(r.url, 'DELETE', '/v2/priv/app/manifests/1', { auth: `Bearer ${dev.raw!}` });
    assert.equal(del.status, 401);
    assert.match(del.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.match(del.headers.get('www-authenticate') ?? '', /scope="repository:priv\/app:delete"/);
    const other = await call(r.url, 'GET', '/v2/pub/app/tags/list', { auth: `Bearer ${dev.raw!}` });
    assert.equal(other.status, 401, 'a token for one repository is not valid for another');
    const forged = await call(r.url, 'GET', '/v2/priv/app/tags/list', { auth: `Bearer ${dev.raw!.slice(0, -4)}AAAA` });
    assert.equal(forged.status, 401);
    assert.match(forged.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('challenges with the token realm, service and scope', async () => {
    const res = await call(r.url, 'GET', '/v2/');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${r.url}/service/token",service="vouch-registry"`);
    const push = await call(r.url, 'POST', '/v2/priv/app/blobs/uploads/');
    assert.equal(push.headers.get('www-authenticate'), `Bearer realm="${r.url}/service/token",service="vouch-registry",scope="repository:priv/app:pull,push"`);
    assert.deepEqual(push.body, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
  });

  it('accepts Basic auth directly on /v2/ and answers 403 to known users without rights', async () => {
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('guest', PW) })).status, 200);
    assert.equal((await call(r.url, 'GET', '/v2/priv/app/tags/list', { auth: basic('guest', PW) })).status, 200);
    const push = await call(r.url, 'POST', '/v2/priv/app/blobs/uploads/', { auth: basic('guest', PW) });
    assert.equal(push.status, 403);
    assert.equal((push.body as { errors: { code: string }[] }).errors[0]!.code, 'DENIED');
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('guest', 'wrong') })).status, 401);
  });

  it('lets anonymous pull public projects only', async () => {
    assert.equal((await call(r.url, 'GET', '/v2/pub/app/tags/list')).status, 200);
    assert.equal((await call(r.url, 'GET', '/v2/priv/app/tags/list')).status, 401);
    assert.equal((await call(r.url, 'POST', '/v2/pub/app/blobs/uploads/')).status, 401);
  });

  it('answers the same for existing-but-forbidden and missing repositories', async () => {
    const cases = ['priv/app', 'priv/missing', 'nosuchproject/app'];
    for (const auth of [undefined, basic('outsider', PW)]) {
      const answers = [];
      for (const repo of cases) {
        const res = await call(r.url, 'GET', `/v2/${repo}/manifests/1`, auth === undefined ? {} : { auth });
        answers.push({ status: res.status, body: res.body });
      }
      assert.notEqual(answers[0]!.status, 200);
      assert.deepEqual(answers[1], answers[0]);
      assert.deepEqual(answers[2], answers[0]);
      // Tokens: the same empty grant whether or not the repository or project exists.
      const t = await token(r, auth, cases.map((c) => `repository:${c}:pull`));
      assert.deepEqual(t.access.map((a) => a.actions), [[], [], []]);
      // The management API: a private project is as missing as a missing one.
      const proj = await call(r.url, 'GET', '/api/v2.0/projects/priv', auth === undefined ? {} : { auth });
      const none = await call(r.url, 'GET', '/api/v2.0/projects/nosuchproject', auth === undefined ? {} : { auth });
      assert.equal(proj.status, 404);
      assert.deepEqual(proj.body, none.body);
    }
  });

  it('filters the catalog by what the caller may pull', async () => {
    const outsider = await token(r, basic('outsider', PW), ['registry:catalog:*']);
    const res = await call(r.url, 'GET', '/v2/_catalog', { auth: `Bearer ${outsider.raw!}` });
    assert.deepEqual(res.body, { repositories: ['pub/app'] });
    const admin = await call(r.url, 'GET', '/v2/_catalog', { auth: ADMIN });
    assert.deepEqual(admin.body, { repositories: ['priv/app', 'pub/app'] });
    const anon = await token(r, undefined, ['registry:catalog:*']);
    assert.deepEqual(anon.access, []);
  });

  it('rejects bad credentials at the token endpoint and audits logins', async () => {
    const bad = await call(r.url, 'GET', '/service/token?service=vouch-registry', { auth: basic('developer', 'nope') });
    assert.equal(bad.status, 401);
    assert.equal((bad.body as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
    assert.equal((await call(r.url, 'GET', '/service/token?service=vouch-registry', { auth: basic('ghost', 'nope') })).status, 401);
    assert.equal((await call(r.url, 'GET', '/service/token?service=other')).status, 400);
    // Hostile token requests: clear 4xx answers, never a 500.
    const many = Array.from({ length: 40 }, (_, i) => `scope=repository:pub/a${i}:pull`).join('&');
    for (const query of ['scope=nocolons', 'scope=:::', `scope=repository:${'a'.repeat(600)}:pull`, many]) {
      assert.equal((await call(r.url, 'GET', `/service/token?${query}`)).status, 400, query.slice(0, 40));
    }
    for (const header of ['Basic !!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Bearer', 'Digest x', `Basic ${'A'.repeat(10_000)}`]) {
      assert.equal((await call(r.url, 'GET', '/service/token', { auth: header })).status, 401, header.slice(0, 20));
      assert.equal((await call(r.url, 'GET', '/v2/pub/app/tags/list', { auth: header })).status, 401, header.slice(0, 20));
    }
    assert.equal((await call(r.url, 'POST', '/service/token', { body: { grant_type: 'password' } })).status, 400, 'JSON is not the OAuth form');
    const log = await call(r.url, 'GET', `/api/v2.0/audit-logs?q=${encodeURIComponent('operation=login,username=developer')}&page_size=100`, { auth: ADMIN });
    const entries = log.body as { outcome: string; address: string }[];
    assert.ok(entries.some((e) => e.outcome === 'failure'));
    assert.ok(entries.some((e) => e.outcome === 'success'));
    assert.ok(entries.every((e) => e.address === '127.0.0.1'));
    const ghost = await call(r.url, 'GET', `/api/v2.0/audit-logs?q=${encodeURIComponent('username=ghost')}`, { auth: ADMIN });
    assert.equal((ghost.body as { outcome: string }[])[0]?.outcome, 'failure');
  });

  it('supports the OAuth2 password and refresh-token grants', async () => {
    const pw = await call(r.url, 'POST', '/service/token', { form: { grant_type: 'password', username: 'developer', password: PW, service: 'vouch-registry', scope: 'repository:priv/app:pull', client_id: 'test', access_type: 'offline' } });
    assert.equal(pw.status, 200);
    const body = pw.body as { access_token: string; refresh_token: string; token_type: string };
    assert.equal(body.token_type, 'Bearer');
    assert.deepEqual((decodeJwt(body.access_token) as { access: unknown }).access, [{ type: 'repository', name: 'priv/app', actions: ['pull'] }]);
    const refreshed = await call(r.url, 'POST', '/service/token', { form: { grant_type: 'refresh_token', refresh_token: body.refresh_token, service: 'vouch-registry', scope: 'repository:priv/app:pull,push' } });
    assert.equal(refreshed.status, 200);
    assert.deepEqual((decodeJwt((refreshed.body as { access_token: string }).access_token) as { access: unknown }).access, [{ type: 'repository', name: 'priv/app', actions: ['pull', 'push'] }]);
    // A refresh token is not an access token, and an access token is not a refresh token.
    assert.equal((await call(r.url, 'GET', '/v2/priv/app/tags/list', { auth: `Bearer ${body.refresh_token}` })).status, 401);
    assert.equal((await call(r.url, 'POST', '/service/token', { form: { grant_type: 'refresh_token', refresh_token: body.access_token } })).status, 401);
    assert.equal((await call(r.url, 'POST', '/service/token', { form: { grant_type: 'password', username: 'developer', password: 'bad' } })).status, 401);
    assert.equal((await call(r.url, 'POST', '/service/token', { form: { grant_type: 'client_credentials' } })).status, 400);
  });

  it('scopes robots to their project and actions, hashes secrets and expires them', async () => {
    const dav = basic('projectadmin', PW);
    const created = await call(r.url, 'POST', '/api/v2.0/robots', { auth: dav, body: { name: 'ci', level: 'project', duration: 1, permissions: [{ kind: 'project', namespace: 'priv', access: [{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }] }] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const robot = created.body as { id: number; name: string; secret: string };
    assert.equal(robot.name, 'robot$priv+ci');
    const stored = await r.auth.accounts.store.robotByName(robot.name);
    assert.ok(stored !== undefined && !stored.secretHash.includes(robot.secret) && stored.secretHash.startsWith('$argon2id$'));
    // The secret is never shown again.
    const shown = await call(r.url, 'GET', `/api/v2.0/robots/${robot.id}`, { auth: dav });
    assert.equal((shown.body as { secret?: string }).secret, undefined);
    // An outsider cannot see or create robots of the project.
    assert.equal((await call(r.url, 'GET', `/api/v2.0/robots/${robot.id}`, { auth: basic('outsider', PW) })).status, 404);
    assert.equal((await call(r.url, 'POST', '/api/v2.0/robots', { auth: basic('developer', PW), body: { name: 'x', level: 'project', permissions: [{ namespace: 'priv', access: [{ resource: 'repository', action: 'pull' }] }] } })).status, 403);

    const creds = basic(robot.name, robot.secret);
    const t = await token(r, creds, ['repository:priv/app:pull,push,delete', 'repository:pub/app:push']);
    assert.deepEqual(t.access.map((a) => [a.name, a.actions]), [['priv/app', ['pull', 'push']], ['pub/app', []]]);
    assert.equal((await call(r.url, 'GET', '/v2/priv/app/tags/list', { auth: creds })).status, 200);

    r.advance(2 * 86_400_000);
    try {
      assert.equal((await token(r, creds, ['repository:priv/app:pull'])).status, 401);
      assert.equal((await call(r.url, 'GET', '/v2/priv/app/tags/list', { auth: creds })).status, 401);
      const listed = await call(r.url, 'GET', `/api/v2.0/robots/${robot.id}`, { auth: dav });
      assert.equal((listed.body as { expired: boolean }).expired, true);
    } finally {
      r.advance(-2 * 86_400_000);
    }
    // A refreshed secret replaces the old one.
    const fresh = await call(r.url, 'PATCH', `/api/v2.0/robots/${robot.id}`, { auth: dav, body: {} });
    const secret = (fresh.body as { secret: string }).secret;
    assert.equal((await call(r.url, 'GET', '/v2/priv/app/tags/list', { auth: creds })).status, 401);
    assert.equal((await call(r.url, 'GET', '/v2/priv/app/tags/list', { auth: basic(robot.name, secret) })).status, 200);
    // Disabled robots cannot log in.
    assert.equal((await call(r.url, 'PUT', `/api/v2.0/robots/${robot.id}`, { auth: dav, body: { disable: true } })).status, 200);
    assert.equal((await call(r.url, 'GET', '/v2/priv/app/tags/list', { auth: basic(robot.name, secret) })).status, 401);
  });

  it('system robots hold permissions across projects', async () => {
    const res = await call(r.url, 'POST', '/api/v2.0/robots', { auth: ADMIN, body: { name: 'mirror', level: 'system', permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] } });
    assert.equal(res.status, 201);
    const robot = res.body as { name: string; secret: string };
    assert.equal(robot.name, 'robot$mirror');
    const t = await token(r, basic(robot.name, robot.secret), ['repository:priv/app:pull,push', 'repository:pub/app:pull']);
    assert.deepEqual(t.access.map((a) => a.actions), [['pull'], ['pull']]);
    assert.equal((await call(r.url, 'POST', '/api/v2.0/robots', { auth: basic('projectadmin', PW), body: { name: 'sys', level: 'system', permissions: [{ namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] } })).status, 403);
  });

  it('records pushes, pulls, deletes and permission changes in the audit log', async () => {
    const pushed = await pushLayout(r.url, 'priv/audited', 'v1', basic('developer', PW));
    assert.equal(pushed.status, 201);
    const pull = await fetch(`${r.url}/v2/priv/audited/manifests/v1`, { headers: { authorization: basic('guest', PW), accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(pull.status, 200);
    await pull.arrayBuffer();
    const del = await call(r.url, 'DELETE', `/v2/priv/audited/manifests/${pushed.digest}`, { auth: basic('maintainer', PW) });
    assert.equal(del.status, 202);
    const entries = await waitFor(async () => {
      const res = await call(r.url, 'GET', `/api/v2.0/audit-logs?q=${encodeURIComponent('resource=~priv/audited')}&page_size=100`, { auth: ADMIN });
      const list = res.body as { username: string; operation: string; resource: string }[];
      return list.length >= 3 ? list : undefined;
    });
    assert.deepEqual(entries.map((e) => [e.operation, e.username]).sort(), [['delete', 'maintainer'], ['pull', 'guest'], ['push', 'developer']]);
    assert.ok(entries.every((e) => e.resource.includes(pushed.digest)));
    // Permission changes.
    const members = (await call(r.url, 'GET', '/api/v2.0/projects/priv/members', { auth: ADMIN })).body as { id: number; entity_name: string }[];
    const guest = members.find((m) => m.entity_name === 'guest')!;
    assert.equal((await call(r.url, 'PUT', `/api/v2.0/projects/priv/members/${guest.id}`, { auth: ADMIN, body: { role_id: 2 } })).status, 200);
    const changes = await call(r.url, 'GET', `/api/v2.0/audit-logs?q=${encodeURIComponent('resource_type=member,operation=update')}`, { auth: ADMIN });
    assert.equal((changes.body as { resource: string }[])[0]?.resource, 'priv/guest role=developer');
    await call(r.url, 'PUT', `/api/v2.0/projects/priv/members/${guest.id}`, { auth: ADMIN, body: { role_id: 3 } });
    // Only system admins read the log.
    assert.equal((await call(r.url, 'GET', '/api/v2.0/audit-logs', { auth: basic('projectadmin', PW) })).status, 403);
    assert.equal((await call(r.url, 'GET', '/api/v2.0/audit-logs')).status, 401);
  });

  it('paginates with page/page_size and X-Total-Count, and answers errors in Harbor shape', async () => {
    const page1 = await call(r.url, 'GET', '/api/v2.0/users?page=1&page_size=2', { auth: ADMIN });
    assert.equal(page1.headers.get('x-total-count'), '6');
    assert.equal((page1.body as unknown[]).length, 2);
    assert.match(page1.headers.get('link') ?? '', /page=2/);
    const page3 = await call(r.url, 'GET', '/api/v2.0/users?page=3&page_size=2', { auth: ADMIN });
    assert.equal((page3.body as unknown[]).length, 2);
    assert.equal(page3.headers.get('link'), null);
    const bad = await call(r.url, 'GET', '/api/v2.0/users?page_size=1000', { auth: ADMIN });
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { errors: { code: string }[] }).errors[0]!.code, 'BAD_REQUEST');
    const dup = await call(r.url, 'POST', '/api/v2.0/users', { auth: ADMIN, body: { username: 'guest', password: PW } });
    assert.equal(dup.status, 409);
    const weak = await call(r.url, 'POST', '/api/v2.0/users', { auth: ADMIN, body: { username: 'weak', password: 'short' } });
    assert.equal(weak.status, 400);
    const notJson = await fetch(`${r.url}/api/v2.0/users`, { method: 'POST', headers: { authorization: ADMIN, 'content-type': 'application/json' }, body: '{"username":' });
    assert.equal(notJson.status, 400);
    const huge = await fetch(`${r.url}/api/v2.0/users`, { method: 'POST', headers: { authorization: ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x', password: 'y'.repeat(100_000) }) });
    assert.equal(huge.status, 413);
    assert.equal((await call(r.url, 'GET', '/api/v2.0/users', { auth: basic('guest', PW) })).status, 403);
    assert.equal((await call(r.url, 'GET', '/api/v2.0/nothing-here', { auth: ADMIN })).status, 404);
    for (const path of ['/api/v2.0/users?q=a&q=b', '/api/v2.0/audit-logs?q=op_time=[x~y]', '/api/v2.0/audit-logs?q=nonsense', '/api/v2.0/users/abc', '/api/v2.0/robots?page=-1']) {
      const res = await call(r.url, 'GET', path, { auth: ADMIN });
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
      assert.ok(Array.isArray((res.body as { errors: unknown[] }).errors), path);
    }
  });

  it('lets users change their own password with the old one only', async () => {
    await call(r.url, 'POST', '/api/v2.0/users', { auth: ADMIN, body: { username: 'frank', password: PW } });
    const me = (await call(r.url, 'GET', '/api/v2.0/users/current', { auth: basic('frank', PW) })).body as { user_id: number };
    assert.equal((await call(r.url, 'PUT', `/api/v2.0/users/${me.user_id}/password`, { auth: basic('frank', PW), body: { old_password: 'wrong', new_password: 'N3w-password' } })).status, 403);
    assert.equal((await call(r.url, 'PUT', `/api/v2.0/users/${me.user_id}/password`, { auth: basic('frank', PW), body: { old_password: PW, new_password: 'N3w-password' } })).status, 200);
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('frank', PW) })).status, 401, 'the old password no longer works (no stale cache)');
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('frank', 'N3w-password') })).status, 200);
    const admin = (await call(r.url, 'GET', '/api/v2.0/users/current', { auth: ADMIN })).body as { user_id: number };
    assert.equal((await call(r.url, 'PUT', `/api/v2.0/users/${admin.user_id}/password`, { auth: basic('frank', 'N3w-password'), body: { new_password: 'Hijack3d-pw' } })).status, 403);
    assert.equal((await call(r.url, 'DELETE', `/api/v2.0/users/${me.user_id}`, { auth: ADMIN })).status, 200);
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('frank', 'N3w-password') })).status, 401);
  });

  it('lets a system admin push into a new project, created private', async () => {
    assert.equal((await pushLayout(r.url, 'fresh/app', '1', ADMIN)).status, 201);
    const project = await waitFor(async () => {
      const res = await call(r.url, 'GET', '/api/v2.0/projects/fresh', { auth: ADMIN });
      return res.status === 200 ? (res.body as { metadata: { public: string } }) : undefined;
    });
    assert.equal(project.metadata.public, 'false');
    assert.equal((await call(r.url, 'GET', '/v2/fresh/app/tags/list')).status, 401);
    // A developer of another project cannot.
    assert.equal((await pushLayout(r.url, 'other/app', '1', basic('developer', PW))).status, 403);
  });

  it('projects: numeric names resolve by name first; only system admins delete', async () => {
    assert.equal((await call(r.url, 'POST', '/api/v2.0/projects', { auth: basic('projectadmin', PW), body: { project_name: '2024' } })).status, 201);
    const byName = await call(r.url, 'GET', '/api/v2.0/projects/2024', { auth: basic('projectadmin', PW) });
    assert.equal((byName.body as { name: string }).name, '2024');
    assert.equal((await call(r.url, 'DELETE', '/api/v2.0/projects/2024', { auth: basic('projectadmin', PW) })).status, 403);
    assert.equal((await call(r.url, 'DELETE', '/api/v2.0/projects/2024', { auth: basic('developer', PW) })).status, 404, 'not a member: the project is invisible');
    assert.equal((await call(r.url, 'DELETE', '/api/v2.0/projects/2024', { auth: ADMIN })).status, 200);
    assert.equal((await call(r.url, 'GET', '/api/v2.0/projects/2024', { auth: ADMIN })).status, 404);
    const list = await call(r.url, 'GET', '/api/v2.0/projects?page_size=100');
    assert.deepEqual((list.body as { name: string }[]).map((p) => p.name), ['pub'], 'anonymous sees public projects only');
  });

  it('throttles an address after repeated failed logins, without locking the account', async () => {
    const own = await startAuthRegistry();
    try {
      for (let i = 0; i < 20; i++) assert.equal((await call(own.url, 'GET', '/v2/', { auth: basic('admin', `wrong-${i}`) })).status, 401);
      // Now even the right password is refused from this address, unchecked …
      assert.equal((await call(own.url, 'GET', '/v2/', { auth: ADMIN })).status, 401);
      assert.equal((await call(own.url, 'GET', '/service/token', { auth: ADMIN })).status, 401);
      const log = (await own.auth.accounts.flushAudit(), await own.auth.accounts.store.listAudit({ page: 1, pageSize: 5, operation: 'login' })).items;
      assert.match(log[0]!.resource, /throttled/);
      // … until the window ends.
      own.advance(61_000);
      assert.equal((await call(own.url, 'GET', '/v2/', { auth: ADMIN })).status, 200);
    } finally {
      await own.close();
    }
  });
});
