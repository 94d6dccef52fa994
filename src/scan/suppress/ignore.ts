/**
 * `.vouchignore`: YAML, either a list or `{ignore: [...]}`, each entry
 *
 *     - id: CVE-2022-1234          # or ids: [CVE-..., GHSA-...]
 *       package: pkg:npm/lodash    # optional: a purl (version optional) or a package name
 *       expires: 2026-12-31        # optional: valid through that day (UTC)
 *       reason: not reachable from our code
 *
 * An expired entry no longer suppresses and is reported. The file is bounded (size, entries,
 * YAML aliases) and any other shape is an IGNORE_FILE_INVALID error naming the entry.
 */
import { parse as parseYaml } from 'yaml';
import { VouchError } from '../../core/index.ts';
import { purlMatches } from './purl-match.ts';
import type { IgnoreRule, SuppressionTarget } from './types.ts';

export const IGNORE_FILE_NAME = '.vouchignore';
export const MAX_IGNORE_BYTES = 1024 * 1024;
export const MAX_IGNORE_ENTRIES = 10_000;

function bad(file: string, message: string): VouchError {
  return new VouchError('IGNORE_FILE_INVALID', `${file}: ${message}`, { hint: 'entries need `id` (or `ids`), optionally `package`, `expires` (YYYY-MM-DD) and `reason`' });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expiryOf(v: unknown, file: string, index: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = v instanceof Date ? v.toISOString() : typeof v === 'string' ? v.trim() : undefined;
  if (s === undefined || Number.isNaN(expiryTime(s))) throw bad(file, `entry ${index}: expires must be a date (YYYY-MM-DD), got ${JSON.stringify(v)}`);
  return s;
}

/** The instant an entry stops suppressing: the end of a `YYYY-MM-DD` day (UTC), or the timestamp. */
export function expiryTime(expires: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(expires)) {
    const t = Date.parse(`${expires}T00:00:00Z`);
    return Number.isNaN(t) ? NaN : t + 86_400_000;
  }
  return /^\d{4}-\d{2}-\d{2}[T ]/.test(expires) ? Date.parse(expires) : NaN;
}

export function isExpired(rule: IgnoreRule, now: Date): boolean {
  return rule.expires !== undefined && now.getTime() >= expiryTime(rule.expires);
}

/** Parse a `.vouchignore` file's text. `file` names it in messages and reports. */
export function parseIgnoreFile(text: string, file: string): IgnoreRule[] {
  if (Buffer.byteLength(text) > MAX_IGNORE_BYTES) throw bad(file, `larger than ${MAX_IGNORE_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    throw bad(file, `not YAML: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}`);
  }
  if (doc === null || doc === undefined) return [];
  const list = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.ignore) ? doc.ignore : isObject(doc) && doc.ignore == null && Object.keys(doc).length === 1 && 'ignore' in doc ? [] : undefined;
  if (list === undefined) throw bad(file, 'expected a list of entries, or `ignore:` with a list');
  if (list.length > MAX_IGNORE_ENTRIES) throw bad(file, `more than ${MAX_IGNORE_ENTRIES} entries`);
  return list.map((e: unknown, i): IgnoreRule => {
    const index = i + 1;
    if (typeof e === 'string' && e.trim() !== '') return { ids: [e.trim()], file, index };
    if (!isObject(e)) throw bad(file, `entry ${index} is not a mapping`);
    for (const k of Object.keys(e)) {
      if (!['id', 'ids', 'package', 'expires', 'reason'].includes(k)) throw bad(file, `entry ${index}: unknown key "${k}"`);
    }
    const ids: string[] = [];
    if (typeof e.id === 'string' && e.id.trim() !== '') ids.push(e.id.trim());
    else if (e.id !== undefined) throw bad(file, `entry ${index}: id must be a string`);
    if (Array.isArray(e.ids)) {
      for (const x of e.ids as unknown[]) {
        if (typeof x !== 'string' || x.trim() === '') throw bad(file, `entry ${index}: ids must be strings`);
        ids.push(x.trim());
      }
    } else if (e.ids !== undefined) throw bad(file, `entry ${index}: ids must be a list`);
    if (ids.length === 0) throw bad(file, `entry ${index}: no id`);
    if (e.package !== undefined && (typeof e.package !== 'string' || e.package.trim() === '')) throw bad(file, `entry ${index}: package must be a purl or a name`);
    if (e.reason !== undefined && typeof e.reason !== 'string') throw bad(file, `entry ${index}: reason must be a string`);
    const expires = expiryOf(e.expires, file, index);
    return {
      ids,
      ...(typeof e.package === 'string' ? { package: e.package.trim() } : {}),
      ...(expires === undefined ? {} : { expires }),
      ...(typeof e.reason === 'string' ? { reason: e.reason } : {}),
      file,
      index,
    };
  });
}

/** Does the rule (ignoring its expiry) name this finding? */
export function ignoreMatches(rule: IgnoreRule, f: SuppressionTarget): boolean {
  const ids = new Set([f.id, ...f.aliases].map((x) => x.toUpperCase()));
  if (!rule.ids.some((id) => ids.has(id.toUpperCase()))) return false;
  if (rule.package === undefined) return true;
  return rule.package.startsWith('pkg:') ? purlMatches(rule.package, f.purl) : rule.package === f.name;
}
