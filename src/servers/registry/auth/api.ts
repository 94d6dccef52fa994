/**
 * The accounts HTTP surface, mounted in the registry's scope:
 *
 * - `GET|POST /service/token`: the Docker token endpoint (distribution docs/spec/auth/token.md
 *   "Requesting a Token", and oauth.md for the POST form with `grant_type=password` or
 *   `refresh_token`). Granted actions = requested ∩ allowed; a caller without rights gets a token
 *   with empty access, never an error that would reveal whether the repository exists.
 * - `/api/v2.0/…`: users, projects, members, robots and audit logs in Harbor v2.0's shapes
 *   (goharbor/harbor api/v2.0/swagger.yaml), documented in docs/registry-api.openapi.yaml.
 *   Pagination by `page`/`page_size` with `X-Total-Count`; errors `{"errors":[{code,message}]}`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from '../../http/index.ts';
import { ALL_ACTIONS, ANONYMOUS, subjectOf, type Accounts, type Principal } from './accounts.ts';
import { parseBasic, parseBearer } from './controller.ts';
import { generateSecret, hashPassword, verifyPassword } from './password.ts';
import { isConflict, roleName, ROLES, type AuditEntry, type Member, type Project, type RepoAction, type Robot, type RobotPermission, type RoleId, type User } from './store.ts';
import type { AccessEntry, TokenService } from './tokens.ts';

export const MAX_JSON_BYTES = 64 * 1024;
const MAX_SCOPES = 32;
const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 10;

/** The routes the API serves (method + fastify path), for the OpenAPI test. */
export const API_ROUTES: readonly (readonly [string, string])[] = [
  ['GET', '/service/token'],
  ['POST', '/service/token'],
  ['GET', '/api/v2.0/users'],
  ['POST', '/api/v2.0/users'],
  ['GET', '/api/v2.0/users/current'],
  ['GET', '/api/v2.0/users/{user_id}'],
  ['DELETE', '/api/v2.0/users/{user_id}'],
  ['PUT', '/api/v2.0/users/{user_id}/password'],
  ['PUT', '/api/v2.0/users/{user_id}/sysadmin'],
  ['GET', '/api/v2.0/projects'],
  ['POST', '/api/v2.0/projects'],
  ['GET', '/api/v2.0/projects/{project_name}'],
  ['PUT', '/api/v2.0/projects/{project_name}'],
  ['DELETE', '/api/v2.0/projects/{project_name}'],
  ['GET', '/api/v2.0/projects/{project_name}/members'],
  ['POST', '/api/v2.0/projects/{project_name}/members'],
  ['PUT', '/api/v2.0/projects/{project_name}/members/{mid}'],
  ['DELETE', '/api/v2.0/projects/{project_name}/members/{mid}'],
  ['GET', '/api/v2.0/robots'],
  ['POST', '/api/v2.0/robots'],
  ['GET', '/api/v2.0/robots/{robot_id}'],
  ['PUT', '/api/v2.0/robots/{robot_id}'],
  ['PATCH', '/api/v2.0/robots/{robot_id}'],
  ['DELETE', '/api/v2.0/robots/{robot_id}'],
  ['GET', '/api/v2.0/audit-logs'],
];

class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const badRequest = (m: string) => new ApiError(400, 'BAD_REQUEST', m);
const notFound = (m: string) => new ApiError(404, 'NOT_FOUND', m);
const forbidden = () => new ApiError(403, 'FORBIDDEN', 'forbidden');
const unauthorized = () => new ApiError(401, 'UNAUTHORIZED', 'unauthorized');

export const USERNAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,254}$/;
export const PROJECT_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const ROBOT_NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Passwords set through the API: 8–128 characters with at least one letter and one digit. */
export function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < 8 || password.length > 128 || !/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) {
    throw badRequest('password must be 8–128 characters with at least one letter and one digit');
  }
  return password;
}

export function checkUsername(name: unknown): string {
  if (typeof name !== 'string' || !USERNAME_RE.test(name) || name === 'anonymous') throw badRequest('username must be 1–255 of letters, digits, ".", "_", "@", "-" (not "anonymous")');
  return name;
}

export interface ApiOptions {
  readonly accounts: Accounts;
  readonly tokens: TokenService;
  readonly logger: { warn(message: string): void };
}

type Body = Record<string, unknown>;

function obj(value: unknown): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value as Body;
}

