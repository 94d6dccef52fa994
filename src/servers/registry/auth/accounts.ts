/**
 * Who a caller is (authentication of users and robots) and what it may do (Harbor's role
 * model, https://goharbor.io/docs/main/administration/managing-users/user-permissions-by-role/):
 *
 * | role | repository actions |
 * |---|---|
 * | guest | pull |
 * | developer | pull, push |
 * | maintainer | pull, push, delete |
 * | projectAdmin | pull, push, delete (+ members, robots) |
 * | system admin | everything, every project |
 *
 * A repository's project is its first path segment (`library/debian` → `library`; a one-segment
 * name is its own project). Public projects add `pull` for everyone, anonymous included. A
 * missing project gives nobody anything (except a system admin), so a caller without rights
 * gets the same answer whether a repository exists or not.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Logger } from '../../../core/index.ts';
import { dummyHash, MAX_PASSWORD_BYTES, verifyPassword } from './password.ts';
import { ROLES, type AuditEntry, type AuthStore, type Project, type RepoAction, type Robot, type User } from './store.ts';

export type Principal = { readonly kind: 'anonymous' } | { readonly kind: 'user'; readonly user: User } | { readonly kind: 'robot'; readonly robot: Robot };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });
export const ALL_ACTIONS: readonly RepoAction[] = Object.freeze(['pull', 'push', 'delete']);

export function subjectOf(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : p.kind === 'user' ? p.user.username : p.robot.name;
}

export function roleActions(role: number | undefined): RepoAction[] {
  switch (role) {
    case ROLES.guest:
      return ['pull'];
    case ROLES.developer:
      return ['pull', 'push'];
    case ROLES.maintainer:
    case ROLES.projectAdmin:
      return ['pull', 'push', 'delete'];
    default:
      return [];
  }
}

export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash < 0 ? repository : repository.slice(0, slash);
}

export interface AuditContext {
  readonly address: string;
}

const CACHE_TTL_MS = 5 * 60_000;
const AUDIT_BATCH = 1000;
/** Failed logins one address may make per window before its logins are refused unchecked. */
export const MAX_FAILURES_PER_WINDOW = 20;
const FAILURE_WINDOW_MS = 60_000;
const FAILURE_TABLE_MAX = 10_000;
const AUDIT_DELAY_MS = 20;

type AuditRecord = Omit<AuditEntry, 'id'>;
const CACHE_MAX = 10_000;

export class Accounts {
  readonly store: AuthStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  /**
   * Successful password checks, keyed by an HMAC of name and password under a per-process key,
   * holding the stored hash they matched: Basic auth on every /v2/ request would otherwise pay a
   * memory-hard hash each time. A changed password or secret changes the stored hash, which
   * invalidates the entry.
   */
  readonly #verified = new Map<string, { hash: string; until: number }>();
  readonly #cacheKey = randomBytes(32);
  readonly #queue: AuditRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  /**
   * Failed logins per client address in the current window. Each check costs the server a
   * memory-hard hash on the libuv pool (which blob I/O shares), so an address that keeps failing
   * is refused without hashing until its window ends. Per address, not per account: a stranger
   * cannot lock a user out.
   */
  readonly #failures = new Map<string, { count: number; since: number }>();

  constructor(store: AuthStore, options: { logger: Logger; now: () => number }) {
    this.store = store;
    this.#logger = options.logger;
    this.#now = options.now;
  }

  /**
   * Record an audit entry. Entries are queued with their time and written in batches (one
   * transaction per 20 ms or 1000 entries): one fsync per pull would cap the registry at a few
   * hundred pulls a second. Reads of the log flush first (`flushAudit`), and so does `close`.
   * Write failures are logged, never thrown (a pull must not fail on them).
   */
  audit(username: string, address: string, operation: string, resourceType: string, resource: string, outcome: 'success' | 'failure' = 'success'): Promise<void> {
    this.#queue.push({ username, address, operation, resourceType, resource, outcome, opTime: this.store.nowIso() });
    if (this.#queue.length >= AUDIT_BATCH) void this.flushAudit();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flushAudit(), AUDIT_DELAY_MS);
      this.#timer.unref();
    }
    return Promise.resolve();
  }

