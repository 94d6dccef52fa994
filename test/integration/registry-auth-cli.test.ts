/**
 * Every `vouch registry user|project|member|robot|audit` action against a real registry with
 * accounts (in-process server on 127.0.0.1:0, the CLI table called as `registry.ts` calls it):
 * output, --json, errors and exit statuses.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { isVouchError } from '../../src/core/index.ts';
import { ADMIN_SUBCOMMANDS, parseWhen } from '../../src/cli/commands/registry-admin.ts';
import type { CommandIo } from '../../src/cli/command.ts';
import { ADMIN_PASSWORD, basic, call, startAuthRegistry, type AuthRegistry } from '../unit/servers/registry/auth/helpers.ts';

interface Ran {
  code: number | string;
  stdout: string;
}

async function vouch(r: AuthRegistry, argv: string[], env: Record<string, string> = {}): Promise<Ran> {
  const [sub, ...rest] = argv;
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const io: CommandIo = { stdout, stderr: new PassThrough() as unknown as NodeJS.WriteStream, env: { VOUCH_REGISTRY_URL: r.url, REGISTRY_AUTH_FILE: '/nonexistent/auth.json', ...env } };
  try {
    const code = await ADMIN_SUBCOMMANDS[sub!]!.run(rest, io);
    return { code, stdout: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (isVouchError(err)) return { code: err.code, stdout: err.message };
    throw err;
  }
}

const ADMIN = { VOUCH_PASSWORD: ADMIN_PASSWORD };

describe('vouch registry admin subcommands', () => {
  let r: AuthRegistry;
  before(async () => {
    r = await startAuthRegistry();
  });
  after(() => r.close());

  test('every subcommand has help with usage, flags and examples', () => {
    for (const [name, sub] of Object.entries(ADMIN_SUBCOMMANDS)) {
      assert.match(sub.help, /^Usage: vouch registry /, name);
      assert.match(sub.help, /--server URL/, name);
      assert.match(sub.help, /--json/, name);
      assert.match(sub.help, /\nExamples:\n/, name);
    }
  });

  test('users: create, list, admin flag, passwd, delete', async () => {
    assert.equal((await vouch(r, ['user', 'create', 'bob', '-u', 'admin'], { ...ADMIN, VOUCH_NEW_PASSWORD: 'Bob-passw0rd' })).code, 0);
    const list = await vouch(r, ['user', 'list', '-u', 'admin']);
    assert.equal(list.code, 'USAGE', 'no password and no terminal');
    const table = await vouch(r, ['user', 'list', '-u', 'admin'], ADMIN);
    assert.match(table.stdout, /^ID\s+USERNAME\s+EMAIL\s+ADMIN\s+CREATED\n1\s+admin\s+true/);
    assert.equal((await vouch(r, ['user', 'admin', 'bob', 'true', '-u', 'admin'], ADMIN)).code, 0);
    const json = JSON.parse((await vouch(r, ['user', 'list', '--filter', 'bo', '-u', 'admin', '--json'], ADMIN)).stdout) as { username: string; sysadmin_flag: boolean }[];
    assert.deepEqual(json.map((u) => [u.username, u.sysadmin_flag]), [['bob', true]]);
    // bob changes his own password (old one in VOUCH_PASSWORD), then the old one stops working.
    assert.equal((await vouch(r, ['user', 'passwd', 'bob', '-u', 'bob'], { VOUCH_PASSWORD: 'Bob-passw0rd', VOUCH_NEW_PASSWORD: 'Bob-passw0rd-2' })).code, 0);
    assert.equal((await vouch(r, ['user', 'list', '-u', 'bob'], { VOUCH_PASSWORD: 'Bob-passw0rd' })).code, 'REGISTRY_AUTH');
    assert.equal((await vouch(r, ['user', 'list', '-u', 'bob'], { VOUCH_PASSWORD: 'Bob-passw0rd-2' })).code, 0);
    assert.equal((await vouch(r, ['user', 'create', 'bob', '-u', 'admin'], { ...ADMIN, VOUCH_NEW_PASSWORD: 'Bob-passw0rd' })).code, 'REGISTRY_API_ERROR');
    assert.equal((await vouch(r, ['user', 'create', 'weak', '-u', 'admin'], { ...ADMIN, VOUCH_NEW_PASSWORD: 'short' })).code, 'REGISTRY_API_ERROR');
    // The admin's own password: checked against the login; the admin resets others' without it.
    assert.equal((await vouch(r, ['user', 'passwd', 'admin', '-u', 'admin'], { ...ADMIN, VOUCH_NEW_PASSWORD: 'Admin-passw0rd-2' })).code, 0);
    assert.equal((await vouch(r, ['user', 'passwd', 'admin', '-u', 'admin'], { VOUCH_PASSWORD: 'Admin-passw0rd-2', VOUCH_NEW_PASSWORD: ADMIN_PASSWORD })).code, 0);
    assert.equal((await vouch(r, ['user', 'passwd', 'bob', '-u', 'admin'], { ...ADMIN, VOUCH_NEW_PASSWORD: 'Reset-by-admin-1' })).code, 0);
    assert.equal((await call(r.url, 'GET', '/v2/', { auth: basic('bob', 'Reset-by-admin-1') })).status, 200);
    assert.equal((await vouch(r, ['user', 'delete', 'bob', '-u', 'admin'], ADMIN)).code, 0);
    assert.equal((await vouch(r, ['user', 'delete', 'bob', '-u', 'admin'], ADMIN)).code, 'REGISTRY_API_ERROR');
    assert.equal((await vouch(r, ['user', 'frobnicate', '-u', 'admin'], ADMIN)).code, 'USAGE');
  });

  test('projects and members', async () => {
    await vouch(r, ['user', 'create', 'carol', '-u', 'admin'], { ...ADMIN, VOUCH_NEW_PASSWORD: 'Carol-passw0rd' });
    assert.equal((await vouch(r, ['project', 'create', 'apps', '--public', '-u', 'admin'], ADMIN)).code, 0);
    const shown = JSON.parse((await vouch(r, ['project', 'show', 'apps', '--json'])).stdout) as { metadata: { public: string } };
    assert.equal(shown.metadata.public, 'true', 'anonymous may read a public project');
    assert.equal((await vouch(r, ['project', 'set', 'apps', '--private', '-u', 'admin'], ADMIN)).code, 0);
    assert.equal((await vouch(r, ['project', 'show', 'apps'])).code, 'REGISTRY_API_ERROR', 'private: not found for anonymous');
    assert.equal((await vouch(r, ['project', 'set', 'apps', '-u', 'admin'], ADMIN)).code, 'USAGE');
    assert.equal((await vouch(r, ['member', 'add', 'apps', 'carol', '--role', 'guest', '-u', 'admin'], ADMIN)).code, 0);
    assert.equal((await vouch(r, ['member', 'set', 'apps', 'carol', '--role', 'maintainer', '-u', 'admin'], ADMIN)).code, 0);
    const members = await vouch(r, ['member', 'list', 'apps', '-u', 'carol'], { VOUCH_PASSWORD: 'Carol-passw0rd' });
    assert.match(members.stdout, /carol\s+maintainer/);
    const projects = await vouch(r, ['project', 'list', '-u', 'carol'], { VOUCH_PASSWORD: 'Carol-passw0rd' });
    assert.match(projects.stdout, /apps\s+private\s+admin/);
    assert.equal((await vouch(r, ['member', 'add', 'apps', 'carol', '--role', 'guest', '-u', 'carol'], { VOUCH_PASSWORD: 'Carol-passw0rd' })).code, 'REGISTRY_AUTH', 'a maintainer does not manage members');
    assert.equal((await vouch(r, ['member', 'remove', 'apps', 'carol', '-u', 'admin'], ADMIN)).code, 0);
    assert.equal((await vouch(r, ['member', 'remove', 'apps', 'carol', '-u', 'admin'], ADMIN)).code, 'REGISTRY_API_ERROR');
    assert.equal((await vouch(r, ['project', 'delete', 'apps', '-u', 'admin'], ADMIN)).code, 0);
  });

  test('robots: create (project and system), show, refresh, disable, enable, delete', async () => {
    await vouch(r, ['project', 'create', 'ci', '-u', 'admin'], ADMIN);
    const created = JSON.parse((await vouch(r, ['robot', 'create', 'builder', '--project', 'ci', '--actions', 'pull,push', '--days', '7', '-u', 'admin', '--json'], ADMIN)).stdout) as { name: string; secret: string; expires_at: number };
    assert.equal(created.name, 'robot$ci+builder');
    assert.ok(created.expires_at > Date.now() / 1000 + 6 * 86400);
    const login = (secret: string) => call(r.url, 'GET', '/v2/ci/x/tags/list', { auth: basic(created.name, secret) });
    assert.notEqual((await login(created.secret)).status, 401);
    const shown = await vouch(r, ['robot', 'show', created.name, '-u', 'admin'], ADMIN);
    assert.match(shown.stdout, /robot\$ci\+builder\s+project\s+ci:pull,push\s+\d{4}-.*active/);
    assert.ok(!shown.stdout.includes(created.secret));
    const refreshed = JSON.parse((await vouch(r, ['robot', 'refresh', created.name, '-u', 'admin', '--json'], ADMIN)).stdout) as { secret: string };
    assert.equal((await login(created.secret)).status, 401);
    assert.notEqual((await login(refreshed.secret)).status, 401);
    assert.equal((await vouch(r, ['robot', 'disable', created.name, '-u', 'admin'], ADMIN)).code, 0);
    assert.equal((await login(refreshed.secret)).status, 401);
    assert.match((await vouch(r, ['robot', 'list', '--project', 'ci', '-u', 'admin'], ADMIN)).stdout, /disabled/);
    assert.equal((await vouch(r, ['robot', 'enable', created.name, '-u', 'admin'], ADMIN)).code, 0);
    assert.notEqual((await login(refreshed.secret)).status, 401);
    const system = JSON.parse((await vouch(r, ['robot', 'create', 'mirror', '--system', '--grant', 'ci:pull', '--grant', '*:pull', '-u', 'admin', '--json'], ADMIN)).stdout) as { name: string };
    assert.equal(system.name, 'robot$mirror');
    assert.equal((await vouch(r, ['robot', 'create', 'x', '--project', 'ci', '--actions', 'fly', '-u', 'admin'], ADMIN)).code, 'USAGE');
    assert.equal((await vouch(r, ['robot', 'create', 'x', '--system', '-u', 'admin'], ADMIN)).code, 'USAGE');
    assert.equal((await vouch(r, ['robot', 'delete', 'mirror', '-u', 'admin'], ADMIN)).code, 0);
    assert.equal((await vouch(r, ['robot', 'delete', created.name, '-u', 'admin'], ADMIN)).code, 0);
    assert.equal((await vouch(r, ['robot', 'show', created.name, '-u', 'admin'], ADMIN)).code, 'REGISTRY_API_ERROR');
  });

  test('audit: filters, limits and bad input', async () => {
    const all = JSON.parse((await vouch(r, ['audit', '--json', '--limit', '500', '-u', 'admin'], ADMIN)).stdout) as { operation: string; resource_type: string }[];
    for (const kind of ['user', 'project', 'member', 'robot']) assert.ok(all.some((e) => e.resource_type === kind && e.operation === 'create'), kind);
    const robots = JSON.parse((await vouch(r, ['audit', '--json', '--operation', 'delete', '--since', '1h', '-u', 'admin'], ADMIN)).stdout) as { resource: string }[];
    assert.ok(robots.some((e) => e.resource === 'robot$mirror'));
    const future = JSON.parse((await vouch(r, ['audit', '--json', '--since', '2999-01-01T00:00:00Z', '-u', 'admin'], ADMIN)).stdout) as unknown[];
    assert.deepEqual(future, []);
    assert.equal((await vouch(r, ['audit', '--since', 'yesterday-ish', '-u', 'admin'], ADMIN)).code, 'USAGE');
    assert.equal((await vouch(r, ['audit', '--user', 'a,b', '-u', 'admin'], ADMIN)).code, 'USAGE');
    assert.equal((await vouch(r, ['audit', '--limit', '0', '-u', 'admin'], ADMIN)).code, 'USAGE');
    assert.equal((await vouch(r, ['audit'])).code, 'REGISTRY_AUTH', 'anonymous');
    assert.equal(parseWhen('2h', Date.parse('2026-01-01T02:00:00Z')), '2026-01-01T00:00:00.000Z');
    assert.equal(parseWhen('7d', Date.parse('2026-01-08T00:00:00Z')), '2026-01-01T00:00:00.000Z');
  });

  test('no server, or an unreachable one', async () => {
    const io: CommandIo = { stdout: new PassThrough(), stderr: new PassThrough() as unknown as NodeJS.WriteStream, env: {} };
    await assert.rejects(ADMIN_SUBCOMMANDS.user!.run(['list'], io), (e) => isVouchError(e) && e.code === 'USAGE');
    await assert.rejects(ADMIN_SUBCOMMANDS.user!.run(['list', '--server', 'http://127.0.0.1:1', '-u', 'a'], { ...io, env: { VOUCH_PASSWORD: 'x' } }), (e) => isVouchError(e) && e.code === 'REGISTRY_ERROR');
  });
});
