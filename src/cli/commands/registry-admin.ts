/**
 * `vouch registry user|project|member|robot|audit ...`: the management subcommands, talking to a
 * running server's REST API (`/api/v2.0/`, Harbor's shapes; docs/registry-accounts.md).
 * `registry.ts` dispatches to this table; add subcommands here.
 *
 * Credentials: `--username` with `VOUCH_PASSWORD`, `--password-stdin` or a prompt; without
 * `--username`, the login that `podman login`/`skopeo login`/`docker login` stored for the
 * server's host (REGISTRY_AUTH_FILE, containers auth.json, ~/.docker/config.json).
 */
import { createInterface } from 'node:readline';
import type { ExitCode } from '../../core/index.ts';
import { VouchError } from '../../core/index.ts';
import { findCredentials, type RegistryCredentials } from '../../clients/index.ts';
import { renderTable } from '../../formats/table/index.ts';
import { parseCommandArgs, type OptionSpec } from '../args.ts';
import type { CommandIo } from '../command.ts';
import { writeResult } from '../output.ts';

export interface Subcommand {
  readonly summary: string;
  /** Help lines (usage, flags, examples) of this subcommand. */
  readonly help: string;
  run(argv: readonly string[], io: CommandIo): Promise<ExitCode>;
}

const CONNECTION_FLAGS = {
  server: { type: 'string' },
  username: { type: 'string', short: 'u' },
  'password-stdin': { type: 'boolean' },
  json: { type: 'boolean' },
} as const satisfies OptionSpec;

const CONNECTION_HELP = `Connection flags:
      --server URL        the Vouch server (default $VOUCH_REGISTRY_URL)
  -u, --username NAME     log in as NAME; the password comes from $VOUCH_PASSWORD, --password-stdin
                          or a prompt. Without --username: the login \`podman login\`/\`skopeo login\`
                          stored for the server's host (REGISTRY_AUTH_FILE, containers auth.json,
                          ~/.docker/config.json)
      --password-stdin    read the password from standard input
      --json              machine-readable output on stdout
  -h, --help              this help
`;

/** Largest API response read (a page is at most 100 entries). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

interface Conn {
  readonly server: string;
  readonly auth: string | undefined;
  /** The login's password (the old password when changing your own). */
  readonly password: string | undefined;
  readonly json: boolean;
  readonly io: CommandIo;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > 4096) throw new VouchError('USAGE', 'the password on stdin is too long');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function prompt(question: string, io: CommandIo): Promise<string> {
  if (process.stdin.isTTY !== true) throw new VouchError('USAGE', 'no password: set VOUCH_PASSWORD, use --password-stdin, or run in a terminal');
  const rl = createInterface({ input: process.stdin, output: io.stderr, terminal: true });
  // Mute the echo of the typed password.
  const mutable = rl as unknown as { _writeToOutput?: (s: string) => void };
  io.stderr.write(question);
  mutable._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    io.stderr.write('\n');
  }
}

async function connect(values: { server?: string | undefined; username?: string | undefined; 'password-stdin'?: boolean | undefined; json?: boolean | undefined }, io: CommandIo): Promise<Conn> {
  const raw = values.server ?? io.env.VOUCH_REGISTRY_URL;
  if (raw === undefined || raw === '') throw new VouchError('USAGE', 'no server: give --server URL or set VOUCH_REGISTRY_URL');
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new VouchError('USAGE', `bad --server URL "${raw}"`);
  }
  let creds: RegistryCredentials | undefined;
  if (values.username !== undefined) {
    const password = values['password-stdin'] === true ? await readStdin() : (io.env.VOUCH_PASSWORD ?? (await prompt(`Password for ${values.username}: `, io)));
    creds = { username: values.username, password };
  } else {
    const found = findCredentials(url.host, '', { env: io.env });
    creds = found.credentials;
  }
  return {
    server: url.origin + url.pathname.replace(/\/+$/, ''),
    auth: creds === undefined ? undefined : `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`,
    password: creds?.password,
    json: values.json === true,
    io,
  };
}

interface ApiResult {
  readonly body: unknown;
  readonly total: number | undefined;
}

