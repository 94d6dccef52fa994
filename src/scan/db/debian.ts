/**
 * The Debian security tracker's JSON export (https://security-tracker.debian.org/tracker/data/json):
 *
 *   { "<source package>": { "CVE-2023-4911": { "description": "...", "scope": "local",
 *       "debianbug": 123, "releases": { "bookworm": { "status": "resolved",
 *       "fixed_version": "2.36-9+deb12u3", "urgency": "high", "repositories": {...} } } } } }
 *
 * Streamed: the export is ~100 MB, so it is never parsed whole. `trackerPackages` walks the
 * top-level object byte by byte and hands out one package's value at a time (capped), which is
 * then `JSON.parse`d on its own; memory is bounded by the largest package (the kernel's). No
 * streaming JSON parser is among the dependencies, and this splitter needs only the JSON string
 * and nesting rules (RFC 8259 §2, §7): every structural byte is ASCII, so UTF-8 needs no decoding.
 *
 * Each (package, CVE, release) becomes one `affected` row of ecosystem `Debian:<version>` (the
 * OSV name for Debian releases), named by the *source* package, with an ECOSYSTEM range
 * `introduced 0` [+ `fixed <fixed_version>`], compared with dpkg's order — so a backported fix
 * (`2.36-9+deb12u3`) is honoured whatever the upstream version says. The tracker's states
 * (its "fixed in" semantics, https://security-team.debian.org/security_tracker.html):
 * - `resolved` with `fixed_version` "0": the release was never affected → no row.
 * - `resolved` with a version: affected below it.
 * - `open` / `undetermined`: affected, no fix yet. With `nodsa` (no DSA will be issued: a minor
 *   issue, maybe fixed in a point release) it stays affected, noted `no-dsa`; with
 *   `nodsa_reason: "ignored"` the team decided not to fix it → state `will_not_fix`; urgency
 *   `end-of-life` (no security support in that release) is also `will_not_fix`.
 * Rows are stored under the advisory id `DEBIAN-<CVE id>` (osv.dev's spelling), aliased to the CVE.
 */
import { createReadStream } from 'node:fs';
import { ratingLevel, type FindingSeverity } from '../severity/index.ts';

/** Debian codename → release number (the OSV ecosystem suffix). `sid` has no number and is skipped. */
export const DEBIAN_RELEASES: Readonly<Record<string, string>> = Object.freeze({
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
});

/** True when the start of a file looks like the tracker export: `{ "<pkg>": { "CVE-…` or `"TEMP-…`. */
export function looksLikeDebianTracker(head: string): boolean {
  return /^\uFEFF?\s*\{\s*"[^"\\]{1,200}"\s*:\s*\{\s*"(?:CVE|TEMP)-/.test(head);
}

export type TrackerItem = { readonly name: string; readonly value: unknown } | { readonly name: string; readonly error: string };

