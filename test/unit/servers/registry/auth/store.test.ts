/**
 * The accounts store on both dialects (SQLite and a real PostgreSQL 15), plus the access rules
 * over it, and a full registry with accounts on PostgreSQL sharing the registry's database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPostgres, type Postgres } from '../../../../helpers/postgres.ts';
import { Accounts, AuthStore, createRegistryAuth, ROLES, verifyPassword } from '../../../../../src/servers/registry/auth/index.ts';
import { isConflict } from '../../../../../src/servers/registry/auth/store.ts';
import { silentLogger } from '../../../../../src/core/index.ts';
import { ADMIN_PASSWORD, basic, call, pushLayout, startAuthRegistry } from './helpers.ts';

async function exercise(store: AuthStore): Promise<void> {
  const alice = await store.createUser({ username: 'alice', passwordHash: 'h1', email: 'a@example.com' });
  const bob = await store.createUser({ username: 'bob', passwordHash: 'h2', sysadmin: true });
  await assert.rejects(store.createUser({ username: 'alice', passwordHash: 'x' }), (e) => isConflict(e));
  assert.equal((await store.userByName('alice'))?.email, 'a@example.com');
  assert.equal((await store.userById(bob.id))?.sysadmin, true);
  await store.updateUser(alice.id, { passwordHash: 'h3', sysadmin: true });
  assert.deepEqual([(await store.userById(alice.id))?.passwordHash, (await store.userById(alice.id))?.sysadmin], ['h3', true]);
  assert.equal((await store.listUsers({ page: 1, pageSize: 10, username: 'li' })).items[0]?.username, 'alice');
  assert.equal((await store.listUsers({ page: 1, pageSize: 10, username: '%' })).total, 0, 'LIKE wildcards are escaped');

  const priv = await store.createProject({ name: 'priv', public: false, ownerId: alice.id });
  const pub = await store.createProject({ name: 'pub', public: true, ownerId: null });
  await assert.rejects(store.createProject({ name: 'pub', public: false, ownerId: null }), (e) => isConflict(e));
  const mid = await store.addMember(priv.id, alice.id, ROLES.developer);
  await assert.rejects(store.addMember(priv.id, alice.id, ROLES.guest), (e) => isConflict(e));
  assert.equal(await store.roleOf(priv.id, alice.id), ROLES.developer);
  await store.updateMember(mid, ROLES.maintainer);
  assert.equal((await store.member(priv.id, mid))?.role, ROLES.maintainer);
  assert.deepEqual((await store.listProjects({ page: 1, pageSize: 10, visibleTo: 'anonymous' })).items.map((p) => p.name), ['pub']);
  assert.deepEqual((await store.listProjects({ page: 1, pageSize: 10, visibleTo: alice.id })).items.map((p) => p.name), ['priv', 'pub']);
  assert.deepEqual((await store.listProjects({ page: 1, pageSize: 10, visibleTo: bob.id })).items.map((p) => p.name), ['pub']);
  assert.equal((await store.listProjects({ page: 2, pageSize: 1 })).items[0]?.name, 'pub');

  const robot = await store.createRobot({ name: 'robot$priv+ci', description: '', level: 'project', projectId: priv.id, permissions: [{ namespace: 'priv', actions: ['pull'] }], secretHash: 's', expiresAt: 4_102_444_800 });
  assert.deepEqual((await store.robotByName('robot$priv+ci'))?.permissions, [{ namespace: 'priv', actions: ['pull'] }]);
  assert.equal((await store.robotById(robot.id))?.expiresAt, 4_102_444_800, 'bigint read back as a number');
  assert.equal((await store.listRobots({ page: 1, pageSize: 10, projectIds: [pub.id] })).total, 0);
  assert.equal((await store.listRobots({ page: 1, pageSize: 10, projectIds: [priv.id] })).total, 1);
  await store.updateRobot(robot.id, { disabled: true });
  assert.equal((await store.robotById(robot.id))?.disabled, true);

  // Deleting a project removes its members and robots (foreign keys cascade on both dialects).
  await store.deleteProject(priv.id);
  assert.equal(await store.roleOf(priv.id, alice.id), undefined);
  assert.equal(await store.robotById(robot.id), undefined);
  // Deleting a user removes memberships; owned projects lose their owner, not their existence.
  const team = await store.createProject({ name: 'team', public: false, ownerId: alice.id });
  await store.addMember(team.id, alice.id, ROLES.projectAdmin);
  assert.equal(await store.deleteUser(alice.id), true);
  assert.equal((await store.projectById(team.id))?.ownerId, null);
  assert.deepEqual(await store.listMembers(team.id), []);

  await store.addAudit({ username: 'bob', address: '10.0.0.1', operation: 'push', resourceType: 'artifact', resource: 'team/app:1@sha256:ab', outcome: 'success' });
  await store.addAudit({ username: 'eve', address: '10.0.0.2', operation: 'login', resourceType: 'user', resource: 'eve', outcome: 'failure' });
  const all = await store.listAudit({ page: 1, pageSize: 10 });
  assert.equal(all.total, 2);
  assert.equal(all.items[0]?.username, 'eve', 'newest first');
  assert.equal((await store.listAudit({ page: 1, pageSize: 10, resource: 'team/app' })).items[0]?.operation, 'push');
  assert.equal((await store.listAudit({ page: 1, pageSize: 10, username: 'eve', operation: 'login' })).items[0]?.outcome, 'failure');
  assert.equal((await store.listAudit({ page: 1, pageSize: 10, since: '2999-01-01T00:00:00.000Z' })).total, 0);
}

describe('accounts store', () => {
  test('SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-auth-store-'));
    const store = await AuthStore.open(join(dir, 'auth.db'));
    try {
      await exercise(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the first start creates admin once, with VOUCH_ADMIN_PASSWORD or an announced password; the key file is 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-auth-boot-'));
    try {
      const lines: string[] = [];
      const auth = await createRegistryAuth({ dataDir: dir, publicUrl: 'http://127.0.0.1:1', env: {}, announce: (l) => lines.push(l), logger: silentLogger });
      assert.equal(lines.length, 1);
      const password = /password (\S+) /.exec(lines[0]!)?.[1];
      assert.ok(password !== undefined && password.length >= 24);
      const admin = await auth.accounts.store.userByName('admin');
      assert.ok(admin?.sysadmin === true && (await verifyPassword(password, admin.passwordHash)));
      assert.ok(!admin.passwordHash.includes(password));
      await auth.close();
      assert.equal(statSync(join(dir, 'token-key.pem')).mode & 0o777, 0o600);
      // A second start announces nothing and keeps the key.
      const again = await createRegistryAuth({ dataDir: dir, publicUrl: 'http://127.0.0.1:1', env: { VOUCH_ADMIN_PASSWORD: 'ignored-now-1' }, announce: (l) => lines.push(l) });
      assert.equal(lines.length, 1);
      assert.equal(again.tokens.service, 'vouch-registry');
      await again.close();
      await assert.rejects(createRegistryAuth({ dataDir: join(dir, 'other'), publicUrl: 'http://x', env: { VOUCH_ADMIN_PASSWORD: 'short' } }), /8–128/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('accounts on PostgreSQL', () => {
  let pg: Postgres | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.destroy());

  test('the same store behaviour on a real PostgreSQL', async (t) => {
    if (pg === undefined) return t.skip('PostgreSQL is not installed (.ci/run installs it)');
    const store = await AuthStore.open(pg.createDatabase('authstore'));
    try {
      await exercise(store);
      const accounts = new Accounts(store, { logger: silentLogger, now: Date.now });
      const p = await store.createProject({ name: 'pgpub', public: true, ownerId: null });
      assert.deepEqual(await accounts.allowedActions({ kind: 'anonymous' }, 'pgpub/x', p), ['pull']);
    } finally {
      await store.close();
    }
  });

  test('a registry with accounts sharing one PostgreSQL database with the registry metadata', async (t) => {
    if (pg === undefined) return t.skip('PostgreSQL is not installed (.ci/run installs it)');
    const r = await startAuthRegistry({ dbUrl: pg.createDatabase('authreg') });
    try {
      const admin = basic('admin', ADMIN_PASSWORD);
      assert.equal((await pushLayout(r.url, 'lib/app', '1', admin)).status, 201);
      assert.equal((await call(r.url, 'GET', '/v2/lib/app/tags/list', { auth: admin })).status, 200);
      assert.equal((await call(r.url, 'GET', '/v2/lib/app/tags/list')).status, 401);
      const log = await call(r.url, 'GET', '/api/v2.0/audit-logs?q=operation=push', { auth: admin });
      assert.equal((log.body as { resource: string }[])[0]?.resource.startsWith('lib/app:1@sha256:'), true);
    } finally {
      await r.close();
    }
  });
});