async function api(conn: Conn, method: string, path: string, body?: unknown): Promise<ApiResult> {
  let res: Response;
  try {
    res = await fetch(conn.server + path, {
      method,
      headers: { accept: 'application/json', ...(conn.auth === undefined ? {} : { authorization: conn.auth }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new VouchError('REGISTRY_ERROR', `cannot reach ${conn.server}: ${(err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new VouchError('REGISTRY_ERROR', `${method} ${path}: response too large`);
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const errors = (parsed as { errors?: { code?: string; message?: string }[] } | undefined)?.errors;
    const message = errors?.[0]?.message ?? `HTTP ${res.status}`;
    if (res.status === 401) throw new VouchError('REGISTRY_AUTH', `${conn.server}: ${message}`, { hint: conn.auth === undefined ? 'log in: --username NAME with VOUCH_PASSWORD, or `podman login`' : 'check the username and password' });
    if (res.status === 403) throw new VouchError('REGISTRY_AUTH', `${conn.server}: permission denied (${message})`);
    throw new VouchError('REGISTRY_API_ERROR', `${method} ${path}: ${message} (HTTP ${res.status})`);
  }
  const total = res.headers.get('x-total-count');
  return { body: parsed, total: total === null ? undefined : Number(total) };
}

async function out(conn: Conn, data: unknown, table: () => string): Promise<0> {
  await writeResult(undefined, conn.json ? `${JSON.stringify(data, null, 2)}\n` : table(), conn.io.stdout);
  return 0;
}

function need(positionals: readonly string[], n: number, usage: string): string[] {
  if (positionals.length !== n) throw new VouchError('USAGE', `usage: ${usage}`);
  return [...positionals];
}

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** All pages of a list endpoint (100 per page, at most `limit` items). */
async function listAll(conn: Conn, path: string, limit = 100_000): Promise<Row[]> {
  const items: Row[] = [];
  for (let page = 1; items.length < limit; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api(conn, 'GET', `${path}${sep}page=${page}&page_size=100`);
    const batch = Array.isArray(r.body) ? (r.body as Row[]) : [];
    items.push(...batch);
    if (batch.length < 100 || (r.total !== undefined && items.length >= r.total)) break;
  }
  return items.slice(0, limit);
}

async function userId(conn: Conn, name: string): Promise<number> {
  const users = await listAll(conn, `/api/v2.0/users?username=${encodeURIComponent(name)}`);
  const u = users.find((x) => x.username === name);
  if (u === undefined) throw new VouchError('REGISTRY_API_ERROR', `no user "${name}"`);
  return Number(u.user_id);
}

async function newPassword(values: { 'password-stdin'?: boolean | undefined }, io: CommandIo, who: string): Promise<string> {
  if (io.env.VOUCH_NEW_PASSWORD !== undefined) return io.env.VOUCH_NEW_PASSWORD;
  if (values['password-stdin'] === true) return readStdin();
  return prompt(`New password for ${who}: `, io);
}

// ------------------------------------------------------------------ user

const USER_HELP = `Usage: vouch registry user <list|create|delete|passwd|admin> [ARGS] [flags]

Manage registry users (system admins only, except \`passwd\` of yourself).

  list [--filter TEXT]            users (name contains TEXT)
  create NAME [--email E] [--realname R] [--admin]
                                  new user; the password comes from $VOUCH_NEW_PASSWORD or a prompt
                                  (8–128 characters, a letter and a digit)
  delete NAME                     remove a user (their memberships go too)
  passwd NAME                     set a new password ($VOUCH_NEW_PASSWORD or a prompt); changing
                                  your own checks the password you logged in with
  admin NAME true|false           grant or revoke system admin

${CONNECTION_HELP}
Examples:
  export VOUCH_REGISTRY_URL=http://127.0.0.1:8080 VOUCH_PASSWORD=...
  vouch registry user list -u admin
  VOUCH_NEW_PASSWORD='Secret123!' vouch registry user create alice --email alice@example.com -u admin
  vouch registry user admin alice true -u admin --json
`;

const userCommand: Subcommand = {
  summary: 'manage users (list, create, delete, passwd, admin)',
  help: USER_HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...CONNECTION_FLAGS, filter: { type: 'string' }, email: { type: 'string' }, realname: { type: 'string' }, admin: { type: 'boolean' } });
    const [action, ...args] = positionals;
    const conn = await connect(values, io);
    switch (action) {
      case 'list': {
        need(args, 0, 'vouch registry user list');
        const users = await listAll(conn, `/api/v2.0/users${values.filter === undefined ? '' : `?username=${encodeURIComponent(values.filter)}`}`);
        return out(conn, users, () => renderTable(['ID', 'USERNAME', 'EMAIL', 'ADMIN', 'CREATED'], users.map((u) => [str(u.user_id), str(u.username), str(u.email), str(u.sysadmin_flag), str(u.creation_time)])));
      }
      case 'create': {
        const [name] = need(args, 1, 'vouch registry user create NAME');
        const password = await newPassword(values, io, name!);
        const r = await api(conn, 'POST', '/api/v2.0/users', { username: name, password, email: values.email ?? '', realname: values.realname ?? '' });
        const user = r.body as Row;
        if (values.admin === true) await api(conn, 'PUT', `/api/v2.0/users/${str(user.user_id)}/sysadmin`, { sysadmin_flag: true });
        return out(conn, { ...user, sysadmin_flag: values.admin === true }, () => `created user ${name!} (id ${str(user.user_id)})${values.admin === true ? ', system admin' : ''}\n`);
      }
      case 'delete': {
        const [name] = need(args, 1, 'vouch registry user delete NAME');
        await api(conn, 'DELETE', `/api/v2.0/users/${await userId(conn, name!)}`);
        return out(conn, { deleted: name }, () => `deleted user ${name!}\n`);
      }
      case 'passwd': {
        const [name] = need(args, 1, 'vouch registry user passwd NAME');
        const me = (await api(conn, 'GET', '/api/v2.0/users/current')).body as Row;
        const id = me.username === name ? Number(me.user_id) : await userId(conn, name!);
        const password = await newPassword({}, io, name!);
        await api(conn, 'PUT', `/api/v2.0/users/${id}/password`, { new_password: password, ...(me.username === name ? { old_password: conn.password ?? '' } : {}) });
        return out(conn, { updated: name }, () => `password of ${name!} changed\n`);
      }
      case 'admin': {
        const [name, flag] = need(args, 2, 'vouch registry user admin NAME true|false');
        if (flag !== 'true' && flag !== 'false') throw new VouchError('USAGE', 'usage: vouch registry user admin NAME true|false');
        await api(conn, 'PUT', `/api/v2.0/users/${await userId(conn, name!)}/sysadmin`, { sysadmin_flag: flag === 'true' });
        return out(conn, { username: name, sysadmin_flag: flag === 'true' }, () => `${name!}: system admin ${flag}\n`);
      }
      default:
        throw new VouchError('USAGE', `unknown user action "${action ?? ''}"`, { hint: 'actions: list, create, delete, passwd, admin' });
    }
  },
};

// ------------------------------------------------------------------ project

const PROJECT_HELP = `Usage: vouch registry project <list|create|show|set|delete> [ARGS] [flags]

Manage projects: the first path segment of a repository (\`library\` in library/debian). Public
projects can be pulled by anyone, anonymous included; private ones by their members only.

  list [--filter TEXT]            projects you can see
  create NAME [--public]          new project (private unless --public); you become its projectAdmin
  show NAME                       one project
  set NAME --public|--private     change visibility (projectAdmin or system admin)
  delete NAME                     remove a project, its members and robots (system admins; images
                                  stay stored, reachable by system admins only)

${CONNECTION_HELP}
Examples:
  vouch registry project create library --public --server http://127.0.0.1:8080 -u admin
  vouch registry project set team-a --private -u alice
  vouch registry project list --json
`;

const projectCommand: Subcommand = {
  summary: 'manage projects (list, create, show, set, delete)',
  help: PROJECT_HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...CONNECTION_FLAGS, filter: { type: 'string' }, public: { type: 'boolean' }, private: { type: 'boolean' } });
    const [action, ...args] = positionals;
    const conn = await connect(values, io);
    const row = (p: Row): string[] => [str(p.project_id), str(p.name), (p.metadata as Row | undefined)?.public === 'true' ? 'public' : 'private', str(p.owner_name), str(p.creation_time)];
    switch (action) {
      case 'list': {
        need(args, 0, 'vouch registry project list');
        const projects = await listAll(conn, `/api/v2.0/projects${values.filter === undefined ? '' : `?name=${encodeURIComponent(values.filter)}`}`);
        return out(conn, projects, () => renderTable(['ID', 'NAME', 'ACCESS', 'OWNER', 'CREATED'], projects.map(row)));
      }
      case 'create': {
        const [name] = need(args, 1, 'vouch registry project create NAME [--public]');
        const r = await api(conn, 'POST', '/api/v2.0/projects', { project_name: name, metadata: { public: String(values.public === true) } });
        return out(conn, r.body, () => `created ${values.public === true ? 'public' : 'private'} project ${name!}\n`);
      }
      case 'show': {
        const [name] = need(args, 1, 'vouch registry project show NAME');
        const r = await api(conn, 'GET', `/api/v2.0/projects/${encodeURIComponent(name!)}`);
        return out(conn, r.body, () => renderTable(['ID', 'NAME', 'ACCESS', 'OWNER', 'CREATED'], [row(r.body as Row)]));
      }
      case 'set': {
        const [name] = need(args, 1, 'vouch registry project set NAME --public|--private');
        if ((values.public === true) === (values.private === true)) throw new VouchError('USAGE', 'give exactly one of --public, --private');
        await api(conn, 'PUT', `/api/v2.0/projects/${encodeURIComponent(name!)}`, { metadata: { public: String(values.public === true) } });
        return out(conn, { name, public: values.public === true }, () => `${name!} is now ${values.public === true ? 'public' : 'private'}\n`);
      }
      case 'delete': {
        const [name] = need(args, 1, 'vouch registry project delete NAME');
        await api(conn, 'DELETE', `/api/v2.0/projects/${encodeURIComponent(name!)}`);
        return out(conn, { deleted: name }, () => `deleted project ${name!}\n`);
      }
      default:
        throw new VouchError('USAGE', `unknown project action "${action ?? ''}"`, { hint: 'actions: list, create, show, set, delete' });
    }
  },
};

// ------------------------------------------------------------------ member

const ROLE_IDS: Record<string, number> = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4 };
const ROLE_HELP = 'guest (pull), developer (pull, push), maintainer (pull, push, delete), projectAdmin (+ members, robots)';

function roleArg(role: string | undefined): number {
  const id = role === undefined ? undefined : (ROLE_IDS[role] ?? ROLE_IDS[Object.keys(ROLE_IDS).find((k) => k.toLowerCase() === role.toLowerCase()) ?? '']);
  if (id === undefined) throw new VouchError('USAGE', `--role must be one of ${Object.keys(ROLE_IDS).join(', ')}`);
  return id;
}

const MEMBER_HELP = `Usage: vouch registry member <list|add|set|remove> PROJECT [USER] [--role ROLE] [flags]

Manage who may do what in a project (projectAdmin or system admin). Roles: ${ROLE_HELP}.

  list PROJECT                    members and their roles
  add PROJECT USER --role ROLE    add a user
  set PROJECT USER --role ROLE    change a member's role
  remove PROJECT USER             remove a member

${CONNECTION_HELP}
Examples:
  vouch registry member add team-a alice --role developer -u admin
  vouch registry member set team-a alice --role maintainer -u admin
  vouch registry member list team-a --json
`;

async function memberId(conn: Conn, project: string, user: string): Promise<number> {
  const members = (await api(conn, 'GET', `/api/v2.0/projects/${encodeURIComponent(project)}/members`)).body as Row[];
  const m = members.find((x) => x.entity_name === user);
  if (m === undefined) throw new VouchError('REGISTRY_API_ERROR', `${user} is not a member of ${project}`);
  return Number(m.id);
}

const memberCommand: Subcommand = {
  summary: 'manage project members and roles (list, add, set, remove)',
  help: MEMBER_HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...CONNECTION_FLAGS, role: { type: 'string' } });
    const [action, ...args] = positionals;
    const conn = await connect(values, io);
    switch (action) {
      case 'list': {
        const [project] = need(args, 1, 'vouch registry member list PROJECT');
        const members = (await api(conn, 'GET', `/api/v2.0/projects/${encodeURIComponent(project!)}/members`)).body as Row[];
        return out(conn, members, () => renderTable(['ID', 'USER', 'ROLE'], members.map((m) => [str(m.id), str(m.entity_name), str(m.role_name)])));
      }
      case 'add': {
        const [project, user] = need(args, 2, 'vouch registry member add PROJECT USER --role ROLE');
        const role = roleArg(values.role);
        await api(conn, 'POST', `/api/v2.0/projects/${encodeURIComponent(project!)}/members`, { role_id: role, member_user: { username: user } });
        return out(conn, { project, user, role: values.role }, () => `${user!} is now ${values.role!} of ${project!}\n`);
      }
      case 'set': {
        const [project, user] = need(args, 2, 'vouch registry member set PROJECT USER --role ROLE');
        const role = roleArg(values.role);
        await api(conn, 'PUT', `/api/v2.0/projects/${encodeURIComponent(project!)}/members/${await memberId(conn, project!, user!)}`, { role_id: role });
        return out(conn, { project, user, role: values.role }, () => `${user!} is now ${values.role!} of ${project!}\n`);
      }
      case 'remove': {
        const [project, user] = need(args, 2, 'vouch registry member remove PROJECT USER');
        await api(conn, 'DELETE', `/api/v2.0/projects/${encodeURIComponent(project!)}/members/${await memberId(conn, project!, user!)}`);
        return out(conn, { project, removed: user }, () => `removed ${user!} from ${project!}\n`);
      }
      default:
        throw new VouchError('USAGE', `unknown member action "${action ?? ''}"`, { hint: 'actions: list, add, set, remove' });
    }
  },
};

