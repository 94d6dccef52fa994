/**
 * The accounts store: users, projects, project members, robot accounts and the audit log, in
 * one Kysely schema that runs on SQLite (default, `<data>/registry/auth.db`) and PostgreSQL
 * (`--db`, shared by replicas). Tables carry the `auth_` prefix and their own migration table, so
 * they can live in the same database as the registry's metadata without either migrator seeing
 * the other's history.
 */
import { sql, type Generated, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { VouchError } from '../../../core/index.ts';
import { openDb, type Dialect, type VouchDb } from '../../db/index.ts';

/** Harbor's role ids (src/common/const.go): 1 projectAdmin, 2 developer, 3 guest, 4 maintainer. */
export const ROLES = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4 } as const;
export type RoleName = keyof typeof ROLES;
export type RoleId = (typeof ROLES)[RoleName];

export function roleName(id: number): RoleName | undefined {
  return (Object.keys(ROLES) as RoleName[]).find((k) => ROLES[k] === id);
}

export type RepoAction = 'pull' | 'push' | 'delete';

/** One grant of a robot: the actions it may take in a project (`*`: every project; system robots only). */
export interface RobotPermission {
  readonly namespace: string;
  readonly actions: readonly RepoAction[];
}

interface Schema {
  auth_users: { id: Generated<number>; username: string; email: string; realname: string; password_hash: string; sysadmin: number; created_at: string; updated_at: string };
  auth_projects: { id: Generated<number>; name: string; public: number; owner_id: number | null; created_at: string; updated_at: string };
  auth_members: { id: Generated<number>; project_id: number; user_id: number; role: number; created_at: string };
  auth_robots: {
    id: Generated<number>;
    name: string;
    description: string;
    level: string;
    project_id: number | null;
    permissions: string;
    secret_hash: string;
    expires_at: number | string | bigint;
    disabled: number;
    created_at: string;
  };
  auth_audit: {
    id: Generated<number>;
    op_time: string;
    username: string;
    address: string;
    operation: string;
    resource_type: string;
    resource: string;
    outcome: string;
  };
}

