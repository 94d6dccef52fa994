/**
 * The registry's access-control seam. Every route asks the `AccessController` before it touches
 * storage; the accounts area (`servers/registry/auth/`) implements Docker token auth, users,
 * projects and robots behind this interface, and `allowAll` is the default when auth is off.
 *
 * Rules every implementation keeps (distribution-spec v1.1 "Error Codes"; Docker token auth):
 * - 401 carries a `WWW-Authenticate` challenge in `headers` and the code `UNAUTHORIZED`;
 *   403 carries `DENIED`.
 * - A subject without rights to a repository learns nothing about whether it exists: answer the
 *   same 401/403 for existing and missing repositories (the registry asks before it looks).
 *
 * This file is a contract between two areas: keep it stable.
 */
import type { FastifyInstance, FastifyRequest } from '../http/index.ts';

export type AccessAction = 'pull' | 'push' | 'delete' | '*';

export interface AccessScope {
  /** The repository name (`library/debian`); absent for `/v2/` and `_catalog`. */
  readonly repository?: string;
  /** The actions the request needs; empty for `GET /v2/` (any authenticated subject). */
  readonly actions: readonly AccessAction[];
  /** `GET /v2/_catalog` (Docker scope `registry:catalog:*`). */
  readonly catalog?: boolean;
}

export type AccessDecision =
  | { readonly ok: true; readonly subject: string }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly headers: Record<string, string>;
      readonly error: { readonly code: string; readonly message: string };
    };

export interface RegistryEvent {
  readonly action: 'push' | 'pull' | 'delete';
  readonly repository: string;
  /** The tag or digest the client named. */
  readonly reference: string;
  readonly digest: string;
  /** The subject `authorize` returned (`anonymous` under `allowAll`). */
  readonly subject: string;
  /** The client's address. */
  readonly address: string;
}

export interface AccessController {
  authorize(req: FastifyRequest, scope: AccessScope): Promise<AccessDecision>;
  /** Called after a manifest push, pull or delete succeeded (audit log). Must not throw. */
  onEvent?(event: RegistryEvent): void;
  /** `_catalog`: the names among `names` the subject may see (default: all). */
  filterRepositories?(subject: string, names: readonly string[]): Promise<readonly string[]> | readonly string[];
}

/** Anonymous push and pull for everyone: the default when auth is off. */
export const allowAll: AccessController = {
  authorize: () => Promise.resolve({ ok: true, subject: 'anonymous' }),
};

/** Options every registry service factory accepts for the accounts area. */
export interface RegistryAccessOptions {
  /** Default `allowAll`. */
  readonly access?: AccessController;
  /** Extra routes mounted in the registry's scope (token endpoint, management API). */
  readonly extraRoutes?: (app: FastifyInstance) => Promise<void>;
}