// ------------------------------------------------------------------ robot

const ROBOT_HELP = `Usage: vouch registry robot <list|create|show|delete|refresh|disable|enable> [ARGS] [flags]

Robot accounts: non-human logins for CI, with scoped permissions and an expiry. A project robot
is named robot$<project>+<name> (created by the project's admins); a system robot robot$<name>
(system admins) may hold permissions in several projects, or "*" for all. The secret is shown
once at creation (and on refresh); only its hash is stored.

  list [--project P]                               robots you manage
  create NAME --project P --actions pull[,push,delete] [--days N]
  create NAME --system --grant PROJECT:ACTIONS... [--days N]
                                                   new robot; prints its secret once
  show ID|NAME, delete ID|NAME                     one robot
  refresh ID|NAME                                  a new secret (the old one stops working)
  disable ID|NAME, enable ID|NAME

Flags:
      --project P         the robot's project
      --actions LIST      pull, push, delete (comma-separated)
      --system            a system-level robot (with --grant)
      --grant P:ACTIONS   a system robot's permission in project P ("*" for every project); repeatable
      --days N            lifetime in days (default: never expires)
      --description TEXT

${CONNECTION_HELP}
Examples:
  vouch registry robot create ci --project team-a --actions pull,push --days 90 -u alice
  vouch registry robot create mirror --system --grant 'library:pull' --grant 'team-a:pull' -u admin --json
  skopeo copy --dest-creds 'robot$team-a+ci:SECRET' oci:./image docker://HOST/team-a/app:1
`;

