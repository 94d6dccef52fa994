/** `openAdvisoryDb`: the index opened read-only for matching, its schema version checked. */
import { DatabaseSync } from 'node:sqlite';
import { VouchError } from '../../core/index.ts';
import { readMeta, SCHEMA_VERSION } from './schema.ts';

/**
 * Open the advisory index at `dbPath` read-only. Throws TARGET_NOT_FOUND when there is none and
 * ADVISORY_DB_SCHEMA when another Vouch version built it (it is rebuilt by importing again).
 */
export function openAdvisoryDb(dbPath: string): DatabaseSync {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(dbPath, { readOnly: true });
  } catch (err) {
    throw new VouchError('TARGET_NOT_FOUND', `no advisory database at ${dbPath}`, { cause: err, hint: 'run `vouch db import` first' });
  }
  let version: string | undefined;
  try {
    version = readMeta(db, 'schema_version');
  } catch (err) {
    db.close();
    throw new VouchError('PARSE_ERROR', `${dbPath} is not a Vouch advisory database`, { cause: err });
  }
  if (version !== String(SCHEMA_VERSION)) {
    db.close();
    throw new VouchError('ADVISORY_DB_SCHEMA', `advisory database ${dbPath} has schema version ${version ?? 'none'}, this Vouch reads ${SCHEMA_VERSION}`, {
      hint: 'run `vouch db import <sources>` again (or `vouch db import --force`) to rebuild it',
    });
  }
  return db;
}

/** When the index was built (ISO 8601), or undefined if it does not say: what a scan needs for its age warning. */
export function advisoryDbBuiltAt(db: DatabaseSync): string | undefined {
  return readMeta(db, 'built_at');
}
