/**
 * Registry accounts: users, projects, members, robot accounts, Docker token auth and the audit
 * log (docs/registry-accounts.md). `createRegistryAuth` gives the registry service its
 * `access` controller and the `extraRoutes` (token endpoint + `/api/v2.0/` management API).
 */
import { join } from 'node:path';
import { silentLogger, VouchError, type Logger } from '../../../core/index.ts';
import type { FastifyInstance } from '../../http/index.ts';
import type { AccessController } from '../access.ts';
import { Accounts } from './accounts.ts';
import { registerAuthApi } from './api.ts';
import { createAccessController } from './controller.ts';
import { generateSecret, hashPassword } from './password.ts';
import { AuthStore, isConflict } from './store.ts';
import { loadOrCreateTokenKey, TokenService } from './tokens.ts';

export { Accounts, ANONYMOUS, projectOf, roleActions, subjectOf, type Principal } from './accounts.ts';
export { API_ROUTES, parseScopes, parseQuery } from './api.ts';
export { parseBasic, parseBearer, scopeString } from './controller.ts';
export { hashPassword, verifyPassword, generateSecret, DEFAULT_ARGON2_PARAMS } from './password.ts';
export { AuthStore, ROLES, roleName, type RoleName, type User, type Project, type Robot, type AuditEntry, type RepoAction } from './store.ts';
export { TokenService, loadOrCreateTokenKey } from './tokens.ts';

/** The `service` of challenges and the `aud` of tokens (Harbor uses `harbor-registry`). */
export const REGISTRY_TOKEN_SERVICE = 'vouch-registry';
export const DEFAULT_TOKEN_TTL_SECONDS = 900;
export const DEFAULT_REFRESH_TTL_SECONDS = 7 * 86400;

export interface RegistryAuthOptions {
  /** Folder for the token signing key (`token-key.pem`, 0600) and, without `dbUrl`, `auth.db`. */
  readonly dataDir: string;
  /** PostgreSQL URL shared by replicas (tables `auth_*`); default SQLite in `dataDir`. */
  readonly dbUrl?: string;
  /** The URL clients reach the server at (the token realm is `<publicUrl>/service/token`). */
  readonly publicUrl: string | (() => string);
  /** `VOUCH_ADMIN_PASSWORD` sets the first admin's password. */
  readonly env?: NodeJS.ProcessEnv;
  /** Prints a line the operator must see once (a generated admin password); never logged. */
  readonly announce?: (line: string) => void;
  readonly logger?: Logger;
  readonly tokenTtlSeconds?: number;
  readonly refreshTtlSeconds?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

export interface RegistryAuth {
  readonly access: AccessController;
  readonly extraRoutes: (app: FastifyInstance) => Promise<void>;
  readonly accounts: Accounts;
  readonly tokens: TokenService;
  health(): Promise<void>;
  close(): Promise<void>;
}

export async function createRegistryAuth(options: RegistryAuthOptions): Promise<RegistryAuth> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const publicUrl = typeof options.publicUrl === 'string' ? () => options.publicUrl as string : options.publicUrl;
  const base = (): string => publicUrl().replace(/\/+$/, '');
  const keys = await loadOrCreateTokenKey(join(options.dataDir, 'token-key.pem'));
  const store = await AuthStore.open(options.dbUrl ?? join(options.dataDir, 'auth.db'), now);
  try {
    await bootstrapAdmin(store, options.env ?? {}, options.announce ?? (() => undefined));
  } catch (err) {
    await store.close();
    throw err;
  }
  const accounts = new Accounts(store, { logger, now });
  const tokens = new TokenService({
    keys,
    // The issuer is fixed (not the public URL) so tokens stay valid when the server is reached by
    // several names; the key is what authenticates them.
    issuer: 'vouch-registry-token-issuer',
    service: REGISTRY_TOKEN_SERVICE,
    accessTtlSeconds: options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: options.refreshTtlSeconds ?? DEFAULT_REFRESH_TTL_SECONDS,
    now,
  });
  const access = createAccessController({ accounts, tokens, realm: () => `${base()}/service/token`, logger });
  return {
    access,
    accounts,
    tokens,
    async extraRoutes(app: FastifyInstance) {
      await app.register((scope, _opts, done) => {
        registerAuthApi(scope, { accounts, tokens, logger });
        done();
      });
    },
    health: () => store.health(),
    async close() {
      await accounts.flushAudit();
      await store.close();
    },
  };
}

/** The first start creates `admin` (system admin) with `VOUCH_ADMIN_PASSWORD` or a generated password, announced once. */
async function bootstrapAdmin(store: AuthStore, env: NodeJS.ProcessEnv, announce: (line: string) => void): Promise<void> {
  if ((await store.countUsers()) > 0) return;
  const given = env.VOUCH_ADMIN_PASSWORD;
  if (given !== undefined && (given.length < 8 || given.length > 128)) {
    throw new VouchError('USAGE', 'VOUCH_ADMIN_PASSWORD must be 8–128 characters');
  }
  const password = given ?? generateSecret();
  try {
    await store.createUser({ username: 'admin', passwordHash: await hashPassword(password), sysadmin: true, realname: 'system admin' });
  } catch (err) {
    if (isConflict(err)) return; // another replica created it first
    throw err;
  }
  if (given === undefined) announce(`registry: created user "admin" with password ${password} (shown once; change it with \`vouch registry user passwd admin\`)`);
}
