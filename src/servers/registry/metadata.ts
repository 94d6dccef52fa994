/**
 * The registry's metadata behind one interface: repositories, blob links (which repository
 * may serve which blob), manifests (their bytes: at most 4 MiB of JSON each), the descriptors
 * each manifest references, tags, referrers (a manifest's `subject`) and upload sessions.
 * One Kysely implementation runs on SQLite (the default) and PostgreSQL (several replicas);
 * test/conformance/distribution runs the same suite against both.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Migration } from 'kysely/migration';
import { sql } from 'kysely';
import { migrate, openDb, type VouchDb } from '../db/index.ts';

interface RepositoriesTable {
  name: string;
  created_at: number;
}
interface BlobLinksTable {
  repository: string;
  digest: string;
  created_at: number;
}
interface ManifestsTable {
  repository: string;
  digest: string;
  media_type: string;
  content: string;
  size: number;
  subject: string | null;
  artifact_type: string | null;
  annotations: string | null;
  created_at: number;
}
interface ManifestRefsTable {
  repository: string;
  digest: string;
  child: string;
  /** 'blob' (config, layer) or 'manifest' (index child). */
  kind: string;
}
interface TagsTable {
  repository: string;
  tag: string;
  digest: string;
  updated_at: number;
}
interface UploadsTable {
  id: string;
  repository: string;
  created_at: number;
}

export interface RegistrySchema {
  registry_repositories: RepositoriesTable;
  registry_blob_links: BlobLinksTable;
  registry_manifests: ManifestsTable;
  registry_manifest_refs: ManifestRefsTable;
  registry_tags: TagsTable;
  registry_uploads: UploadsTable;
}