async function robotByRef(conn: Conn, ref: string): Promise<Row> {
  if (/^\d+$/.test(ref)) return (await api(conn, 'GET', `/api/v2.0/robots/${ref}`)).body as Row;
  const robots = await listAll(conn, '/api/v2.0/robots');
  const r = robots.find((x) => x.name === ref || x.name === `robot$${ref}`);
  if (r === undefined) throw new VouchError('REGISTRY_API_ERROR', `no robot "${ref}"`);
  return r;
}

function accessOf(actions: string): { resource: string; action: string }[] {
  const list = actions.split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (list.length === 0 || list.some((a) => a !== 'pull' && a !== 'push' && a !== 'delete')) throw new VouchError('USAGE', `actions must be pull, push and/or delete, not "${actions}"`);
  return list.map((a) => (a === 'delete' ? { resource: 'artifact', action: 'delete' } : { resource: 'repository', action: a }));
}

const robotCommand: Subcommand = {
  summary: 'manage robot accounts with scoped permissions and expiry',
  help: ROBOT_HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...CONNECTION_FLAGS,
      project: { type: 'string' },
      actions: { type: 'string' },
      system: { type: 'boolean' },
      grant: { type: 'string', multiple: true },
      days: { type: 'string' },
      description: { type: 'string' },
    });
    const [action, ...args] = positionals;
    const conn = await connect(values, io);
    const rows = (robots: Row[]): string => renderTable(['ID', 'NAME', 'LEVEL', 'PERMISSIONS', 'EXPIRES', 'STATE'], robots.map((r) => [
      str(r.id),
      str(r.name),
      str(r.level),
      ((r.permissions as Row[] | undefined) ?? []).map((p) => `${str(p.namespace)}:${((p.access as Row[] | undefined) ?? []).map((a) => str(a.action)).join(',')}`).join(' '),
      Number(r.expires_at) === -1 ? 'never' : new Date(Number(r.expires_at) * 1000).toISOString(),
      r.disable === true ? 'disabled' : r.expired === true ? 'expired' : 'active',
    ]));
    switch (action) {
      case 'list': {
        need(args, 0, 'vouch registry robot list [--project P]');
        let path = '/api/v2.0/robots';
        if (values.project !== undefined) {
          const p = (await api(conn, 'GET', `/api/v2.0/projects/${encodeURIComponent(values.project)}`)).body as Row;
          path += `?q=${encodeURIComponent(`level=project,project_id=${str(p.project_id)}`)}`;
        }
        const robots = await listAll(conn, path);
        return out(conn, robots, () => rows(robots));
      }
      case 'create': {
        const [name] = need(args, 1, 'vouch registry robot create NAME (--project P --actions LIST | --system --grant P:ACTIONS...)');
        let days = -1;
        if (values.days !== undefined) {
          if (!/^\d{1,5}$/.test(values.days) || Number(values.days) === 0) throw new VouchError('USAGE', '--days must be a positive number of days');
          days = Number(values.days);
        }
        let permissions;
        if (values.system === true) {
          if (values.grant === undefined || values.grant.length === 0) throw new VouchError('USAGE', 'a system robot needs --grant PROJECT:ACTIONS');
          permissions = values.grant.map((g) => {
            const colon = g.lastIndexOf(':');
            if (colon <= 0) throw new VouchError('USAGE', `--grant must be PROJECT:ACTIONS, not "${g}"`);
            return { kind: 'project', namespace: g.slice(0, colon), access: accessOf(g.slice(colon + 1)) };
          });
        } else {
          if (values.project === undefined || values.actions === undefined) throw new VouchError('USAGE', 'a project robot needs --project P and --actions LIST');
          permissions = [{ kind: 'project', namespace: values.project, access: accessOf(values.actions) }];
        }
        const r = (await api(conn, 'POST', '/api/v2.0/robots', { name, level: values.system === true ? 'system' : 'project', duration: days, description: values.description ?? '', permissions })).body as Row;
        return out(conn, r, () => `created ${str(r.name)} (id ${str(r.id)})\nsecret: ${str(r.secret)}\n(the secret is shown only now)\n`);
      }
      case 'show': {
        const [ref] = need(args, 1, 'vouch registry robot show ID|NAME');
        const r = await robotByRef(conn, ref!);
        return out(conn, r, () => rows([r]));
      }
      case 'delete': {
        const [ref] = need(args, 1, 'vouch registry robot delete ID|NAME');
        const r = await robotByRef(conn, ref!);
        await api(conn, 'DELETE', `/api/v2.0/robots/${str(r.id)}`);
        return out(conn, { deleted: r.name }, () => `deleted ${str(r.name)}\n`);
      }
      case 'refresh': {
        const [ref] = need(args, 1, 'vouch registry robot refresh ID|NAME');
        const r = await robotByRef(conn, ref!);
        const s = (await api(conn, 'PATCH', `/api/v2.0/robots/${str(r.id)}`, {})).body as Row;
        return out(conn, { name: r.name, secret: s.secret }, () => `${str(r.name)}\nsecret: ${str(s.secret)}\n(the secret is shown only now)\n`);
      }
      case 'disable':
      case 'enable': {
        const [ref] = need(args, 1, `vouch registry robot ${action} ID|NAME`);
        const r = await robotByRef(conn, ref!);
        await api(conn, 'PUT', `/api/v2.0/robots/${str(r.id)}`, { disable: action === 'disable' });
        return out(conn, { name: r.name, disable: action === 'disable' }, () => `${str(r.name)} ${action}d\n`);
      }
      default:
        throw new VouchError('USAGE', `unknown robot action "${action ?? ''}"`, { hint: 'actions: list, create, show, delete, refresh, disable, enable' });
    }
  },
};