class TrackerSyntaxError extends Error {
  override readonly name = 'TrackerSyntaxError';
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_KEY_BYTES = 1024;

/**
 * Yield each top-level member of the tracker file: its key and its parsed value, or an error for
 * a value over `maxValueBytes` or one that is not valid JSON (the walk goes on). A file that is
 * not a JSON object throws.
 */
export async function* trackerPackages(path: string, maxValueBytes: number, maxPackages: number): AsyncGenerator<TrackerItem> {
  // state: 0 before '{', 1 expecting key or '}', 2 in key, 3 expecting ':', 4 expecting value, 5 in value, 6 after value, 7 done
  let state = 0;
  let key: number[] = [];
  let keyEscape = false;
  let parts: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  let depth = 0;
  let inString = false;
  let escape = false;
  let count = 0;
  let offset = 0;
  const fail = (msg: string): never => {
    throw new TrackerSyntaxError(`not a Debian tracker JSON object: ${msg} at byte ${offset}`);
  };
  const finish = (name: string): TrackerItem => {
    if (tooBig) return { name, error: `package entry over ${maxValueBytes} bytes; skipped` };
    const text = Buffer.concat(parts, size).toString('utf8');
    try {
      return { name, value: JSON.parse(text) as unknown };
    } catch (err) {
      return { name, error: `bad JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
  };
  for await (const raw of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const chunk = raw as Buffer;
    let start = state === 5 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++, offset++) {
      const c = chunk[i]!;
      if (state === 4) {
        if (WS.has(c)) continue;
        state = 5;
        start = i;
        parts = [];
        size = 0;
        tooBig = false;
        depth = 0;
        inString = false;
        escape = false;
      }
      if (state === 5) {
        let end = -1;
        if (inString) {
          if (escape) escape = false;
          else if (c === BACKSLASH) escape = true;
          else if (c === QUOTE) {
            inString = false;
            if (depth === 0) end = i + 1;
          }
        } else if (c === QUOTE) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (depth === 0) {
            // end of a primitive value at the closing brace of the top-level object
            end = i;
          } else if (--depth === 0) end = i + 1;
        } else if (c === 0x2c && depth === 0) end = i;
        if (end < 0) continue;
        const piece = chunk.subarray(start, end);
        if (!tooBig) {
          size += piece.length;
          if (size > maxValueBytes) tooBig = true;
          else parts.push(piece);
        }
        const name = Buffer.from(key).toString('utf8');
        let decoded: string;
        try {
          decoded = JSON.parse(`"${name}"`) as string;
        } catch {
          decoded = name;
        }
        if (++count > maxPackages) fail(`more than ${maxPackages} packages`);
        yield finish(decoded);
        parts = [];
        size = 0;
        state = 6;
        // a primitive ended on ',' or '}': let state 6 see that byte
        if (end === i) {
          i--;
          offset--;
        }
        continue;
      }
      switch (state) {
        case 0:
          if (c === 0x7b) state = 1;
          else if (!WS.has(c) && !(offset < 3 && (c === 0xef || c === 0xbb || c === 0xbf))) fail('expected "{"');
          break;
        case 1:
        case 6:
          if (WS.has(c)) break;
          if (c === 0x7d) state = 7;
          else if (state === 6 && c === 0x2c) state = 1;
          else if (state === 1 && c === QUOTE) {
            state = 2;
            key = [];
            keyEscape = false;
          } else fail('expected a package name');
          break;
        case 2:
          if (keyEscape) keyEscape = false;
          else if (c === BACKSLASH) keyEscape = true;
          else if (c === QUOTE) {
            state = 3;
            break;
          }
          if (key.length >= MAX_KEY_BYTES) fail('package name too long');
          key.push(c);
          break;
        case 3:
          if (c === 0x3a) state = 4;
          else if (!WS.has(c)) fail('expected ":"');
          break;
        default:
          if (!WS.has(c)) fail('data after the end of the object');
      }
    }
    if (state === 5 && start >= 0) {
      const piece = chunk.subarray(start);
      if (!tooBig) {
        size += piece.length;
        // copy: the stream may reuse its buffers
        if (size > maxValueBytes) tooBig = true;
        else parts.push(Buffer.from(piece));
      }
    }
  }
  if (state !== 7) fail('unexpected end of file');
}

export { TrackerSyntaxError };

/** One `affected` row from the tracker. */
export interface TrackerRow {
  readonly advisoryId: string;
  readonly aliases: readonly string[];
  readonly description: string | undefined;
  readonly ecosystem: string;
  readonly name: string;
  readonly fixed: string | undefined;
  readonly severity: FindingSeverity;
  readonly state: 'affected' | 'will_not_fix';
  readonly note: string | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MAX_DESCRIPTION = 4096;
const ISSUE_ID = /^(?:CVE-\d{4}-\d{4,}|TEMP-\d+-[0-9A-Fa-f]+)$/;

/**
 * The rows of one package's tracker entry, and the number of issue/release entries skipped as
 * malformed. Releases without a number (sid, experimental) are left out.
 */
export function trackerRows(pkg: string, value: unknown): { rows: TrackerRow[]; skipped: number } {
  const rows: TrackerRow[] = [];
  let skipped = 0;
  if (!isRecord(value)) return { rows, skipped: 1 };
  for (const [issue, entry] of Object.entries(value)) {
    if (!ISSUE_ID.test(issue) || !isRecord(entry) || !isRecord(entry.releases)) {
      skipped++;
      continue;
    }
    const description = typeof entry.description === 'string' ? entry.description.slice(0, MAX_DESCRIPTION) : undefined;
    for (const [codename, rel] of Object.entries(entry.releases)) {
      const number = DEBIAN_RELEASES[codename];
      if (number === undefined) continue;
      if (!isRecord(rel) || typeof rel.status !== 'string') {
        skipped++;
        continue;
      }
      const fixedVersion = typeof rel.fixed_version === 'string' && rel.fixed_version !== '' ? rel.fixed_version : undefined;
      if (rel.status === 'resolved') {
        if (fixedVersion === undefined) {
          skipped++;
          continue;
        }
        // "0": this release never had the vulnerable code.
        if (fixedVersion === '0') continue;
      } else if (rel.status !== 'open' && rel.status !== 'undetermined') {
        skipped++;
        continue;
      }
      const urgency = typeof rel.urgency === 'string' ? rel.urgency : undefined;
      const level = urgency === undefined ? undefined : ratingLevel(urgency);
      const nodsa = typeof rel.nodsa === 'string' || typeof rel.nodsa_reason === 'string';
      const ignored = rel.nodsa_reason === 'ignored' || urgency === 'end-of-life';
      const note = ignored ? (urgency === 'end-of-life' ? 'end-of-life' : 'ignored') : nodsa ? `no-dsa${typeof rel.nodsa === 'string' && rel.nodsa !== '' ? `: ${rel.nodsa}` : ''}` : undefined;
      rows.push({
        advisoryId: `DEBIAN-${issue}`,
        aliases: issue.startsWith('CVE-') ? [issue] : [],
        description,
        ecosystem: `Debian:${number}`,
        name: pkg,
        fixed: rel.status === 'resolved' ? fixedVersion : undefined,
        severity: level === undefined ? { level: 'unknown', source: 'none' } : { level, source: 'advisory' },
        state: ignored && rel.status !== 'resolved' ? 'will_not_fix' : 'affected',
        note: note?.slice(0, 512),
      });
    }
  }
  return { rows, skipped };
}
