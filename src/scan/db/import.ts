/**
 * `importOsv`: stream OSV advisories from files, folders and `all.zip` archives into the SQLite
 * advisory index.
 *
 * Build aside, then swap: the new index is written to `<db>.tmp-<random>` (a copy of the current
 * one when its schema version matches, so unchanged sources are kept), and renamed over `<db>`
 * only after every transaction committed and the file was synced. Any failure (an I/O error, an
 * abort) deletes the temporary file and leaves the previous index untouched. Rename is atomic on
 * one file system, so readers see the old index or the new one, never a half-written one.
 *
 * Incremental: a source whose SHA-256 equals the one recorded for it is skipped; when every
 * source is unchanged nothing is written at all. A changed source's advisories are deleted and
 * imported again.
 *
 * One bad advisory (bad JSON, a wrong shape, over a limit, a zip-bomb entry) is recorded in the
 * source's `problems` and skipped; a source that cannot be read at all (missing, corrupt zip) is
 * recorded as failed, keeps what the previous index had from it, and the import goes on.
 *
 * Two sources may carry the same advisory id (OSV's per-ecosystem exports overlap, e.g. GHSA
 * entries): the one with the later `modified` is kept.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type Logger, silentLogger, VouchError, isVouchError } from '../../core/index.ts';
import { DEFAULT_OSV_LIMITS, normalizePackageName, parseOsv, type OsvAdvisory, type OsvLimits } from '../../formats/osv/index.ts';
import { severityOf, type FindingSeverity } from '../severity/index.ts';
import { trackerPackages, trackerRows, TrackerSyntaxError, type TrackerRow } from './debian.ts';
import { INDEXES_SQL, readMeta, SCHEMA_SQL, SCHEMA_VERSION, writeMeta } from './schema.ts';
import { downloadSource, fileSha256, folderSha256, isUrlSource, listJsonFiles, readCapped, sourceKind, splitUrlSource, type SourceKind } from './sources.ts';
import { zipJsonEntries, type ZipItem } from './zip.ts';

export interface ImportLimits extends OsvLimits {
  /** Largest advisory JSON (a file or an inflated zip entry), in bytes. */
  readonly maxAdvisoryBytes: number;
  /** Largest compression ratio of a zip entry. */
  readonly maxCompressionRatio: number;
  /** Most advisories per source (zip entries or folder files). */
  readonly maxAdvisoriesPerSource: number;
  /** Deepest folder nesting walked. */
  readonly maxDepth: number;
  /** Most problems recorded per source (all are counted). */
  readonly maxProblemsRecorded: number;
  /** Largest package entry of a Debian tracker export, in bytes. */
  readonly maxTrackerPackageBytes: number;
  /** Most packages in a Debian tracker export. */
  readonly maxTrackerPackages: number;
  /** Largest download of a URL source, in bytes. */
  readonly maxDownloadBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = Object.freeze({
  ...DEFAULT_OSV_LIMITS,
  maxAdvisoryBytes: 16 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxAdvisoriesPerSource: 2_000_000,
  maxDepth: 32,
  maxProblemsRecorded: 1_000,
  maxTrackerPackageBytes: 256 * 1024 * 1024,
  maxTrackerPackages: 1_000_000,
  maxDownloadBytes: 2 * 1024 * 1024 * 1024,
});

export interface ImportOptions {
  readonly logger?: Logger;
  readonly limits?: Partial<ImportLimits>;
  /** Clock for the build time (tests). */
  readonly now?: () => Date;
  /** Re-import every source even when its digest is unchanged. */
  readonly force?: boolean;
  /** Stops the import; the previous index stays in use. */
  readonly signal?: AbortSignal;
  /** Called after each advisory stored (progress). */
  readonly onAdvisory?: (id: string) => void;
}

export interface ImportProblem {
  /** The file, or `archive.zip!entry.json`. */
  readonly location: string;
  readonly error: string;
}

export interface SourceReport {
  readonly source: string;
  readonly kind?: SourceKind;
  readonly sha256?: string;
  /** imported: read now; unchanged: same digest as recorded, not read; failed: unreadable, kept as it was. */
  readonly status: 'imported' | 'unchanged' | 'failed';
  readonly advisories: number;
  readonly skipped: number;
  readonly problems: readonly ImportProblem[];
}

export interface ImportReport {
  readonly dbPath: string;
  /** False when nothing changed and the index was not rewritten. */
  readonly written: boolean;
  readonly builtAt: string | undefined;
  readonly sources: readonly SourceReport[];
}