// ------------------------------------------------------------------ audit

const AUDIT_HELP = `Usage: vouch registry audit [--since WHEN] [--until WHEN] [--user NAME] [--repository NAME]
                            [--operation OP] [--limit N] [flags]

The audit log (system admins): every push, pull, delete, login (success and failure) and
permission change, newest first, with who, what, when and the client's address.

Flags:
      --since WHEN        entries at or after WHEN: a duration ago (30m, 12h, 7d) or an ISO-8601 time
      --until WHEN        entries at or before WHEN
      --user NAME         only this user or robot
      --repository NAME   only entries whose resource contains NAME (library/debian)
      --operation OP      push, pull, delete, login, create, update
      --limit N           at most N entries (default 100)

${CONNECTION_HELP}
Examples:
  vouch registry audit --since 24h --server http://127.0.0.1:8080 -u admin
  vouch registry audit --repository library/debian --operation push --json
  vouch registry audit --user 'robot$team-a+ci' --since 2026-01-01T00:00:00Z
`;

export function parseWhen(text: string, now: number): string {
  const m = /^(\d{1,9})(s|m|h|d)$/.exec(text);
  if (m !== null) return new Date(now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']).toISOString();
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new VouchError('USAGE', `bad time "${text}" (a duration like 30m, 12h, 7d, or an ISO-8601 time)`);
  return new Date(ms).toISOString();
}

const auditCommand: Subcommand = {
  summary: 'query the audit log (push, pull, delete, login, permission changes)',
  help: AUDIT_HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...CONNECTION_FLAGS,
      since: { type: 'string' },
      until: { type: 'string' },
      user: { type: 'string' },
      repository: { type: 'string' },
      operation: { type: 'string' },
      limit: { type: 'string' },
    });
    need(positionals, 0, 'vouch registry audit [flags]');
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isSafeInteger(limit) || limit < 1) throw new VouchError('USAGE', '--limit must be a positive integer');
    const terms: string[] = [];
    for (const [key, value] of [['username', values.user], ['resource', values.repository === undefined ? undefined : `~${values.repository}`], ['operation', values.operation]] as const) {
      if (value === undefined) continue;
      if (value.includes(',')) throw new VouchError('USAGE', `--${key} must not contain a comma`);
      terms.push(`${key}=${value}`);
    }
    if (values.since !== undefined || values.until !== undefined) {
      const now = Date.now();
      terms.push(`op_time=[${values.since === undefined ? '' : parseWhen(values.since, now)}~${values.until === undefined ? '' : parseWhen(values.until, now)}]`);
    }
    const conn = await connect(values, io);
    const entries = await listAll(conn, `/api/v2.0/audit-logs${terms.length === 0 ? '' : `?q=${encodeURIComponent(terms.join(','))}`}`, limit);
    return out(conn, entries, () =>
      renderTable(['TIME', 'USER', 'ADDRESS', 'OPERATION', 'TYPE', 'RESOURCE', 'OUTCOME'], entries.map((e) => [str(e.op_time), str(e.username), str(e.address), str(e.operation), str(e.resource_type), str(e.resource), str(e.outcome)])),
    );
  },
};

export const ADMIN_SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  user: userCommand,
  project: projectCommand,
  member: memberCommand,
  robot: robotCommand,
  audit: auditCommand,
};
