/** `dbStatus`: what an advisory index holds, per ecosystem, and how old it is. */
import { DatabaseSync } from 'node:sqlite';
import { VouchError } from '../../core/index.ts';
import { readMeta, SCHEMA_VERSION } from './schema.ts';

export interface EcosystemCount {
  readonly ecosystem: string;
  /** Advisories with at least one affected package in this ecosystem (withdrawn included). */
  readonly advisories: number;
  readonly withdrawn: number;
}

export interface DbSourceStatus {
  readonly source: string;
  readonly kind: string;
  readonly sha256: string;
  readonly importedAt: string;
  readonly advisories: number;
  readonly skipped: number;
}

export interface DbStatus {
  readonly schemaVersion: number;
  readonly builtAt: string | undefined;
  /** Milliseconds since the build, per `now`. */
  readonly ageMs: number | undefined;
  readonly advisories: number;
  readonly withdrawn: number;
  readonly ecosystems: readonly EcosystemCount[];
  readonly sources: readonly DbSourceStatus[];
}

export interface DbStatusOptions {
  readonly now?: () => Date;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0;
}

export function dbStatus(dbPath: string, options: DbStatusOptions = {}): DbStatus {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(dbPath, { readOnly: true });
  } catch (err) {
    throw new VouchError('TARGET_NOT_FOUND', `no advisory database at ${dbPath}`, { cause: err, hint: 'run `vouch db import` first' });
  }
  try {
    const version = Number(readMeta(db, 'schema_version'));
    if (version !== SCHEMA_VERSION) {
      throw new VouchError('ADVISORY_DB_SCHEMA', `advisory database ${dbPath} has schema version ${version}, this Vouch reads ${SCHEMA_VERSION}`, { hint: 'run `vouch db import` again to rebuild it' });
    }
    const builtAt = readMeta(db, 'built_at');
    const built = builtAt === undefined ? NaN : Date.parse(builtAt);
    const totals = db.prepare('SELECT COUNT(*) AS n, COUNT(withdrawn) AS w FROM advisories').get();
    const ecosystems = db
      .prepare(
        'SELECT f.ecosystem AS ecosystem, COUNT(DISTINCT f.advisory_id) AS n, COUNT(DISTINCT CASE WHEN a.withdrawn IS NOT NULL THEN a.id END) AS w ' +
          'FROM affected f JOIN advisories a ON a.id = f.advisory_id GROUP BY f.ecosystem ORDER BY f.ecosystem',
      )
      .all()
      .map((r) => ({ ecosystem: String(r.ecosystem), advisories: num(r.n), withdrawn: num(r.w) }));
    const sources = db
      .prepare('SELECT source, kind, sha256, imported_at, advisories, skipped FROM sources ORDER BY source')
      .all()
      .map((r) => ({
        source: String(r.source), kind: String(r.kind), sha256: String(r.sha256), importedAt: String(r.imported_at),
        advisories: num(r.advisories), skipped: num(r.skipped),
      }));
    return {
      schemaVersion: version,
      builtAt,
      ageMs: Number.isNaN(built) ? undefined : (options.now ?? ((): Date => new Date()))().getTime() - built,
      advisories: num(totals?.n),
      withdrawn: num(totals?.w),
      ecosystems,
      sources,
    };
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('PARSE_ERROR', `${dbPath} is not a Vouch advisory database: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    db.close();
  }
}
