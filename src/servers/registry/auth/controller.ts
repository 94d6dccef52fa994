/**
 * The registry's `AccessController` for accounts: Docker token auth (distribution
 * docs/spec/auth/token.md) with Basic auth also accepted on /v2/ (as Harbor does).
 *
 * - No credentials: anonymous pulls of public projects pass; anything else answers 401 with
 *   `WWW-Authenticate: Bearer realm="<public-url>/service/token",service="vouch-registry",scope="…"`.
 * - Bearer: the token's `access` claim must grant the actions (token.md "Using the Bearer token");
 *   otherwise 401 with `error="insufficient_scope"` (or `"invalid_token"`), so the client asks for
 *   a new token. A token for a subject without rights simply carries no access: the answer is
 *   the same whether the repository exists or not.
 * - Basic: the user or robot is authenticated here; a known subject without rights gets 403
 *   DENIED, again without looking at the repository.
 */
import type { FastifyRequest } from '../../http/index.ts';
import type { AccessController, AccessDecision, AccessScope, RegistryEvent } from '../access.ts';
import { ANONYMOUS, projectOf, subjectOf, type Accounts, type Principal } from './accounts.ts';
import { ROLES, isConflict } from './store.ts';
import type { TokenService } from './tokens.ts';

const MAX_AUTH_HEADER = 8 * 1024;

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** RFC 7617 Basic credentials, or undefined when the header is not Basic or is malformed. */
export function parseBasic(header: string | undefined): Credentials | undefined {
  if (header === undefined || header.length > MAX_AUTH_HEADER) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function parseBearer(header: string | undefined): string | undefined {
  if (header === undefined || header.length > MAX_AUTH_HEADER) return undefined;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return m === null ? undefined : m[1];
}

/** The Docker scope string a request needs: push needs `pull,push` (clients check the tag first). */
export function scopeString(scope: AccessScope): string | undefined {
  if (scope.catalog === true) return 'registry:catalog:*';
  if (scope.repository === undefined) return undefined;
  const actions = new Set<string>();
  for (const a of scope.actions) {
    if (a === 'push') actions.add('pull');
    actions.add(a);
  }
  const order = ['pull', 'push', 'delete', '*'];
  return `repository:${scope.repository}:${[...actions].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(',')}`;
}

export interface ControllerOptions {
  readonly accounts: Accounts;
  readonly tokens: TokenService;
  /** `<public-url>/service/token`, known once the server listens. */
  readonly realm: () => string;
  readonly logger: { warn(message: string): void };
}

export function createAccessController(o: ControllerOptions): AccessController {
  const challenge = (scope: AccessScope, error?: 'invalid_token' | 'insufficient_scope'): Record<string, string> => {
    const s = scopeString(scope);
    let value = `Bearer realm="${o.realm()}",service="${o.tokens.service}"`;
    if (s !== undefined) value += `,scope="${s}"`;
    if (error !== undefined) value += `,error="${error}"`;
    return { 'www-authenticate': value };
  };
  const unauthorized = (scope: AccessScope, error?: 'invalid_token' | 'insufficient_scope'): AccessDecision => ({
    ok: false,
    status: 401,
    headers: challenge(scope, error),
    error: { code: 'UNAUTHORIZED', message: 'authentication required' },
  });
  const denied: AccessDecision = { ok: false, status: 403, headers: {}, error: { code: 'DENIED', message: 'requested access to the resource is denied' } };

  async function covers(p: Principal, scope: AccessScope): Promise<boolean> {
    if (scope.repository === undefined) return scope.catalog === true ? p.kind !== 'anonymous' : true;
    const allowed = await o.accounts.allowedActions(p, scope.repository);
    return scope.actions.every((a) => (a === '*' ? allowed.length === 3 : allowed.includes(a)));
  }

  return {
    async authorize(req: FastifyRequest, scope: AccessScope): Promise<AccessDecision> {
      const header = req.headers.authorization;
      if (header === undefined) {
        // Anonymous: only repository reads of public projects, without a token round trip.
        if (scope.repository !== undefined && scope.catalog !== true && (await covers(ANONYMOUS, scope))) return { ok: true, subject: 'anonymous' };
        return unauthorized(scope);
      }
      const bearer = parseBearer(header);
      if (bearer !== undefined) {
        const claims = await o.tokens.verifyAccess(bearer);
        if (claims === undefined) return unauthorized(scope, 'invalid_token');
        if (scope.catalog === true) {
          const ok = claims.access.some((a) => a.type === 'registry' && a.name === 'catalog' && a.actions.includes('*'));
          return ok ? { ok: true, subject: claims.sub } : unauthorized(scope, 'insufficient_scope');
        }
        if (scope.repository === undefined) return { ok: true, subject: claims.sub };
        const granted = new Set(claims.access.filter((a) => a.type === 'repository' && a.name === scope.repository).flatMap((a) => a.actions));
        const ok = scope.actions.every((a) => granted.has(a) || granted.has('*'));
        return ok ? { ok: true, subject: claims.sub } : unauthorized(scope, 'insufficient_scope');
      }
      const basic = parseBasic(header);
      if (basic === undefined) return unauthorized(scope, 'invalid_token');
      const p = await o.accounts.authenticate(basic.username, basic.password, { address: req.ip }, 'verified');
      if (p === undefined) return unauthorized(scope);
      return (await covers(p, scope)) ? { ok: true, subject: subjectOf(p) } : denied;
    },

    onEvent(event: RegistryEvent): void {
      void recordEvent(o, event);
    },

    filterRepositories(subject: string, names: readonly string[]): Promise<readonly string[]> {
      return o.accounts.visibleRepositories(subject, names);
    },
  };
}

async function recordEvent(o: ControllerOptions, event: RegistryEvent): Promise<void> {
  try {
    const resource = event.reference.startsWith('sha256:') || event.reference.startsWith('sha512:') ? `${event.repository}@${event.reference}` : `${event.repository}:${event.reference}@${event.digest}`;
    await o.accounts.audit(event.subject, event.address, event.action, 'artifact', resource);
    if (event.action !== 'push') return;
    // A system admin may push into a project that does not exist yet: it is created private,
    // with the admin as its projectAdmin (Harbor would refuse; this keeps `vouch serve` usable
    // without a setup step).
    const name = projectOf(event.repository);
    const store = o.accounts.store;
    if ((await store.projectByName(name)) !== undefined) return;
    const user = await store.userByName(event.subject);
    if (user?.sysadmin !== true) return;
    try {
      const project = await store.createProject({ name, public: false, ownerId: user.id });
      await store.addMember(project.id, user.id, ROLES.projectAdmin);
      await o.accounts.audit(user.username, event.address, 'create', 'project', name);
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  } catch (err) {
    o.logger.warn(`registry auth: cannot record ${event.action} of ${event.repository}: ${(err as Error).message}`);
  }
}
