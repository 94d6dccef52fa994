/**
 * The advisory index's SQLite schema (node:sqlite). Bump SCHEMA_VERSION on any change: an index
 * with another version is rebuilt from its sources, never migrated in place.
 */
import type { DatabaseSync } from 'node:sqlite';

/**
 * 2: `affected.severity` (the finding severity computed at import, scan/severity) and
 * `affected.state`/`affected.note` (distro states: Debian `no-dsa`, `ignored`).
 */
export const SCHEMA_VERSION = 2;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS sources (
  source TEXT PRIMARY KEY, kind TEXT NOT NULL, sha256 TEXT NOT NULL, imported_at TEXT NOT NULL,
  advisories INTEGER NOT NULL, skipped INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS advisories (
  id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT NOT NULL, published TEXT, withdrawn TEXT,
  summary TEXT, severity TEXT NOT NULL, aliases TEXT NOT NULL, json TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS affected (
  advisory_id TEXT NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL, purl TEXT,
  ranges TEXT NOT NULL, versions TEXT NOT NULL, severity TEXT NOT NULL, state TEXT, note TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS aliases (alias TEXT NOT NULL, advisory_id TEXT NOT NULL) STRICT;
`;

/** The indexes (matching looks up affected by (ecosystem, name); deletes go by advisory and source). */
export const INDEXES_SQL = `
CREATE INDEX IF NOT EXISTS advisories_source ON advisories (source);
CREATE INDEX IF NOT EXISTS affected_package ON affected (ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_advisory ON affected (advisory_id);
CREATE INDEX IF NOT EXISTS aliases_alias ON aliases (alias);
CREATE INDEX IF NOT EXISTS aliases_advisory ON aliases (advisory_id);
`;

export function readMeta(db: DatabaseSync, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key);
  return row !== undefined && typeof row.value === 'string' ? row.value : undefined;
}

export function writeMeta(db: DatabaseSync, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