const MIGRATIONS: Record<string, Migration> = {
  '2026-11-24-registry-0001': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('registry_repositories')
        .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('registry_blob_links')
        .addColumn('repository', 'varchar(255)', (c) => c.notNull())
        .addColumn('digest', 'varchar(140)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_blob_links_pk', ['repository', 'digest'])
        .execute();
      await db.schema.createIndex('registry_blob_links_digest').on('registry_blob_links').column('digest').execute();
      await db.schema
        .createTable('registry_manifests')
        .addColumn('repository', 'varchar(255)', (c) => c.notNull())
        .addColumn('digest', 'varchar(140)', (c) => c.notNull())
        .addColumn('media_type', 'varchar(255)', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('subject', 'varchar(140)')
        .addColumn('artifact_type', 'varchar(255)')
        .addColumn('annotations', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_manifests_pk', ['repository', 'digest'])
        .execute();
      await db.schema.createIndex('registry_manifests_subject').on('registry_manifests').columns(['repository', 'subject']).execute();
      await db.schema
        .createTable('registry_manifest_refs')
        .addColumn('repository', 'varchar(255)', (c) => c.notNull())
        .addColumn('digest', 'varchar(140)', (c) => c.notNull())
        .addColumn('child', 'varchar(140)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_manifest_refs_pk', ['repository', 'digest', 'child', 'kind'])
        .execute();
      await db.schema.createIndex('registry_manifest_refs_child').on('registry_manifest_refs').columns(['child']).execute();
      await db.schema
        .createTable('registry_tags')
        .addColumn('repository', 'varchar(255)', (c) => c.notNull())
        .addColumn('tag', 'varchar(128)', (c) => c.notNull())
        .addColumn('digest', 'varchar(140)', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_tags_pk', ['repository', 'tag'])
        .execute();
      await db.schema.createIndex('registry_tags_digest').on('registry_tags').columns(['repository', 'digest']).execute();
      await db.schema
        .createTable('registry_uploads')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('repository', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

export interface ManifestRecord {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly content: Buffer;
  readonly size: number;
  readonly subject: string | undefined;
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
  readonly createdAt: number;
}

export interface ReferrerRecord {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
}

export interface PutManifest {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly content: Buffer;
  readonly subject: string | undefined;
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
  readonly refs: readonly { readonly child: string; readonly kind: 'blob' | 'manifest' }[];
  readonly tag: string | undefined;
}

export interface Page {
  readonly n?: number;
  readonly last?: string;
}

export interface GcSnapshot {
  readonly manifests: readonly { repository: string; digest: string; subject: string | undefined; createdAt: number }[];
  readonly refs: readonly { repository: string; digest: string; child: string; kind: 'blob' | 'manifest' }[];
  readonly tags: readonly { repository: string; digest: string }[];
  readonly links: readonly { repository: string; digest: string; createdAt: number }[];
}

/** The registry's metadata store (SQLite or PostgreSQL through Kysely). */
export interface RegistryMetadata {
  readonly dialect: 'sqlite' | 'postgres';
  readonly location: string;
  ensureRepository(name: string): Promise<void>;
  repositoryExists(name: string): Promise<boolean>;
  listRepositories(page: Page): Promise<string[]>;
  linkBlob(repository: string, digest: string): Promise<void>;
  blobLinked(repository: string, digest: string): Promise<boolean>;
  /** Which of `digests` are linked into `repository`. */
  linkedBlobs(repository: string, digests: readonly string[]): Promise<Set<string>>;
  unlinkBlob(repository: string, digest: string): Promise<boolean>;
  putManifest(m: PutManifest): Promise<void>;
  getManifest(repository: string, digest: string): Promise<ManifestRecord | undefined>;
  /** Which of `digests` are manifests of `repository`. */
  existingManifests(repository: string, digests: readonly string[]): Promise<Set<string>>;
  resolveTag(repository: string, tag: string): Promise<string | undefined>;
  /** Delete a manifest and every tag pointing at it. */
  deleteManifest(repository: string, digest: string): Promise<boolean>;
  deleteTag(repository: string, tag: string): Promise<boolean>;
  listTags(repository: string, page: Page): Promise<string[]>;
  referrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerRecord[]>;
  createUpload(id: string, repository: string): Promise<void>;
  getUpload(id: string): Promise<{ repository: string; createdAt: number } | undefined>;
  /** Upload sessions open now (all replicas). */
  countUploads(): Promise<number>;
  deleteUpload(id: string): Promise<void>;
  /** GC: everything it needs to decide, read once. */
  gcSnapshot(): Promise<GcSnapshot>;
  /** GC: delete a manifest unless a tag points at it now or it is younger than `before`. */
  deleteManifestIfUntagged(repository: string, digest: string, before: number): Promise<boolean>;
  /** GC: delete a blob link unless it was (re)made at or after `before`. */
  deleteBlobLinkIfOlder(repository: string, digest: string, before: number): Promise<boolean>;
  /** GC: whether any repository links or any manifest references the blob (checked again just before deletion). */
  blobInUse(digest: string): Promise<boolean>;
  /** GC: upload sessions older than `before`. */
  staleUploads(before: number): Promise<string[]>;
  health(): Promise<void>;
  close(): Promise<void>;
}

type Db = Kysely<RegistrySchema>;

const num = (v: unknown): number => Number(v);

/** Open (and migrate) the metadata store at `url` (a SQLite path or a PostgreSQL URL). */
export async function openRegistryMetadata(url: string): Promise<RegistryMetadata> {
  const db: VouchDb<RegistrySchema> = openDb<RegistrySchema>(url);
  try {
    await migrate(db, MIGRATIONS);
  } catch (err) {
    await db.close();
    throw err;
  }
  return new KyselyMetadata(db);
}

class KyselyMetadata implements RegistryMetadata {
  readonly #db: VouchDb<RegistrySchema>;
  readonly #k: Db;

  constructor(db: VouchDb<RegistrySchema>) {
    this.#db = db;
    this.#k = db.kysely;
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.#db.dialect;
  }

  get location(): string {
    return this.#db.location;
  }

  async ensureRepository(name: string): Promise<void> {
    await ensureRepo(this.#k, name);
  }

  async repositoryExists(name: string): Promise<boolean> {
    const row = await this.#k.selectFrom('registry_repositories').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async listRepositories(page: Page): Promise<string[]> {
    const c = this.#db.dialect === 'postgres' ? sql` collate "C"` : sql``;
    let q = this.#k.selectFrom('registry_repositories').select('name').orderBy(sql`name${c}`);
    if (page.last !== undefined) q = q.where(sql<boolean>`name${c} > ${page.last}${c}`);
    if (page.n !== undefined) q = q.limit(page.n);
    return (await q.execute()).map((r) => r.name);
  }

  async linkBlob(repository: string, digest: string): Promise<void> {
    await this.#k.transaction().execute(async (tx) => {
      await ensureRepo(tx, repository);
      await tx
        .insertInto('registry_blob_links')
        .values({ repository, digest, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['repository', 'digest']).doUpdateSet({ created_at: Date.now() }))
        .execute();
    });
  }

  async blobLinked(repository: string, digest: string): Promise<boolean> {
    const row = await this.#k
      .selectFrom('registry_blob_links')
      .select('digest')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row !== undefined;
  }

  async linkedBlobs(repository: string, digests: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < digests.length; i += 500) {
      const part = digests.slice(i, i + 500);
      const rows = await this.#k
        .selectFrom('registry_blob_links')
        .select('digest')
        .where('repository', '=', repository)
        .where('digest', 'in', part)
        .execute();
      for (const r of rows) out.add(r.digest);
    }
    return out;
  }

  async unlinkBlob(repository: string, digest: string): Promise<boolean> {
    const r = await this.#k.deleteFrom('registry_blob_links').where('repository', '=', repository).where('digest', '=', digest).executeTakeFirst();
    return num(r.numDeletedRows) > 0;
  }

  async putManifest(m: PutManifest): Promise<void> {
    const now = Date.now();
    await this.#k.transaction().execute(async (tx) => {
      await ensureRepo(tx, m.repository);
      await tx
        .insertInto('registry_manifests')
        .values({
          repository: m.repository,
          digest: m.digest,
          media_type: m.mediaType,
          content: m.content.toString('utf8'),
          size: m.content.length,
          subject: m.subject ?? null,
          artifact_type: m.artifactType ?? null,
          annotations: m.annotations === undefined ? null : JSON.stringify(m.annotations),
          created_at: now,
        })
        // Same digest, same bytes; a re-push refreshes the age GC looks at.
        .onConflict((oc) => oc.columns(['repository', 'digest']).doUpdateSet({ created_at: now }))
        .execute();
      const refs = [...new Map(m.refs.map((r) => [`${r.kind} ${r.child}`, r])).values()];
      for (let i = 0; i < refs.length; i += 200) {
        await tx
          .insertInto('registry_manifest_refs')
          .values(refs.slice(i, i + 200).map((r) => ({ repository: m.repository, digest: m.digest, child: r.child, kind: r.kind })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      if (m.tag !== undefined) {
        await tx
          .insertInto('registry_tags')
          .values({ repository: m.repository, tag: m.tag, digest: m.digest, updated_at: now })
          .onConflict((oc) => oc.columns(['repository', 'tag']).doUpdateSet({ digest: m.digest, updated_at: now }))
          .execute();
      }
    });
  }

  async getManifest(repository: string, digest: string): Promise<ManifestRecord | undefined> {
    const row = await this.#k
      .selectFrom('registry_manifests')
      .selectAll()
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      repository: row.repository,
      digest: row.digest,
      mediaType: row.media_type,
      content: Buffer.from(row.content, 'utf8'),
      size: num(row.size),
      subject: row.subject ?? undefined,
      artifactType: row.artifact_type ?? undefined,
      annotations: row.annotations === null ? undefined : (JSON.parse(row.annotations) as Record<string, string>),
      createdAt: num(row.created_at),
    };
  }

  async existingManifests(repository: string, digests: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < digests.length; i += 500) {
      const rows = await this.#k
        .selectFrom('registry_manifests')
        .select('digest')
        .where('repository', '=', repository)
        .where('digest', 'in', digests.slice(i, i + 500))
        .execute();
      for (const r of rows) out.add(r.digest);
    }
    return out;
  }

  async resolveTag(repository: string, tag: string): Promise<string | undefined> {
    const row = await this.#k.selectFrom('registry_tags').select('digest').where('repository', '=', repository).where('tag', '=', tag).executeTakeFirst();
    return row?.digest;
  }

  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    return this.#k.transaction().execute(async (tx) => {
      const r = await tx.deleteFrom('registry_manifests').where('repository', '=', repository).where('digest', '=', digest).executeTakeFirst();
      await tx.deleteFrom('registry_tags').where('repository', '=', repository).where('digest', '=', digest).execute();
      await tx.deleteFrom('registry_manifest_refs').where('repository', '=', repository).where('digest', '=', digest).execute();
      return num(r.numDeletedRows) > 0;
    });
  }

  async deleteTag(repository: string, tag: string): Promise<boolean> {
    const r = await this.#k.deleteFrom('registry_tags').where('repository', '=', repository).where('tag', '=', tag).executeTakeFirst();
    return num(r.numDeletedRows) > 0;
  }

  async listTags(repository: string, page: Page): Promise<string[]> {
    // Spec end-8a: "lexical order (i.e. case-insensitive alphanumeric order)"; ties (`B`, `b`)
    // by byte order. PostgreSQL compares with the "C" collation so both backends page alike.
    const c = this.#db.dialect === 'postgres' ? sql` collate "C"` : sql``;
    const folded = sql<string>`lower(tag)${c}`;
    const exact = sql<string>`tag${c}`;
    let q = this.#k.selectFrom('registry_tags').select('tag').where('repository', '=', repository).orderBy(folded).orderBy(exact);
    if (page.last !== undefined) {
      const last = page.last;
      q = q.where(sql<boolean>`(${folded} > lower(${last})${c} or (${folded} = lower(${last})${c} and ${exact} > ${last}${c}))`);
    }
    if (page.n !== undefined) q = q.limit(page.n);
    return (await q.execute()).map((r) => r.tag);
  }

  async referrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerRecord[]> {
    let q = this.#k
      .selectFrom('registry_manifests')
      .select(['digest', 'media_type', 'size', 'artifact_type', 'annotations'])
      .where('repository', '=', repository)
      .where('subject', '=', subject)
      .orderBy('created_at')
      .orderBy('digest')
      .limit(10_000);
    if (artifactType !== undefined) q = q.where('artifact_type', '=', artifactType);
    return (await q.execute()).map((r) => ({
      digest: r.digest,
      mediaType: r.media_type,
      size: num(r.size),
      artifactType: r.artifact_type ?? undefined,
      annotations: r.annotations === null ? undefined : (JSON.parse(r.annotations) as Record<string, string>),
    }));
  }

  async createUpload(id: string, repository: string): Promise<void> {
    await this.#k.insertInto('registry_uploads').values({ id, repository, created_at: Date.now() }).execute();
  }

  async getUpload(id: string): Promise<{ repository: string; createdAt: number } | undefined> {
    const row = await this.#k.selectFrom('registry_uploads').select(['repository', 'created_at']).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : { repository: row.repository, createdAt: num(row.created_at) };
  }

  async countUploads(): Promise<number> {
    const row = await this.#k.selectFrom('registry_uploads').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return num(row?.n ?? 0);
  }

  async deleteUpload(id: string): Promise<void> {
    await this.#k.deleteFrom('registry_uploads').where('id', '=', id).execute();
  }

  async gcSnapshot(): Promise<GcSnapshot> {
    const manifests = await this.#k.selectFrom('registry_manifests').select(['repository', 'digest', 'subject', 'created_at']).execute();
    const refs = await this.#k.selectFrom('registry_manifest_refs').select(['repository', 'digest', 'child', 'kind']).execute();
    const tags = await this.#k.selectFrom('registry_tags').select(['repository', 'digest']).execute();
    const links = await this.#k.selectFrom('registry_blob_links').select(['repository', 'digest', 'created_at']).execute();
    return {
      manifests: manifests.map((m) => ({ repository: m.repository, digest: m.digest, subject: m.subject ?? undefined, createdAt: num(m.created_at) })),
      refs: refs.map((r) => ({ repository: r.repository, digest: r.digest, child: r.child, kind: r.kind as 'blob' | 'manifest' })),
      tags,
      links: links.map((l) => ({ repository: l.repository, digest: l.digest, createdAt: num(l.created_at) })),
    };
  }

  async deleteManifestIfUntagged(repository: string, digest: string, before: number): Promise<boolean> {
    return this.#k.transaction().execute(async (tx) => {
      const tagged = await tx.selectFrom('registry_tags').select('tag').where('repository', '=', repository).where('digest', '=', digest).executeTakeFirst();
      if (tagged !== undefined) return false;
      const r = await tx
        .deleteFrom('registry_manifests')
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .where('created_at', '<', before)
        .executeTakeFirst();
      if (num(r.numDeletedRows) === 0) return false;
      await tx.deleteFrom('registry_manifest_refs').where('repository', '=', repository).where('digest', '=', digest).execute();
      return true;
    });
  }

  async deleteBlobLinkIfOlder(repository: string, digest: string, before: number): Promise<boolean> {
    const r = await this.#k
      .deleteFrom('registry_blob_links')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .where('created_at', '<', before)
      .executeTakeFirst();
    return num(r.numDeletedRows) > 0;
  }

  async blobInUse(digest: string): Promise<boolean> {
    const link = await this.#k.selectFrom('registry_blob_links').select('repository').where('digest', '=', digest).executeTakeFirst();
    if (link !== undefined) return true;
    const ref = await this.#k.selectFrom('registry_manifest_refs').select('repository').where('child', '=', digest).where('kind', '=', 'blob').executeTakeFirst();
    return ref !== undefined;
  }

  async staleUploads(before: number): Promise<string[]> {
    return (await this.#k.selectFrom('registry_uploads').select('id').where('created_at', '<', before).execute()).map((r) => r.id);
  }

  async health(): Promise<void> {
    await sql`select 1`.execute(this.#k);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

async function ensureRepo(k: Db | Transaction<RegistrySchema>, name: string): Promise<void> {
  await k.insertInto('registry_repositories').values({ name, created_at: Date.now() }).onConflict((oc) => oc.column('name').doNothing()).execute();
}