interface Planned {
  /** The source's key: its absolute path, or its URL. */
  readonly source: string;
  /** Where its bytes are: the path itself, or the downloaded copy of a URL. */
  readonly path: string;
  readonly kind: SourceKind;
  readonly sha256: string;
  readonly files?: readonly string[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Digests recorded in an existing index, or undefined when there is none or its schema differs. */
function recordedSources(dbPath: string): Map<string, string> | undefined {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(dbPath, { readOnly: true });
  } catch {
    return undefined;
  }
  try {
    if (readMeta(db, 'schema_version') !== String(SCHEMA_VERSION)) return undefined;
    const out = new Map<string, string>();
    for (const row of db.prepare('SELECT source, sha256 FROM sources').all()) {
      if (typeof row.source === 'string' && typeof row.sha256 === 'string') out.set(row.source, row.sha256);
    }
    return out;
  } catch {
    return undefined;
  } finally {
    db.close();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class Writer {
  readonly db: DatabaseSync;
  private readonly insertAdvisory;
  private readonly insertAffected;
  private readonly insertAlias;
  private readonly insertTrackerAdvisory;
  private readonly sourceOf;
  private readonly severities = new Map<string, string>();
  private readonly existing;
  private readonly deleteOne;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.insertAdvisory = db.prepare(
      'INSERT INTO advisories (id, source, modified, published, withdrawn, summary, severity, aliases, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertAffected = db.prepare(
      'INSERT INTO affected (advisory_id, ecosystem, name, purl, ranges, versions, severity, state, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertTrackerAdvisory = db.prepare(
      'INSERT INTO advisories (id, source, modified, published, withdrawn, summary, severity, aliases, json) VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.insertAlias = db.prepare('INSERT INTO aliases (alias, advisory_id) VALUES (?, ?)');
    this.existing = db.prepare('SELECT modified FROM advisories WHERE id = ?');
    this.sourceOf = db.prepare('SELECT source FROM advisories WHERE id = ?');
    this.deleteOne = (id: string): void => {
      db.prepare('DELETE FROM affected WHERE advisory_id = ?').run(id);
      db.prepare('DELETE FROM aliases WHERE advisory_id = ?').run(id);
      db.prepare('DELETE FROM advisories WHERE id = ?').run(id);
    };
  }

  deleteSource(source: string): void {
    const ids = 'SELECT id FROM advisories WHERE source = ?';
    this.db.prepare(`DELETE FROM affected WHERE advisory_id IN (${ids})`).run(source);
    this.db.prepare(`DELETE FROM aliases WHERE advisory_id IN (${ids})`).run(source);
    this.db.prepare('DELETE FROM advisories WHERE source = ?').run(source);
  }

  /** Store one advisory; false when a copy with a later `modified` is already stored. */
  put(source: string, adv: OsvAdvisory, json: string): boolean {
    const old = this.existing.get(adv.id);
    if (old !== undefined) {
      const oldTime = Date.parse(String(old.modified));
      const newTime = Date.parse(adv.modified);
      if (oldTime > newTime) return false;
      this.deleteOne(adv.id);
    }
    this.insertAdvisory.run(
      adv.id, source, adv.modified, adv.published ?? null, adv.withdrawn ?? null, adv.summary ?? null,
      JSON.stringify(adv.severity), JSON.stringify(adv.aliases), json,
    );
    for (const alias of new Set(adv.aliases)) this.insertAlias.run(alias, adv.id);
    for (const a of adv.affected) {
      // Entries without a package (e.g. GIT-only) cannot be matched by package; they stay in `json`.
      if (a.package === undefined) continue;
      this.insertAffected.run(
        adv.id, a.package.ecosystem, normalizePackageName(a.package.ecosystem, a.package.name), a.package.purl ?? null,
        JSON.stringify(a.ranges), JSON.stringify(a.versions), this.severityText(severityOf(adv, a)), null, null,
      );
    }
    return true;
  }

  /** Interned JSON of a severity (most rows share a handful). */
  private severityText(s: FindingSeverity): string {
    const key = `${s.source}|${s.level}|${s.score ?? ''}|${s.vector ?? ''}`;
    let text = this.severities.get(key);
    if (text === undefined) {
      text = JSON.stringify(s);
      if (this.severities.size < 100_000) this.severities.set(key, text);
    }
    return text;
  }

  /**
   * Store one Debian tracker row; its advisory row is shared by every package the issue names.
   * False when another source already holds an advisory of that id (osv.dev's Debian export uses
   * the same `DEBIAN-CVE-…` ids): that one is kept whole, rather than mixing the two.
   */
  putTracker(source: string, modified: string, row: TrackerRow): boolean {
    const isNew = this.insertTrackerAdvisory.run(
      row.advisoryId, source, modified, row.description ?? null, '[]', JSON.stringify(row.aliases),
      JSON.stringify({ id: row.advisoryId, aliases: row.aliases, details: row.description }),
    ).changes;
    if (Number(isNew) > 0) for (const alias of row.aliases) this.insertAlias.run(alias, row.advisoryId);
    else if (this.sourceOf.get(row.advisoryId)?.source !== source) return false;
    const events = row.fixed === undefined ? [{ kind: 'introduced', version: '0' }] : [{ kind: 'introduced', version: '0' }, { kind: 'fixed', version: row.fixed }];
    this.insertAffected.run(
      row.advisoryId, row.ecosystem, row.name, null, JSON.stringify([{ type: 'ECOSYSTEM', events }]), '[]',
      this.severityText(row.severity), row.state, row.note ?? null,
    );
    return true;
  }
}

/** A source's key in the index: the absolute path, or the URL without its `#sha256=` pin. */
function sourceKey(raw: string): string {
  return isUrlSource(raw) ? splitUrlSource(raw).url : resolve(raw);
}

/**
 * Import OSV advisories from `sources` into the index at `dbPath` (see the module comment).
 * A source is a path, or an `https://` URL (optionally `#sha256=<hex>` to pin its digest),
 * downloaded beside the index with a size cap and deleted after the import.
 */
export async function importOsv(sources: readonly string[], dbPath: string, options: ImportOptions = {}): Promise<ImportReport> {
  const downloads: string[] = [];
  try {
    return await importInto(sources, dbPath, options, downloads);
  } finally {
    for (const d of downloads) await rm(d, { force: true });
  }
}

async function importInto(sources: readonly string[], dbPath: string, options: ImportOptions, downloads: string[]): Promise<ImportReport> {
  const limits: ImportLimits = { ...DEFAULT_IMPORT_LIMITS, ...options.limits };
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? ((): Date => new Date());
  const reports = new Map<string, SourceReport>();
  const planned: Planned[] = [];
  const recorded = (await exists(dbPath)) ? recordedSources(dbPath) : undefined;

  for (const raw of sources) {
    const source = sourceKey(raw);
    try {
      let path = source;
      if (isUrlSource(raw)) {
        const { url, sha256: pinned } = splitUrlSource(raw);
        path = `${dbPath}.download-${randomBytes(6).toString('hex')}`;
        downloads.push(path);
        logger.info(`downloading ${url}`);
        await downloadSource(url, path, { maxBytes: limits.maxDownloadBytes, expectedSha256: pinned, signal: options.signal });
      }
      const kind = await sourceKind(path);
      const files = kind === 'folder' ? await listJsonFiles(path, { maxFiles: limits.maxAdvisoriesPerSource, maxDepth: limits.maxDepth }) : undefined;
      const sha256 = files === undefined ? await fileSha256(path) : await folderSha256(path, files);
      if (options.force !== true && recorded?.get(source) === sha256) {
        reports.set(source, { source, kind, sha256, status: 'unchanged', advisories: 0, skipped: 0, problems: [] });
      } else {
        planned.push({ source, path, kind, sha256, ...(files === undefined ? {} : { files }) });
      }
    } catch (err) {
      logger.warn(`advisory source ${source}: ${message(err)}; skipped`);
      reports.set(source, { source, status: 'failed', advisories: 0, skipped: 0, problems: [{ location: source, error: message(err) }] });
    }
  }
  const ordered = (): SourceReport[] => sources.map((s) => reports.get(sourceKey(s))).filter((r): r is SourceReport => r !== undefined);
  if (planned.length === 0 && recorded !== undefined) return { dbPath, written: false, builtAt: undefined, sources: ordered() };

  const tmp = `${dbPath}.tmp-${randomBytes(6).toString('hex')}`;
  let db: DatabaseSync | undefined;
  try {
    if (recorded !== undefined) await copyFile(dbPath, tmp);
    db = new DatabaseSync(tmp);
    // The file is private until the rename: no journal on disk is needed for crash safety. The
    // journal stays in memory so a failed source's transaction can still roll back (node:sqlite
    // runs in defensive mode, where `journal_mode = OFF` is silently refused anyway).
    db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;');
    db.exec(SCHEMA_SQL);
    // Indexes from the start: deleting a source's or a superseded advisory's rows uses them.
    db.exec(INDEXES_SQL);
    writeMeta(db, 'schema_version', String(SCHEMA_VERSION));
    const writer = new Writer(db);
    for (const p of planned) {
      reports.set(p.source, await importSource(writer, p, limits, options, logger));
    }
    db.exec('ANALYZE');
    const builtAt = now().toISOString();
    writeMeta(db, 'built_at', builtAt);
    db.close();
    db = undefined;
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dbPath);
    return { dbPath, written: true, builtAt, sources: ordered() };
  } catch (err) {
    throw isVouchError(err) ? err : new VouchError('IO_ERROR', `advisory import into ${dbPath} failed: ${message(err)}`, { cause: err });
  } finally {
    if (db !== undefined) {
      try {
        db.close();
      } catch {
        // already closed or broken: the file is removed below either way
      }
    }
    await rm(tmp, { force: true });
  }
}

/** The source as a whole could not be read (e.g. a corrupt zip central directory). */
class SourceReadError extends Error {
  override readonly name = 'SourceReadError';
}

async function* advisoryTexts(p: Planned, limits: ImportLimits): AsyncGenerator<{ location: string; text?: string; error?: string }> {
  if (p.kind === 'zip') {
    const entries = zipJsonEntries(p.path, { maxEntryBytes: limits.maxAdvisoryBytes, maxRatio: limits.maxCompressionRatio, maxEntries: limits.maxAdvisoriesPerSource });
    try {
      for (;;) {
        let next: IteratorResult<ZipItem>;
        try {
          next = await entries.next();
        } catch (err) {
          throw new SourceReadError(`not a readable zip archive: ${message(err)}`, { cause: err });
        }
        if (next.done === true) return;
        const item = next.value;
        const location = `${p.source}!${item.name}`;
        yield 'data' in item ? { location, text: item.data.toString('utf8') } : { location, error: item.error.message };
      }
    } finally {
      // An abort leaves this generator early: close the archive too.
      await entries.return(undefined);
    }
  }
  const files = p.kind === 'folder' ? (p.files ?? []).map((f) => join(p.path, f)) : [p.path];
  for (const f of files) {
    try {
      yield { location: f, text: (await readCapped(f, limits.maxAdvisoryBytes)).toString('utf8') };
    } catch (err) {
      yield { location: f, error: message(err) };
    }
  }
}

async function importSource(writer: Writer, p: Planned, limits: ImportLimits, options: ImportOptions, logger: Logger): Promise<SourceReport> {
  const problems: ImportProblem[] = [];
  let advisories = 0;
  let skipped = 0;
  const problem = (location: string, error: string): void => {
    skipped++;
    if (problems.length < limits.maxProblemsRecorded) problems.push({ location, error });
    logger.warn(`${location}: ${error}; skipped`);
  };
  writer.db.exec('BEGIN');
  try {
    writer.deleteSource(p.source);
    if (p.kind === 'debian-tracker') {
      const modified = (options.now ?? ((): Date => new Date()))().toISOString();
      const ids = new Set<string>();
      try {
        for await (const item of trackerPackages(p.path, limits.maxTrackerPackageBytes, limits.maxTrackerPackages)) {
          options.signal?.throwIfAborted();
          if ('error' in item) {
            problem(`${p.source}!${item.name}`, item.error);
            continue;
          }
          const { rows, skipped: bad } = trackerRows(item.name, item.value);
          if (bad > 0) problem(`${p.source}!${item.name}`, `${bad} malformed issue or release entries`);
          for (const row of rows) {
            if (!writer.putTracker(p.source, modified, row)) {
              problem(`${p.source}!${item.name}`, `${row.advisoryId} is already in the index from another source; kept from there`);
              continue;
            }
            if (!ids.has(row.advisoryId)) {
              ids.add(row.advisoryId);
              options.onAdvisory?.(row.advisoryId);
            }
          }
        }
      } catch (err) {
        if (err instanceof TrackerSyntaxError) throw new SourceReadError(err.message, { cause: err });
        throw err;
      }
      advisories = ids.size;
    } else {
      for await (const item of advisoryTexts(p, limits)) {
        options.signal?.throwIfAborted();
        if (item.text === undefined) {
          problem(item.location, item.error ?? 'unreadable');
          continue;
        }
        let adv: OsvAdvisory;
        let json: string;
        try {
          const value: unknown = JSON.parse(item.text);
          adv = parseOsv(value, limits);
          json = JSON.stringify(value);
        } catch (err) {
          problem(item.location, message(err));
          continue;
        }
        if (writer.put(p.source, adv, json)) {
          advisories++;
          options.onAdvisory?.(adv.id);
        }
      }
    }
    writer.db.prepare(
      'INSERT INTO sources (source, kind, sha256, imported_at, advisories, skipped) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (source) DO UPDATE SET kind = excluded.kind, sha256 = excluded.sha256, imported_at = excluded.imported_at, advisories = excluded.advisories, skipped = excluded.skipped',
    ).run(p.source, p.kind, p.sha256, (options.now ?? ((): Date => new Date()))().toISOString(), advisories, skipped);
    writer.db.exec('COMMIT');
    return { source: p.source, kind: p.kind, sha256: p.sha256, status: 'imported', advisories, skipped, problems };
  } catch (err) {
    writer.db.exec('ROLLBACK');
    if (!(err instanceof SourceReadError)) throw err;
    // The archive itself is unreadable (a corrupt central directory): keep what the index had.
    logger.warn(`advisory source ${p.source}: ${message(err)}; skipped`);
    return { source: p.source, kind: p.kind, sha256: p.sha256, status: 'failed', advisories: 0, skipped, problems: [...problems, { location: p.source, error: message(err) }] };
  }
}
