/**
 * Accounts as an operator and its users meet them: `vouch serve registry` spawned from the built
 * CLI (dist/cli/bin.js: `npm run build` first), users, projects, members and a robot made with
 * `vouch registry …`, then real `skopeo login`, `podman login`, pushes and pulls with
 * credentials, `skopeo copy --src-creds/--dest-creds` with the robot, anonymous pulls of a public
 * project, and the audit log read back with `vouch registry audit` from a podman login file.
 * The image is stereoscope's real OCI layout from the shared data.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const SHARED = process.env.VOUCH_SHARED_DATA ?? '/work/shared/data';
const SMALL = join(SHARED, 'oci', 'stereoscope', 'oci-layouts', 'valid_oci_dir');
const ADMIN_PW = 'Admin-passw0rd-integration';
const ALICE_PW = 'Alice-passw0rd-1';
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = ['skopeo', 'podman'].filter((t) => !has(t));
const skip = !existsSync(BIN) ? 'dist/cli/bin.js is missing (npm run build)' : missing.length > 0 ? `needs ${missing.join(', ')}` : !existsSync(SMALL) ? `missing ${SMALL}` : false;

describe('registry accounts with real clients against `vouch serve`', { skip }, () => {
  let work: string;
  let child: ChildProcess;
  let url: string;
  let host: string;
  let stderr = '';
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, NO_COLOR: '1', TMPDIR: work, VOUCH_REGISTRY_URL: url, REGISTRY_AUTH_FILE: join(work, 'nobody.json') });

  async function tool(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const r = await run(cmd, args, { env: { ...env(), ...extraEnv }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }
  const vouch = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => tool(process.execPath, [BIN, ...args], extraEnv);
  const ok = (r: { code: number; stdout: string; stderr: string }, what: string): string => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r.stdout;
  };
  const store = (): string[] => ['--root', join(work, 'storage', 'root'), '--runroot', join(work, 'storage', 'run'), '--storage-driver', 'vfs'];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'vouch-reg-auth-'));
    // Nobody's logins: the machine's own auth files never leak into these clients.
    writeFileSync(join(work, 'nobody.json'), '{"auths":{}}');
    writeFileSync(join(work, 'empty.json'), '{"auths":{}}');
    child = spawn(process.execPath, [BIN, 'serve', 'registry', '--listen', '127.0.0.1:0', '--json', '--data', join(work, 'data')], {
      env: { ...process.env, NO_COLOR: '1', VOUCH_ADMIN_PASSWORD: ADMIN_PW },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    url = (JSON.parse(first) as { url: string }).url;
    host = url.replace(/^http:\/\//, '');
  });

  after(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(work, { recursive: true, force: true });
  });

  test('admin sets up a user, a project, a membership and a robot with the CLI', async () => {
    const admin = { VOUCH_PASSWORD: ADMIN_PW };
    ok(await vouch(['registry', 'user', 'create', 'alice', '--email', 'alice@example.com', '-u', 'admin'], { ...admin, VOUCH_NEW_PASSWORD: ALICE_PW }), 'user create');
    const users = JSON.parse(ok(await vouch(['registry', 'user', 'list', '-u', 'admin', '--json'], admin), 'user list')) as { username: string }[];
    assert.deepEqual(users.map((u) => u.username), ['admin', 'alice']);
    ok(await vouch(['registry', 'project', 'create', 'team', '-u', 'admin'], admin), 'project create');
    ok(await vouch(['registry', 'member', 'add', 'team', 'alice', '--role', 'developer', '-u', 'admin'], admin), 'member add');
    const members = JSON.parse(ok(await vouch(['registry', 'member', 'list', 'team', '-u', 'admin', '--json'], admin), 'member list')) as { entity_name: string; role_name: string }[];
    assert.deepEqual(members.map((m) => [m.entity_name, m.role_name]).sort(), [['admin', 'projectAdmin'], ['alice', 'developer']]);
    // Wrong password: exit 3 with the auth code; a non-admin cannot list users.
    const wrong = await vouch(['registry', 'user', 'list', '-u', 'admin'], { VOUCH_PASSWORD: 'nope' });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /\[REGISTRY_AUTH\]/);
    const denied = await vouch(['registry', 'user', 'list', '-u', 'alice'], { VOUCH_PASSWORD: ALICE_PW });
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /permission denied/);
    const usage = await vouch(['registry', 'member', 'add', 'team', 'alice', '--role', 'boss', '-u', 'admin'], admin);
    assert.equal(usage.code, 2);
  });

  test('skopeo login, then push with the stored login; wrong passwords fail', async () => {
    const authfile = join(work, 'alice-auth.json');
    const bad = await tool('skopeo', ['login', '--tls-verify=false', '--authfile', authfile, '-u', 'alice', '-p', 'wrong-password', host]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid username\/password|unauthorized/i);
    ok(await tool('skopeo', ['login', '--tls-verify=false', '--authfile', authfile, '-u', 'alice', '-p', ALICE_PW, host]), 'skopeo login');
    ok(await tool('skopeo', ['copy', '--dest-tls-verify=false', '--authfile', authfile, `oci:${SMALL}:latest`, `docker://${host}/team/app:1`]), 'skopeo push');
    // Without credentials the private project is invisible, exactly like a missing one.
    const anon = await tool('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${host}/team/app:1`]);
    const none = await tool('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${host}/team/nothing:1`]);
    assert.notEqual(anon.code, 0);
    assert.notEqual(none.code, 0);
    assert.equal(anon.stderr.replace(/team\/app/g, 'X').replace(/time="[^"]*"/, ''), none.stderr.replace(/team\/nothing/g, 'X').replace(/time="[^"]*"/, ''));
    // alice is not in other projects: pushing there is refused.
    const elsewhere = await tool('skopeo', ['copy', '--dest-tls-verify=false', '--authfile', authfile, `oci:${SMALL}:latest`, `docker://${host}/library/app:1`]);
    assert.notEqual(elsewhere.code, 0);
  });

  test('a pull-only robot: skopeo copy --src-creds works, --dest-creds is refused', async () => {
    const robot = JSON.parse(ok(await vouch(['registry', 'robot', 'create', 'ci', '--project', 'team', '--actions', 'pull', '--days', '30', '-u', 'admin', '--json'], { VOUCH_PASSWORD: ADMIN_PW }), 'robot create')) as { name: string; secret: string };
    assert.equal(robot.name, 'robot$team+ci');
    const creds = `${robot.name}:${robot.secret}`;
    const out = join(work, 'pulled');
    ok(await tool('skopeo', ['copy', '--src-tls-verify=false', '--src-creds', creds, `docker://${host}/team/app:1`, `oci:${out}:1`]), 'robot pull');
    assert.ok(existsSync(join(out, 'index.json')));
    const push = await tool('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${SMALL}:latest`, `docker://${host}/team/app:2`]);
    assert.notEqual(push.code, 0, 'a pull-only robot cannot push');
    const listed = JSON.parse(ok(await vouch(['registry', 'robot', 'list', '--project', 'team', '-u', 'admin', '--json'], { VOUCH_PASSWORD: ADMIN_PW }), 'robot list')) as { name: string; secret?: string }[];
    assert.deepEqual(listed.map((r) => [r.name, r.secret]), [['robot$team+ci', undefined]]);
  });

  test('podman login, push and pull with credentials', async () => {
    const authfile = join(work, 'podman-auth.json');
    ok(await tool('podman', [...store(), 'login', '--tls-verify=false', '--authfile', authfile, '-u', 'alice', '-p', ALICE_PW, host]), 'podman login');
    ok(await tool('podman', [...store(), 'pull', `oci:${SMALL}:latest`]), 'podman load');
    ok(await tool('podman', [...store(), 'push', '--tls-verify=false', '--authfile', authfile, `localhost${SMALL}:latest`, `docker://${host}/team/podman:1`]), 'podman push');
    ok(await tool('podman', [...store(), 'rmi', '--all', '--force']), 'podman rmi');
    ok(await tool('podman', [...store(), 'pull', '--tls-verify=false', '--authfile', authfile, `${host}/team/podman:1`]), 'podman pull');
    const images = JSON.parse(ok(await tool('podman', [...store(), 'images', '--format', 'json']), 'podman images')) as { Names?: string[] }[];
    assert.ok(images.some((i) => (i.Names ?? []).includes(`${host}/team/podman:1`)));
    const anon = await tool('podman', [...store(), 'pull', '--tls-verify=false', '--authfile', join(work, 'empty.json'), `${host}/team/podman:1`]);
    assert.notEqual(anon.code, 0);
  });

  test('a public project is pullable anonymously', async () => {
    ok(await vouch(['registry', 'project', 'set', 'team', '--public', '-u', 'admin'], { VOUCH_PASSWORD: ADMIN_PW }), 'project set');
    const raw = ok(await tool('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${host}/team/app:1`]), 'anonymous inspect');
    assert.equal((JSON.parse(raw) as { schemaVersion: number }).schemaVersion, 2);
    const push = await tool('skopeo', ['copy', '--dest-tls-verify=false', `oci:${SMALL}:latest`, `docker://${host}/team/anon:1`]);
    assert.notEqual(push.code, 0, 'anonymous push is still refused');
  });

  test('vouch registry audit, logged in through a podman login file', async () => {
    const authfile = join(work, 'admin-auth.json');
    ok(await tool('podman', ['login', '--tls-verify=false', '--authfile', authfile, '-u', 'admin', '-p', ADMIN_PW, host]), 'podman login admin');
    const asAdmin = { REGISTRY_AUTH_FILE: authfile };
    const entries = JSON.parse(ok(await vouch(['registry', 'audit', '--repository', 'team/app', '--since', '1h', '--json'], asAdmin), 'audit')) as { username: string; operation: string; address: string }[];
    const seen = new Set(entries.map((e) => `${e.operation} ${e.username}`));
    assert.ok(seen.has('push alice'), JSON.stringify(entries));
    assert.ok(seen.has('pull robot$team+ci'), JSON.stringify(entries));
    assert.ok(seen.has('pull anonymous'), JSON.stringify(entries));
    assert.ok(entries.every((e) => e.address === '127.0.0.1'));
    const failures = JSON.parse(ok(await vouch(['registry', 'audit', '--user', 'alice', '--operation', 'login', '--json'], asAdmin), 'audit logins')) as { outcome: string }[];
    assert.ok(failures.some((e) => e.outcome === 'failure') && failures.some((e) => e.outcome === 'success'));
    const changes = JSON.parse(ok(await vouch(['registry', 'audit', '--operation', 'update', '--json'], asAdmin), 'audit changes')) as { resource: string }[];
    assert.ok(changes.some((e) => e.resource === 'team public=true'));
    const table = ok(await vouch(['registry', 'audit', '--limit', '3'], asAdmin), 'audit table');
    assert.match(table, /^TIME\s+USER\s+ADDRESS\s+OPERATION/);
    assert.equal(table.trim().split('\n').length, 4, 'header and 3 rows');
    const help = await vouch(['registry', 'audit', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:/);
  });
});