function intParam(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d{1,9}$/.test(text)) throw notFound(`${what} not found`);
  return Number(text);
}

function pageOf(q: Record<string, string | undefined>): { page: number; pageSize: number } {
  const page = q.page === undefined ? 1 : Number(q.page);
  const pageSize = q.page_size === undefined ? DEFAULT_PAGE_SIZE : Number(q.page_size);
  if (!Number.isSafeInteger(page) || page < 1 || page > 1_000_000) throw badRequest('page must be a positive integer');
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw badRequest(`page_size must be 1–${MAX_PAGE_SIZE}`);
  return { page, pageSize };
}

/**
 * Harbor's `q` query: `k=v,k=~v` (fuzzy), `k=[a~b]` (range). Values may not contain commas.
 * Returns the exact values, fuzzy values (prefixed "~") and ranges.
 */
export function parseQuery(q: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (q === undefined || q === '') return out;
  if (q.length > 2048) throw badRequest('q is too long');
  for (const part of q.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw badRequest(`bad query term "${part}"`);
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

function userJson(u: User) {
  return { user_id: u.id, username: u.username, email: u.email, realname: u.realname, sysadmin_flag: u.sysadmin, creation_time: u.createdAt, update_time: u.updatedAt };
}

function projectJson(p: Project, ownerName: string | undefined, role: number | undefined) {
  return {
    project_id: p.id,
    name: p.name,
    owner_id: p.ownerId,
    ...(ownerName === undefined ? {} : { owner_name: ownerName }),
    metadata: { public: String(p.public) },
    ...(role === undefined ? {} : { current_user_role_id: role }),
    creation_time: p.createdAt,
    update_time: p.updatedAt,
  };
}

function memberJson(m: Member) {
  return { id: m.id, project_id: m.projectId, entity_name: m.username, entity_type: 'u', entity_id: m.userId, role_id: m.role, role_name: roleName(m.role) ?? 'unknown' };
}

function robotJson(r: Robot, now: number) {
  const days = r.expiresAt === -1 ? -1 : Math.max(0, Math.ceil((r.expiresAt - Math.floor(Date.parse(r.createdAt) / 1000)) / 86400));
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    level: r.level,
    duration: days,
    expires_at: r.expiresAt,
    expired: r.expiresAt !== -1 && r.expiresAt <= Math.floor(now / 1000),
    disable: r.disabled,
    permissions: r.permissions.map((p) => ({
      kind: 'project',
      namespace: p.namespace,
      access: p.actions.map((a) => (a === 'delete' ? { resource: 'artifact', action: 'delete' } : { resource: 'repository', action: a })),
    })),
    creation_time: r.createdAt,
  };
}

function auditJson(e: AuditEntry) {
  return { id: e.id, username: e.username, resource: e.resource, resource_type: e.resourceType, operation: e.operation, op_time: e.opTime, address: e.address, outcome: e.outcome };
}

/** Docker scopes (`type:name:actions`, space-separated, repeatable) → parsed entries. */
export function parseScopes(values: readonly string[]): AccessEntry[] {
  const out: AccessEntry[] = [];
  for (const value of values) {
    for (const s of value.split(' ')) {
      if (s === '') continue;
      if (out.length >= MAX_SCOPES || s.length > 512) throw badRequest('too many or too long scopes');
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      if (first <= 0 || last <= first + 1) throw badRequest(`bad scope "${s.slice(0, 100)}"`);
      const type = s.slice(0, first).replace(/\(.*\)$/, '');
      out.push({ type, name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',').filter((a) => a !== '') });
    }
  }
  return out;
}