  /** Write every queued audit entry; resolves once they are stored (or the failure logged). */
  flushAudit(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#queue.splice(0);
    this.#writing = this.#writing.then(async () => {
      try {
        await this.store.addAuditBatch(batch);
      } catch (err) {
        this.#logger.warn(`registry auth: cannot write ${batch.length} audit entries: ${(err as Error).message}`);
      }
    });
    return this.#writing;
  }

  #robotUsable(r: Robot): boolean {
    return !r.disabled && (r.expiresAt === -1 || r.expiresAt > Math.floor(this.#now() / 1000));
  }

  /**
   * Check a user's password or a robot's secret. `auditSuccess: 'always'` records every
   * successful login (token endpoint); `'verified'` only those that ran the hash (Basic on /v2/).
   * Failures are always recorded.
   */
  async authenticate(name: string, password: string, ctx: AuditContext, auditSuccess: 'always' | 'verified'): Promise<Principal | undefined> {
    const now = this.#now();
    const failed = this.#failures.get(ctx.address);
    if (failed !== undefined && now - failed.since >= FAILURE_WINDOW_MS) this.#failures.delete(ctx.address);
    else if (failed !== undefined && failed.count >= MAX_FAILURES_PER_WINDOW) {
      await this.audit(name.slice(0, 255), ctx.address, 'login', 'user', `${name.slice(0, 255)} (throttled)`, 'failure');
      return undefined;
    }
    const principal = await this.#check(name, password, ctx, auditSuccess);
    if (principal === undefined) {
      const entry = this.#failures.get(ctx.address);
      if (entry === undefined) {
        if (this.#failures.size >= FAILURE_TABLE_MAX) this.#failures.delete(this.#failures.keys().next().value!);
        this.#failures.set(ctx.address, { count: 1, since: now });
      } else entry.count++;
    }
    return principal;
  }

  async #check(name: string, password: string, ctx: AuditContext, auditSuccess: 'always' | 'verified'): Promise<Principal | undefined> {
    if (name.length === 0 || name.length > 255 || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
      await this.audit(name.slice(0, 255), ctx.address, 'login', 'user', name.slice(0, 255), 'failure');
      return undefined;
    }
    let principal: Principal | undefined;
    let stored: string | undefined;
    if (name.startsWith('robot$')) {
      const robot = await this.store.robotByName(name);
      if (robot !== undefined && this.#robotUsable(robot)) {
        principal = { kind: 'robot', robot };
        stored = robot.secretHash;
      }
    } else {
      const user = await this.store.userByName(name);
      if (user !== undefined) {
        principal = { kind: 'user', user };
        stored = user.passwordHash;
      }
    }
    const key = createHmac('sha256', this.#cacheKey).update(name).update('\0').update(password).digest('hex');
    const hit = this.#verified.get(key);
    let ok: boolean;
    let verified = false;
    if (hit !== undefined && stored !== undefined && hit.hash === stored && hit.until > this.#now()) {
      ok = true;
    } else {
      // Unknown names cost one hash too: failed logins take as long for missing as for real accounts.
      ok = await verifyPassword(password, stored ?? (await dummyHash()));
      ok = ok && stored !== undefined;
      verified = true;
      if (ok) {
        if (this.#verified.size >= CACHE_MAX) this.#verified.delete(this.#verified.keys().next().value!);
        this.#verified.set(key, { hash: stored!, until: this.#now() + CACHE_TTL_MS });
      }
    }
    if (!ok) {
      await this.audit(name, ctx.address, 'login', name.startsWith('robot$') ? 'robot' : 'user', name, 'failure');
      return undefined;
    }
    if (auditSuccess === 'always' || verified) await this.audit(name, ctx.address, 'login', principal!.kind === 'robot' ? 'robot' : 'user', name);
    return principal;
  }

  /** The principal a token's subject names, if it still exists and may still log in. */
  async principalOf(subject: string): Promise<Principal | undefined> {
    if (subject === 'anonymous') return ANONYMOUS;
    if (subject.startsWith('robot$')) {
      const robot = await this.store.robotByName(subject);
      return robot !== undefined && this.#robotUsable(robot) ? { kind: 'robot', robot } : undefined;
    }
    const user = await this.store.userByName(subject);
    return user === undefined ? undefined : { kind: 'user', user };
  }

  /** The repository actions `p` has on `repository`'s project (`project` given: already looked up). */
  async allowedActions(p: Principal, repository: string, project?: Project | null): Promise<RepoAction[]> {
    if (p.kind === 'user' && p.user.sysadmin) return [...ALL_ACTIONS];
    const projectName = projectOf(repository);
    const proj = project === undefined ? await this.store.projectByName(projectName) : (project ?? undefined);
    if (proj === undefined) return [];
    const set = new Set<RepoAction>(proj.public ? ['pull'] : []);
    if (p.kind === 'user') {
      for (const a of roleActions(await this.store.roleOf(proj.id, p.user.id))) set.add(a);
    } else if (p.kind === 'robot') {
      if (this.#robotUsable(p.robot) && (p.robot.level === 'system' || p.robot.projectId === proj.id)) {
        for (const perm of p.robot.permissions) {
          if (perm.namespace === proj.name || (p.robot.level === 'system' && perm.namespace === '*')) for (const a of perm.actions) set.add(a);
        }
      }
    }
    return ALL_ACTIONS.filter((a) => set.has(a));
  }

  /** `_catalog`: the names whose project lets `subject` pull. */
  async visibleRepositories(subject: string, names: readonly string[]): Promise<string[]> {
    const p = await this.principalOf(subject);
    if (p === undefined) return [];
    const byProject = new Map<string, boolean>();
    const out: string[] = [];
    for (const name of names) {
      const project = projectOf(name);
      let ok = byProject.get(project);
      if (ok === undefined) {
        ok = (await this.allowedActions(p, name)).includes('pull');
        byProject.set(project, ok);
      }
      if (ok) out.push(name);
    }
    return out;
  }
}

/** A stable short id for logs that never reveals a secret. */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
