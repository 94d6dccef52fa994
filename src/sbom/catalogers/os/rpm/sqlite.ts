/**
 * The header blobs of an rpm ≥ 4.16 SQLite database (`rpmdb.sqlite`: table
 * `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, rpm `lib/backend/sqlite.c`), read with
 * node:sqlite from memory (no temporary file). rpm opens it in WAL mode; an in-memory copy
 * cannot use WAL, so the copy's header is switched to the rollback journal first (bytes 18-19,
 * "file format write/read version", https://www.sqlite.org/fileformat.html §1.3.4). Committed
 * data still in a `-wal` file beside the database is not seen: the caller warns about it.
 *
 * A hostile database must not run code or loop: `Packages` must be a plain table (a view
 * could recurse forever) without generated columns (which could compute huge values).
 */
import { DatabaseSync } from 'node:sqlite';
import { FileParseError } from '../../../generic/index.ts';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export function isSqlite(data: Buffer): boolean {
  return data.length >= 100 && data.subarray(0, 16).equals(SQLITE_MAGIC);
}

export function sqliteBlobs(data: Buffer, maxRows: number): Buffer[] {
  if (!isSqlite(data)) throw new FileParseError('not an SQLite database');
  const copy = Buffer.from(data);
  if (copy[18] === 2) copy[18] = 1;
  if (copy[19] === 2) copy[19] = 1;
  const db = new DatabaseSync(':memory:');
  try {
    try {
      db.deserialize(copy);
    } catch (err) {
      throw new FileParseError(`not a readable SQLite database: ${(err as Error).message}`);
    }
    const table = db.prepare("SELECT type FROM sqlite_master WHERE name = 'Packages'").get();
    if (table === undefined) throw new FileParseError('SQLite database without a Packages table (not an rpmdb)');
    if (table.type !== 'table') throw new FileParseError('the Packages object of this SQLite database is not a table');
    const columns = db.prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')").all();
    if (!columns.some((c) => c.name === 'blob')) throw new FileParseError('the Packages table has no blob column');
    if (columns.some((c) => c.hidden === 2 || c.hidden === 3)) throw new FileParseError('the Packages table has generated columns');
    const out: Buffer[] = [];
    for (const row of db.prepare('SELECT blob FROM Packages ORDER BY hnum').iterate()) {
      if (out.length >= maxRows) throw new FileParseError(`more than ${maxRows} packages`);
      const b = row.blob;
      if (b instanceof Uint8Array) out.push(Buffer.from(b));
    }
    return out;
  } catch (err) {
    if (err instanceof FileParseError) throw err;
    throw new FileParseError(`SQLite error: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