export function registerAuthApi(app: FastifyInstance, o: ApiOptions): void {
  const { accounts, tokens } = o;
  const store = accounts.store;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_JSON_BYTES }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : (JSON.parse(body as string) as unknown));
    } catch {
      done(badRequest('the request body is not valid JSON'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_JSON_BYTES }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_JSON_BYTES }, (_req, _body, done) => done(null, undefined));

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof ApiError) {
      void reply.code(err.status).send({ errors: [{ code: err.code, message: err.message }] });
      return;
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      void reply.code(status).send({ errors: [{ code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: (err as Error).message }] });
      return;
    }
    o.logger.warn(`registry auth: ${req.method} ${req.url.split('?')[0]}: ${(err as Error).stack ?? String(err)}`);
    void reply.code(500).send({ errors: [{ code: 'INTERNAL_SERVER_ERROR', message: `internal error (request ${req.id})` }] });
  });

  // ---------------------------------------------------------------- token endpoint

  async function grant(p: Principal, requested: readonly AccessEntry[]): Promise<AccessEntry[]> {
    const out: AccessEntry[] = [];
    for (const r of requested) {
      if (r.type === 'registry' && r.name === 'catalog') {
        if (p.kind !== 'anonymous' && r.actions.includes('*')) out.push({ type: 'registry', name: 'catalog', actions: ['*'] });
        continue;
      }
      if (r.type !== 'repository') continue;
      const allowed = await accounts.allowedActions(p, r.name);
      const actions = r.actions.flatMap((a) => (a === '*' ? (allowed.length === ALL_ACTIONS.length ? ['*'] : []) : allowed.includes(a as RepoAction) ? [a] : []));
      out.push({ type: 'repository', name: r.name, actions: [...new Set(actions)] });
    }
    return out;
  }

  async function tokenResponse(reply: FastifyReply, p: Principal, scopes: AccessEntry[], withRefresh: boolean, oauth: boolean): Promise<void> {
    const access = await grant(p, scopes);
    const t = await tokens.issueAccess(subjectOf(p), access);
    const refresh = withRefresh && p.kind !== 'anonymous' ? await tokens.issueRefresh(subjectOf(p)) : undefined;
    void reply
      .code(200)
      .header('cache-control', 'no-store')
      .send({
        ...(oauth ? {} : { token: t.token }),
        access_token: t.token,
        ...(oauth ? { token_type: 'Bearer', scope: scopes.map((s) => `${s.type}:${s.name}:${s.actions.join(',')}`).join(' ') } : {}),
        expires_in: t.expiresIn,
        issued_at: t.issuedAt,
        ...(refresh === undefined ? {} : { refresh_token: refresh }),
      });
  }

  const tokenUnauthorized = (reply: FastifyReply): void => {
    void reply
      .code(401)
      .header('www-authenticate', `Basic realm="${tokens.service}"`)
      .send({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required: bad username or password' }] });
  };

  app.get('/service/token', async (req, reply) => {
    const query = new URLSearchParams(req.url.split('?', 2)[1] ?? '');
    const service = query.get('service');
    if (service !== null && service !== tokens.service) throw badRequest(`unknown service "${service}"`);
    const scopes = parseScopes(query.getAll('scope'));
    const header = req.headers.authorization;
    let p: Principal = ANONYMOUS;
    if (header !== undefined) {
      const creds = parseBasic(header);
      const bearer = creds === undefined ? parseBearer(header) : undefined;
      if (creds !== undefined) {
        const found = await accounts.authenticate(creds.username, creds.password, { address: req.ip }, 'always');
        if (found === undefined) return tokenUnauthorized(reply);
        p = found;
      } else if (bearer !== undefined) {
        // A still-valid access token renews itself (same subject, rights checked again).
        const claims = await tokens.verifyAccess(bearer);
        const found = claims === undefined ? undefined : await accounts.principalOf(claims.sub);
        if (found === undefined) return tokenUnauthorized(reply);
        p = found;
      } else return tokenUnauthorized(reply);
    }
    return tokenResponse(reply, p, scopes, query.get('offline_token') === 'true', false);
  });

  app.post('/service/token', async (req, reply) => {
    if (!(req.body instanceof URLSearchParams)) throw badRequest('the token request must be application/x-www-form-urlencoded');
    const form = req.body;
    const service = form.get('service');
    if (service !== null && service !== tokens.service) throw badRequest(`unknown service "${service}"`);
    const scopes = parseScopes(form.getAll('scope'));
    const grantType = form.get('grant_type');
    let p: Principal | undefined;
    if (grantType === 'password') {
      const username = form.get('username') ?? '';
      p = await accounts.authenticate(username, form.get('password') ?? '', { address: req.ip }, 'always');
    } else if (grantType === 'refresh_token') {
      const sub = await tokens.verifyRefresh(form.get('refresh_token') ?? '');
      p = sub === undefined ? undefined : await accounts.principalOf(sub);
    } else {
      void reply.code(400).send({ error: 'unsupported_grant_type', errors: [{ code: 'BAD_REQUEST', message: 'grant_type must be password or refresh_token' }] });
      return;
    }
    if (p === undefined) return tokenUnauthorized(reply);
    return tokenResponse(reply, p, scopes, form.get('access_type') === 'offline', true);
  });

  // ---------------------------------------------------------------- API authentication

  async function caller(req: FastifyRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (header === undefined) return ANONYMOUS;
    const creds = parseBasic(header);
    if (creds !== undefined) {
      const p = await accounts.authenticate(creds.username, creds.password, { address: req.ip }, 'verified');
      if (p === undefined) throw unauthorized();
      return p;
    }
    const bearer = parseBearer(header);
    const claims = bearer === undefined ? undefined : await tokens.verifyAccess(bearer);
    const p = claims === undefined ? undefined : await accounts.principalOf(claims.sub);
    if (p === undefined) throw unauthorized();
    return p;
  }

  async function userCaller(req: FastifyRequest): Promise<User> {
    const p = await caller(req);
    if (p.kind === 'anonymous') throw unauthorized();
    if (p.kind === 'robot') throw forbidden();
    return p.user;
  }

  async function adminCaller(req: FastifyRequest): Promise<User> {
    const u = await userCaller(req);
    if (!u.sysadmin) throw forbidden();
    return u;
  }

  const total = (reply: FastifyReply, n: number, req: FastifyRequest, page: { page: number; pageSize: number }): void => {
    void reply.header('x-total-count', String(n));
    if (page.page * page.pageSize < n) {
      const url = new URL(req.url, 'http://x');
      url.searchParams.set('page', String(page.page + 1));
      url.searchParams.set('page_size', String(page.pageSize));
      void reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
    }
  };

  const q = (req: FastifyRequest): Record<string, string | undefined> => {
    const out: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
      if (typeof v !== 'string') throw badRequest(`query parameter ${k} must be given once`);
      out[k] = v;
    }
    return out;
  };
  const params = (req: FastifyRequest): Record<string, string | undefined> => req.params as Record<string, string | undefined>;

  // ---------------------------------------------------------------- users

  app.get('/api/v2.0/users', async (req, reply) => {
    await adminCaller(req);
    const page = pageOf(q(req));
    const terms = parseQuery(q(req).q);
    const username = q(req).username ?? terms.get('username')?.replace(/^~/, '');
    const result = await store.listUsers({ ...page, ...(username === undefined ? {} : { username }) });
    total(reply, result.total, req, page);
    return result.items.map(userJson);
  });

  app.post('/api/v2.0/users', async (req, reply) => {
    const admin = await adminCaller(req);
    const body = obj(req.body);
    const username = checkUsername(body.username);
    const password = checkPassword(body.password);
    const email = typeof body.email === 'string' ? body.email.slice(0, 255) : '';
    const realname = typeof body.realname === 'string' ? body.realname.slice(0, 255) : '';
    let user: User;
    try {
      user = await store.createUser({ username, passwordHash: await hashPassword(password), email, realname });
    } catch (err) {
      if (isConflict(err)) throw new ApiError(409, 'CONFLICT', `user ${username} already exists`);
      throw err;
    }
    await accounts.audit(admin.username, req.ip, 'create', 'user', username);
    void reply.code(201).header('location', `/api/v2.0/users/${user.id}`);
    return userJson(user);
  });

  app.get('/api/v2.0/users/current', async (req) => userJson(await userCaller(req)));

  const targetUser = async (req: FastifyRequest): Promise<User> => {
    const u = await store.userById(intParam(params(req).user_id, 'user'));
    if (u === undefined) throw notFound('user not found');
    return u;
  };

  app.get('/api/v2.0/users/:user_id', async (req) => {
    const me = await userCaller(req);
    const id = intParam(params(req).user_id, 'user');
    if (!me.sysadmin && me.id !== id) throw forbidden();
    return userJson(await targetUser(req));
  });

  app.delete('/api/v2.0/users/:user_id', async (req) => {
    const admin = await adminCaller(req);
    const u = await targetUser(req);
    if (u.id === admin.id) throw new ApiError(403, 'FORBIDDEN', 'you cannot delete yourself');
    await store.deleteUser(u.id);
    await accounts.audit(admin.username, req.ip, 'delete', 'user', u.username);
    return {};
  });

  app.put('/api/v2.0/users/:user_id/password', async (req) => {
    const me = await userCaller(req);
    const u = await targetUser(req);
    const body = obj(req.body);
    if (u.id !== me.id && !me.sysadmin) throw forbidden();
    // Your own password needs the old one, admin or not (a stolen token must not take the account over).
    if (u.id === me.id) {
      const old = body.old_password;
      if (typeof old !== 'string' || !(await verifyPassword(old, u.passwordHash))) throw new ApiError(403, 'FORBIDDEN', 'the old password is wrong');
    }
    await store.updateUser(u.id, { passwordHash: await hashPassword(checkPassword(body.new_password)) });
    await accounts.audit(me.username, req.ip, 'update', 'user', `${u.username} password`);
    return {};
  });

  app.put('/api/v2.0/users/:user_id/sysadmin', async (req) => {
    const admin = await adminCaller(req);
    const u = await targetUser(req);
    const flag = obj(req.body).sysadmin_flag;
    if (typeof flag !== 'boolean') throw badRequest('sysadmin_flag must be a boolean');
    if (u.id === admin.id && !flag) throw new ApiError(403, 'FORBIDDEN', 'you cannot remove your own admin rights');
    await store.updateUser(u.id, { sysadmin: flag });
    await accounts.audit(admin.username, req.ip, 'update', 'user', `${u.username} sysadmin=${flag}`);
    return {};
  });

  // ---------------------------------------------------------------- projects

  /** The project if `p` may see it; else 404 (the same answer as a missing project). */
  async function visibleProject(p: Principal, name: string | undefined): Promise<{ project: Project; role: number | undefined }> {
    // A name first (project names may be all digits), then a numeric id (Harbor accepts both).
    let project = name === undefined || name.length > 255 ? undefined : await store.projectByName(name);
    if (project === undefined && name !== undefined && /^\d{1,9}$/.test(name)) project = await store.projectById(Number(name));
    if (project === undefined) throw notFound('project not found');
    if (p.kind === 'user' && p.user.sysadmin) return { project, role: await store.roleOf(project.id, p.user.id) };
    const role = p.kind === 'user' ? await store.roleOf(project.id, p.user.id) : undefined;
    const robotSees = p.kind === 'robot' && (await accounts.allowedActions(p, project.name, project)).length > 0;
    if (!project.public && role === undefined && !robotSees) throw notFound('project not found');
    return { project, role };
  }

  async function manageProject(req: FastifyRequest): Promise<{ user: User; project: Project }> {
    const user = await userCaller(req);
    const { project, role } = await visibleProject({ kind: 'user', user }, params(req).project_name);
    if (!user.sysadmin && role !== ROLES.projectAdmin) throw forbidden();
    return { user, project };
  }

  const ownerName = async (id: number | null): Promise<string | undefined> => (id === null ? undefined : (await store.userById(id))?.username);

  app.get('/api/v2.0/projects', async (req, reply) => {
    const p = await caller(req);
    const page = pageOf(q(req));
    const query = q(req);
    const terms = parseQuery(query.q);
    const name = query.name ?? terms.get('name')?.replace(/^~/, '');
    const pub = query.public ?? terms.get('public');
    const visibleTo = p.kind === 'anonymous' ? 'anonymous' : p.kind === 'user' ? (p.user.sysadmin ? undefined : p.user.id) : 'anonymous';
    const result = await store.listProjects({ ...page, ...(name === undefined ? {} : { name }), ...(pub === undefined ? {} : { public: pub === 'true' }), ...(visibleTo === undefined ? {} : { visibleTo }) });
    total(reply, result.total, req, page);
    return Promise.all(result.items.map(async (proj) => projectJson(proj, await ownerName(proj.ownerId), p.kind === 'user' ? await store.roleOf(proj.id, p.user.id) : undefined)));
  });

  app.post('/api/v2.0/projects', async (req, reply) => {
    const user = await userCaller(req);
    const body = obj(req.body);
    const name = body.project_name;
    if (typeof name !== 'string' || name.length > 255 || !PROJECT_RE.test(name)) throw badRequest('project_name must be lower-case letters and digits separated by ".", "_" or "-"');
    const meta = body.metadata === undefined ? {} : obj(body.metadata);
    const pub = body.public === true || meta.public === 'true' || meta.public === true;
    let project: Project;
    try {
      project = await store.createProject({ name, public: pub, ownerId: user.id });
    } catch (err) {
      if (isConflict(err)) throw new ApiError(409, 'CONFLICT', `project ${name} already exists`);
      throw err;
    }
    await store.addMember(project.id, user.id, ROLES.projectAdmin);
    await accounts.audit(user.username, req.ip, 'create', 'project', `${name} public=${pub}`);
    void reply.code(201).header('location', `/api/v2.0/projects/${project.id}`);
    return projectJson(project, user.username, ROLES.projectAdmin);
  });

  app.get('/api/v2.0/projects/:project_name', async (req) => {
    const p = await caller(req);
    const { project, role } = await visibleProject(p, params(req).project_name);
    return projectJson(project, await ownerName(project.ownerId), role);
  });

  app.put('/api/v2.0/projects/:project_name', async (req) => {
    const { user, project } = await manageProject(req);
    const body = obj(req.body);
    const meta = body.metadata === undefined ? {} : obj(body.metadata);
    const raw = body.public ?? meta.public;
    if (raw === undefined) return {};
    if (raw !== true && raw !== false && raw !== 'true' && raw !== 'false') throw badRequest('metadata.public must be "true" or "false"');
    const pub = raw === true || raw === 'true';
    await store.updateProject(project.id, { public: pub });
    await accounts.audit(user.username, req.ip, 'update', 'project', `${project.name} public=${pub}`);
    return {};
  });

  // System admins only: the registry keeps a deleted project's images, and whoever creates a
  // project of that name next would own them (Harbor refuses to delete non-empty projects).
  app.delete('/api/v2.0/projects/:project_name', async (req) => {
    const { user, project } = await manageProject(req);
    if (!user.sysadmin) throw new ApiError(403, 'FORBIDDEN', 'only system admins delete projects');
    await store.deleteProject(project.id);
    await accounts.audit(user.username, req.ip, 'delete', 'project', project.name);
    return {};
  });

  // ---------------------------------------------------------------- members

  const roleOfBody = (body: Body): RoleId => {
    const r = body.role_id;
    if (r !== ROLES.projectAdmin && r !== ROLES.developer && r !== ROLES.guest && r !== ROLES.maintainer) throw badRequest('role_id must be 1 (projectAdmin), 2 (developer), 3 (guest) or 4 (maintainer)');
    return r;
  };

  app.get('/api/v2.0/projects/:project_name/members', async (req, reply) => {
    const user = await userCaller(req);
    const { project, role } = await visibleProject({ kind: 'user', user }, params(req).project_name);
    if (!user.sysadmin && role === undefined) throw forbidden();
    const members = await store.listMembers(project.id);
    const entity = q(req).entityname;
    const shown = entity === undefined ? members : members.filter((m) => m.username.includes(entity));
    void reply.header('x-total-count', String(shown.length));
    return shown.map(memberJson);
  });

  app.post('/api/v2.0/projects/:project_name/members', async (req, reply) => {
    const { user, project } = await manageProject(req);
    const body = obj(req.body);
    const role = roleOfBody(body);
    const mu = body.member_user === undefined ? {} : obj(body.member_user);
    const target = typeof mu.user_id === 'number' ? await store.userById(mu.user_id) : typeof mu.username === 'string' ? await store.userByName(mu.username) : undefined;
    if (target === undefined) throw notFound('user not found');
    let id: number;
    try {
      id = await store.addMember(project.id, target.id, role);
    } catch (err) {
      if (isConflict(err)) throw new ApiError(409, 'CONFLICT', `${target.username} is already a member of ${project.name}`);
      throw err;
    }
    await accounts.audit(user.username, req.ip, 'create', 'member', `${project.name}/${target.username} role=${roleName(role)}`);
    void reply.code(201).header('location', `/api/v2.0/projects/${project.name}/members/${id}`);
    return {};
  });

  const targetMember = async (projectId: number, req: FastifyRequest): Promise<Member> => {
    const m = await store.member(projectId, intParam(params(req).mid, 'member'));
    if (m === undefined) throw notFound('member not found');
    return m;
  };

  app.put('/api/v2.0/projects/:project_name/members/:mid', async (req) => {
    const { user, project } = await manageProject(req);
    const m = await targetMember(project.id, req);
    const role = roleOfBody(obj(req.body));
    await store.updateMember(m.id, role);
    await accounts.audit(user.username, req.ip, 'update', 'member', `${project.name}/${m.username} role=${roleName(role)}`);
    return {};
  });

  app.delete('/api/v2.0/projects/:project_name/members/:mid', async (req) => {
    const { user, project } = await manageProject(req);
    const m = await targetMember(project.id, req);
    await store.removeMember(m.id);
    await accounts.audit(user.username, req.ip, 'delete', 'member', `${project.name}/${m.username}`);
    return {};
  });

  // ---------------------------------------------------------------- robots

  function parsePermissions(raw: unknown): { namespace: string; actions: RepoAction[] }[] {
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > 100) throw badRequest('permissions must be a non-empty list');
    return raw.map((item) => {
      const p = obj(item);
      if (typeof p.namespace !== 'string' || (p.namespace !== '*' && !PROJECT_RE.test(p.namespace))) throw badRequest('each permission needs a namespace (a project name, or "*")');
      if (!Array.isArray(p.access) || p.access.length > 20) throw badRequest('each permission needs an access list');
      const actions = new Set<RepoAction>();
      for (const a of p.access) {
        const e = obj(a);
        const action = e.action;
        if ((e.resource === 'repository' || e.resource === 'artifact') && (action === 'pull' || action === 'push' || action === 'delete')) actions.add(action);
        else throw badRequest('access entries are {resource: "repository", action: "pull"|"push"} or {resource: "artifact", action: "delete"}');
      }
      return { namespace: p.namespace, actions: ALL_ACTIONS.filter((a) => actions.has(a)) };
    });
  }

  /** Robots `user` may manage: all for a system admin, else those of projects it administers. */
  async function canManageRobot(user: User, robot: Robot): Promise<boolean> {
    if (user.sysadmin) return true;
    return robot.projectId !== null && (await store.roleOf(robot.projectId, user.id)) === ROLES.projectAdmin;
  }

  const targetRobot = async (req: FastifyRequest): Promise<{ user: User; robot: Robot }> => {
    const user = await userCaller(req);
    const robot = await store.robotById(intParam(params(req).robot_id, 'robot'));
    if (robot === undefined || !(await canManageRobot(user, robot))) throw notFound('robot not found');
    return { user, robot };
  };

  app.get('/api/v2.0/robots', async (req, reply) => {
    const user = await userCaller(req);
    const page = pageOf(q(req));
    const terms = parseQuery(q(req).q);
    let projectIds: number[] | undefined = user.sysadmin ? undefined : await store.adminProjectIds(user.id);
    const pid = terms.get('project_id');
    if (pid !== undefined) {
      const id = Number(pid);
      projectIds = projectIds === undefined || projectIds.includes(id) ? [id] : [];
    }
    const system = user.sysadmin && pid === undefined && terms.get('level') !== 'project';
    const result = await store.listRobots({ ...page, ...(projectIds === undefined ? {} : { projectIds, system }) });
    total(reply, result.total, req, page);
    return result.items.map((r) => robotJson(r, store.nowSeconds() * 1000));
  });

  app.post('/api/v2.0/robots', async (req, reply) => {
    const user = await userCaller(req);
    const body = obj(req.body);
    const short = body.name;
    if (typeof short !== 'string' || short.length > 64 || !ROBOT_NAME_RE.test(short)) throw badRequest('name must be 1–64 lower-case letters and digits separated by ".", "_" or "-"');
    const level = body.level ?? 'project';
    if (level !== 'system' && level !== 'project') throw badRequest('level must be "system" or "project"');
    const duration = body.duration ?? -1;
    if (typeof duration !== 'number' || !Number.isSafeInteger(duration) || duration === 0 || duration < -1 || duration > 36500) throw badRequest('duration is the lifetime in days (1–36500), or -1 for never');
    const perms = parsePermissions(body.permissions);
    let projectId: number | null = null;
    let name: string;
    if (level === 'project') {
      if (perms.length !== 1 || perms[0]!.namespace === '*') throw badRequest('a project robot has exactly one permission, for its project');
      const project = await store.projectByName(perms[0]!.namespace);
      const role = project === undefined ? undefined : await store.roleOf(project.id, user.id);
      if (project === undefined || (!user.sysadmin && role !== ROLES.projectAdmin)) {
        if (project !== undefined && (project.public || role !== undefined)) throw forbidden();
        throw notFound('project not found');
      }
      projectId = project.id;
      name = `robot$${project.name}+${short}`;
    } else {
      if (!user.sysadmin) throw forbidden();
      for (const p of perms) if (p.namespace !== '*' && (await store.projectByName(p.namespace)) === undefined) throw notFound(`project ${p.namespace} not found`);
      name = `robot$${short}`;
    }
    const secret = generateSecret();
    const expiresAt = duration === -1 ? -1 : store.nowSeconds() + duration * 86400;
    let robot: Robot;
    try {
      robot = await store.createRobot({
        name,
        description: typeof body.description === 'string' ? body.description.slice(0, 1024) : '',
        level,
        projectId,
        permissions: perms satisfies RobotPermission[],
        secretHash: await hashPassword(secret),
        expiresAt,
      });
    } catch (err) {
      if (isConflict(err)) throw new ApiError(409, 'CONFLICT', `robot ${name} already exists`);
      throw err;
    }
    await accounts.audit(user.username, req.ip, 'create', 'robot', `${name} ${perms.map((p) => `${p.namespace}:${p.actions.join(',')}`).join(' ')}`);
    void reply.code(201).header('location', `/api/v2.0/robots/${robot.id}`);
    // The secret is shown here once; only its hash is stored.
    return { id: robot.id, name: robot.name, secret, creation_time: robot.createdAt, expires_at: robot.expiresAt };
  });

  app.get('/api/v2.0/robots/:robot_id', async (req) => robotJson((await targetRobot(req)).robot, store.nowSeconds() * 1000));

  app.put('/api/v2.0/robots/:robot_id', async (req) => {
    const { user, robot } = await targetRobot(req);
    const body = obj(req.body);
    if (typeof body.disable !== 'boolean') throw badRequest('disable must be a boolean');
    await store.updateRobot(robot.id, { disabled: body.disable });
    await accounts.audit(user.username, req.ip, 'update', 'robot', `${robot.name} disable=${body.disable}`);
    return {};
  });

  app.patch('/api/v2.0/robots/:robot_id', async (req) => {
    const { user, robot } = await targetRobot(req);
    const body = req.body === undefined ? {} : obj(req.body);
    const secret = body.secret === undefined || body.secret === '' ? generateSecret() : checkPassword(body.secret);
    await store.updateRobot(robot.id, { secretHash: await hashPassword(secret) });
    await accounts.audit(user.username, req.ip, 'update', 'robot', `${robot.name} secret`);
    return { secret };
  });

  app.delete('/api/v2.0/robots/:robot_id', async (req) => {
    const { user, robot } = await targetRobot(req);
    await store.deleteRobot(robot.id);
    await accounts.audit(user.username, req.ip, 'delete', 'robot', robot.name);
    return {};
  });

  // ---------------------------------------------------------------- audit logs

  app.get('/api/v2.0/audit-logs', async (req, reply) => {
    await adminCaller(req);
    const page = pageOf(q(req));
    const terms = parseQuery(q(req).q);
    const exact = (k: string): string | undefined => {
      const v = terms.get(k);
      return v === undefined ? undefined : v.replace(/^~/, '');
    };
    let since: string | undefined;
    let until: string | undefined;
    const range = terms.get('op_time');
    if (range !== undefined) {
      const m = /^\[([^~\]]*)~([^~\]]*)\]$/.exec(range);
      if (m === null) throw badRequest('op_time must be [FROM~TO] (ISO-8601; either side may be empty)');
      const iso = (t: string): string | undefined => {
        if (t.trim() === '') return undefined;
        const ms = Date.parse(t.trim());
        if (Number.isNaN(ms)) throw badRequest(`bad time "${t}"`);
        return new Date(ms).toISOString();
      };
      since = iso(m[1]!);
      until = iso(m[2]!);
    }
    const filters = {
      ...(exact('username') === undefined ? {} : { username: exact('username')! }),
      ...(exact('operation') === undefined ? {} : { operation: exact('operation')! }),
      ...(exact('resource_type') === undefined ? {} : { resourceType: exact('resource_type')! }),
      ...(exact('resource') === undefined ? {} : { resource: exact('resource')! }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
    };
    await accounts.flushAudit();
    const result = await store.listAudit({ ...page, ...filters });
    total(reply, result.total, req, page);
    return result.items.map(auditJson);
  });

  // Unknown API paths answer in the API's error shape.
  app.all('/api/v2.0/*', () => {
    throw notFound('no such API endpoint');
  });

}