export interface User {
  readonly id: number;
  readonly username: string;
  readonly email: string;
  readonly realname: string;
  readonly passwordHash: string;
  readonly sysadmin: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Project {
  readonly id: number;
  readonly name: string;
  readonly public: boolean;
  readonly ownerId: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Member {
  readonly id: number;
  readonly projectId: number;
  readonly userId: number;
  readonly username: string;
  readonly role: number;
  readonly createdAt: string;
}

export interface Robot {
  readonly id: number;
  /** The full name: `robot$<name>` (system) or `robot$<project>+<name>` (project). */
  readonly name: string;
  readonly description: string;
  readonly level: 'system' | 'project';
  readonly projectId: number | null;
  readonly permissions: readonly RobotPermission[];
  readonly secretHash: string;
  /** Unix seconds; -1: never. */
  readonly expiresAt: number;
  readonly disabled: boolean;
  readonly createdAt: string;
}

export interface AuditEntry {
  readonly id: number;
  readonly opTime: string;
  readonly username: string;
  readonly address: string;
  readonly operation: string;
  readonly resourceType: string;
  readonly resource: string;
  readonly outcome: 'success' | 'failure';
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

export interface PageRequest {
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
}

export interface AuditQuery extends PageRequest {
  readonly username?: string;
  readonly operation?: string;
  readonly resourceType?: string;
  /** Substring of the resource (`library/debian` matches `library/debian:12`). */
  readonly resource?: string;
  /** ISO-8601 bounds, inclusive. */
  readonly since?: string;
  readonly until?: string;
}

const MIGRATION_TABLE = 'auth_migration';

function migrations(dialect: Dialect): Record<string, Migration> {
  const pg = dialect === 'postgres';
  const id = (name: string) => [name, pg ? 'serial' : 'integer'] as const;
  return {
    '0001-accounts': {
      async up(db: Kysely<unknown>) {
        const idCol = <T extends { primaryKey(): T; autoIncrement(): T }>(c: T): T => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());
        await db.schema
          .createTable('auth_users')
          .addColumn(...id('id'), idCol)
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('realname', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('sysadmin', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('auth_projects')
          .addColumn(...id('id'), idCol)
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('public', 'integer', (c) => c.notNull())
          .addColumn('owner_id', 'integer', (c) => c.references('auth_users.id').onDelete('set null'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('auth_members')
          .addColumn(...id('id'), idCol)
          .addColumn('project_id', 'integer', (c) => c.notNull().references('auth_projects.id').onDelete('cascade'))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('auth_users.id').onDelete('cascade'))
          .addColumn('role', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('auth_members_project_user', ['project_id', 'user_id'])
          .execute();
        await db.schema.createIndex('auth_members_user').on('auth_members').column('user_id').execute();
        await db.schema
          .createTable('auth_robots')
          .addColumn(...id('id'), idCol)
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('level', 'text', (c) => c.notNull())
          .addColumn('project_id', 'integer', (c) => c.references('auth_projects.id').onDelete('cascade'))
          .addColumn('permissions', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('auth_audit')
          .addColumn(...id('id'), idCol)
          .addColumn('op_time', 'text', (c) => c.notNull())
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('operation', 'text', (c) => c.notNull())
          .addColumn('resource_type', 'text', (c) => c.notNull())
          .addColumn('resource', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('auth_audit_time').on('auth_audit').column('op_time').execute();
        await db.schema.createIndex('auth_audit_user').on('auth_audit').columns(['username', 'op_time']).execute();
      },
    },
  };
}

/** Unique-constraint violation on either dialect. */
export function isConflict(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '23505' || (typeof e.message === 'string' && /UNIQUE constraint failed/.test(e.message));
}

const num = (v: unknown): number => Number(v);

type Row<T extends keyof Schema> = { [K in keyof Schema[T]]: Schema[T][K] extends Generated<infer U> ? U : Schema[T][K] };

function toUser(r: Row<'auth_users'>): User {
  return { id: num(r.id), username: r.username, email: r.email, realname: r.realname, passwordHash: r.password_hash, sysadmin: num(r.sysadmin) === 1, createdAt: r.created_at, updatedAt: r.updated_at };
}
function toProject(r: Row<'auth_projects'>): Project {
  return { id: num(r.id), name: r.name, public: num(r.public) === 1, ownerId: r.owner_id === null ? null : num(r.owner_id), createdAt: r.created_at, updatedAt: r.updated_at };
}
function toRobot(r: Row<'auth_robots'>): Robot {
  return {
    id: num(r.id),
    name: r.name,
    description: r.description,
    level: r.level === 'system' ? 'system' : 'project',
    projectId: r.project_id === null ? null : num(r.project_id),
    permissions: JSON.parse(r.permissions) as RobotPermission[],
    secretHash: r.secret_hash,
    expiresAt: num(r.expires_at),
    disabled: num(r.disabled) === 1,
    createdAt: r.created_at,
  };
}
function toAudit(r: Row<'auth_audit'>): AuditEntry {
  return { id: num(r.id), opTime: r.op_time, username: r.username, address: r.address, operation: r.operation, resourceType: r.resource_type, resource: r.resource, outcome: r.outcome === 'failure' ? 'failure' : 'success' };
}

/** `%`, `_` and `\` escaped for LIKE … ESCAPE '\'. */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class AuthStore {
  readonly #db: VouchDb<Schema>;
  readonly #k: Kysely<Schema>;
  readonly #now: () => number;

  private constructor(db: VouchDb<Schema>, now: () => number) {
    this.#db = db;
    this.#k = db.kysely;
    this.#now = now;
  }

  /** Open and migrate the store at `url` (SQLite path or PostgreSQL URL). */
  static async open(url: string, now: () => number = Date.now): Promise<AuthStore> {
    const db = openDb<Schema>(url);
    try {
      const migrator = new Migrator({
        db: db.kysely as Kysely<unknown>,
        provider: { getMigrations: () => Promise.resolve(migrations(db.dialect)) },
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: `${MIGRATION_TABLE}_lock`,
      });
      const { error } = await migrator.migrateToLatest();
      if (error !== undefined) throw new VouchError('IO_ERROR', `accounts database migration failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
    } catch (err) {
      await db.close();
      throw err;
    }
    return new AuthStore(db, now);
  }

  get dialect(): Dialect {
    return this.#db.dialect;
  }

  nowIso(): string {
    return new Date(this.#now()).toISOString();
  }

  nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }

  async health(): Promise<void> {
    await sql`select 1`.execute(this.#k);
  }

  // --- users ---

  async countUsers(): Promise<number> {
    const r = await this.#k.selectFrom('auth_users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return num(r.n);
  }

  async createUser(u: { username: string; passwordHash: string; email?: string; realname?: string; sysadmin?: boolean }): Promise<User> {
    const now = this.nowIso();
    const row = await this.#k
      .insertInto('auth_users')
      .values({ username: u.username, email: u.email ?? '', realname: u.realname ?? '', password_hash: u.passwordHash, sysadmin: u.sysadmin === true ? 1 : 0, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  async userByName(username: string): Promise<User | undefined> {
    const r = await this.#k.selectFrom('auth_users').selectAll().where('username', '=', username).executeTakeFirst();
    return r === undefined ? undefined : toUser(r);
  }

  async userById(id: number): Promise<User | undefined> {
    const r = await this.#k.selectFrom('auth_users').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toUser(r);
  }

  async listUsers(q: PageRequest & { username?: string }): Promise<Page<User>> {
    let base = this.#k.selectFrom('auth_users');
    if (q.username !== undefined) base = base.where(sql<boolean>`username like ${likeContains(q.username)} escape '\\'`);
    const total = num((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.selectAll().orderBy('id').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute();
    return { items: rows.map(toUser), total };
  }

  async updateUser(id: number, change: { passwordHash?: string; sysadmin?: boolean; email?: string; realname?: string }): Promise<void> {
    await this.#k
      .updateTable('auth_users')
      .set({
        updated_at: this.nowIso(),
        ...(change.passwordHash === undefined ? {} : { password_hash: change.passwordHash }),
        ...(change.sysadmin === undefined ? {} : { sysadmin: change.sysadmin ? 1 : 0 }),
        ...(change.email === undefined ? {} : { email: change.email }),
        ...(change.realname === undefined ? {} : { realname: change.realname }),
      })
      .where('id', '=', id)
      .execute();
  }

  async deleteUser(id: number): Promise<boolean> {
    const r = await this.#k.deleteFrom('auth_users').where('id', '=', id).executeTakeFirst();
    return num(r.numDeletedRows) > 0;
  }

  // --- projects ---

  async createProject(p: { name: string; public: boolean; ownerId: number | null }): Promise<Project> {
    const now = this.nowIso();
    const row = await this.#k
      .insertInto('auth_projects')
      .values({ name: p.name, public: p.public ? 1 : 0, owner_id: p.ownerId, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toProject(row);
  }

  async projectByName(name: string): Promise<Project | undefined> {
    const r = await this.#k.selectFrom('auth_projects').selectAll().where('name', '=', name).executeTakeFirst();
    return r === undefined ? undefined : toProject(r);
  }

  async projectById(id: number): Promise<Project | undefined> {
    const r = await this.#k.selectFrom('auth_projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toProject(r);
  }

  /** Projects `visibleTo` may see (public ones and those it is a member of); every project when undefined. */
  async listProjects(q: PageRequest & { name?: string; public?: boolean; visibleTo?: number | 'anonymous' }): Promise<Page<Project>> {
    let base = this.#k.selectFrom('auth_projects');
    if (q.name !== undefined) base = base.where(sql<boolean>`name like ${likeContains(q.name)} escape '\\'`);
    if (q.public !== undefined) base = base.where('public', '=', q.public ? 1 : 0);
    const who = q.visibleTo;
    if (who === 'anonymous') base = base.where('public', '=', 1);
    else if (who !== undefined) {
      base = base.where((eb) => eb.or([eb('public', '=', 1), eb('id', 'in', eb.selectFrom('auth_members').select('project_id').where('user_id', '=', who))]));
    }
    const total = num((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.selectAll().orderBy('name').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute();
    return { items: rows.map(toProject), total };
  }

  async updateProject(id: number, change: { public?: boolean }): Promise<void> {
    await this.#k
      .updateTable('auth_projects')
      .set({ updated_at: this.nowIso(), ...(change.public === undefined ? {} : { public: change.public ? 1 : 0 }) })
      .where('id', '=', id)
      .execute();
  }

  async deleteProject(id: number): Promise<boolean> {
    const r = await this.#k.deleteFrom('auth_projects').where('id', '=', id).executeTakeFirst();
    return num(r.numDeletedRows) > 0;
  }

  // --- members ---

  async listMembers(projectId: number): Promise<Member[]> {
    const rows = await this.#k
      .selectFrom('auth_members as m')
      .innerJoin('auth_users as u', 'u.id', 'm.user_id')
      .select(['m.id', 'm.project_id', 'm.user_id', 'u.username', 'm.role', 'm.created_at'])
      .where('m.project_id', '=', projectId)
      .orderBy('m.id')
      .execute();
    return rows.map((r) => ({ id: num(r.id), projectId: num(r.project_id), userId: num(r.user_id), username: r.username, role: num(r.role), createdAt: r.created_at }));
  }

  async member(projectId: number, memberId: number): Promise<Member | undefined> {
    return (await this.listMembers(projectId)).find((m) => m.id === memberId);
  }

  async addMember(projectId: number, userId: number, role: RoleId): Promise<number> {
    const r = await this.#k.insertInto('auth_members').values({ project_id: projectId, user_id: userId, role, created_at: this.nowIso() }).returning('id').executeTakeFirstOrThrow();
    return num(r.id);
  }

  async updateMember(memberId: number, role: RoleId): Promise<void> {
    await this.#k.updateTable('auth_members').set({ role }).where('id', '=', memberId).execute();
  }

  async removeMember(memberId: number): Promise<void> {
    await this.#k.deleteFrom('auth_members').where('id', '=', memberId).execute();
  }

  /** The user's role in a project, if a member. */
  async roleOf(projectId: number, userId: number): Promise<number | undefined> {
    const r = await this.#k.selectFrom('auth_members').select('role').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
    return r === undefined ? undefined : num(r.role);
  }

  // --- robots ---

  async createRobot(r: Omit<Robot, 'id' | 'createdAt' | 'disabled'>): Promise<Robot> {
    const row = await this.#k
      .insertInto('auth_robots')
      .values({
        name: r.name,
        description: r.description,
        level: r.level,
        project_id: r.projectId,
        permissions: JSON.stringify(r.permissions),
        secret_hash: r.secretHash,
        expires_at: r.expiresAt,
        disabled: 0,
        created_at: this.nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRobot(row);
  }

  async robotByName(name: string): Promise<Robot | undefined> {
    const r = await this.#k.selectFrom('auth_robots').selectAll().where('name', '=', name).executeTakeFirst();
    return r === undefined ? undefined : toRobot(r);
  }

  async robotById(id: number): Promise<Robot | undefined> {
    const r = await this.#k.selectFrom('auth_robots').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toRobot(r);
  }

  /** Robots of these projects (and system robots when `system`); all robots when `projectIds` is undefined. */
  async listRobots(q: PageRequest & { projectIds?: readonly number[]; system?: boolean }): Promise<Page<Robot>> {
    let base = this.#k.selectFrom('auth_robots');
    const ids = q.projectIds;
    if (ids !== undefined) {
      base = base.where((eb) => {
        const parts = [];
        if (ids.length > 0) parts.push(eb('project_id', 'in', [...ids]));
        if (q.system === true) parts.push(eb('level', '=', 'system'));
        return parts.length === 0 ? eb.val(false) : eb.or(parts);
      });
    }
    const total = num((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.selectAll().orderBy('id').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute();
    return { items: rows.map(toRobot), total };
  }

  async updateRobot(id: number, change: { secretHash?: string; disabled?: boolean }): Promise<void> {
    await this.#k
      .updateTable('auth_robots')
      .set({ ...(change.secretHash === undefined ? {} : { secret_hash: change.secretHash }), ...(change.disabled === undefined ? {} : { disabled: change.disabled ? 1 : 0 }) })
      .where('id', '=', id)
      .execute();
  }

  async deleteRobot(id: number): Promise<boolean> {
    const r = await this.#k.deleteFrom('auth_robots').where('id', '=', id).executeTakeFirst();
    return num(r.numDeletedRows) > 0;
  }

  /** Project ids where the user is projectAdmin. */
  async adminProjectIds(userId: number): Promise<number[]> {
    const rows = await this.#k.selectFrom('auth_members').select('project_id').where('user_id', '=', userId).where('role', '=', ROLES.projectAdmin).execute();
    return rows.map((r) => num(r.project_id));
  }

  // --- audit ---

  async addAudit(e: Omit<AuditEntry, 'id' | 'opTime'> & { opTime?: string }): Promise<void> {
    await this.addAuditBatch([e]);
  }

  /** Several entries in one transaction (one fsync on SQLite). */
  async addAuditBatch(entries: readonly (Omit<AuditEntry, 'id' | 'opTime'> & { opTime?: string })[]): Promise<void> {
    if (entries.length === 0) return;
    const now = this.nowIso();
    const rows = entries.map((e) => ({ op_time: e.opTime ?? now, username: e.username, address: e.address, operation: e.operation, resource_type: e.resourceType, resource: e.resource, outcome: e.outcome }));
    await this.#k.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto('auth_audit').values(rows.slice(i, i + 500)).execute();
    });
  }

  /** Newest first. */
  async listAudit(q: AuditQuery): Promise<Page<AuditEntry>> {
    let base = this.#k.selectFrom('auth_audit');
    if (q.username !== undefined) base = base.where('username', '=', q.username);
    if (q.operation !== undefined) base = base.where('operation', '=', q.operation);
    if (q.resourceType !== undefined) base = base.where('resource_type', '=', q.resourceType);
    if (q.resource !== undefined) base = base.where(sql<boolean>`resource like ${likeContains(q.resource)} escape '\\'`);
    if (q.since !== undefined) base = base.where('op_time', '>=', q.since);
    if (q.until !== undefined) base = base.where('op_time', '<=', q.until);
    const total = num((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.selectAll().orderBy('op_time', 'desc').orderBy('id', 'desc').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute();
    return { items: rows.map(toAudit), total };
  }
}
