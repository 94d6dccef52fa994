/**
 * The OSV advisory format, schema 1.6 (https://ossf.github.io/osv-schema/), as a typed model.
 *
 * `parseOsv` checks the shapes the schema fixes (required fields, string/array/object types, the
 * closed enums for severity, range and reference types, one key per range event, `repo` on GIT
 * ranges) and throws a PARSE_ERROR naming the JSON path of the first problem. Fields the model
 * does not know are kept in `unknownFields` on the object that carried them (house rule 8, after
 * tuf-js `unrecognizedFields`), so a newer schema version passes through unchanged. Counts and
 * string lengths are bounded (house rule 7): an advisory over a limit is refused with
 * LIMIT_EXCEEDED, never truncated silently.
 */
import { VouchError } from '../../core/index.ts';

/** Schema 1.6 "severity[].type". */
export const OSV_SEVERITY_TYPES = ['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu'] as const;
export type OsvSeverityType = (typeof OSV_SEVERITY_TYPES)[number];
/** Schema 1.6 "affected[].ranges[].type". */
export const OSV_RANGE_TYPES = ['SEMVER', 'ECOSYSTEM', 'GIT'] as const;
export type OsvRangeType = (typeof OSV_RANGE_TYPES)[number];
/** Schema 1.6 "references[].type". */
export const OSV_REFERENCE_TYPES = [
  'ADVISORY', 'ARTICLE', 'DETECTION', 'DISCUSSION', 'REPORT', 'FIX', 'INTRODUCED', 'GIT', 'PACKAGE', 'EVIDENCE', 'WEB',
] as const;
export type OsvReferenceType = (typeof OSV_REFERENCE_TYPES)[number];
/** Schema 1.6 "events": each event object has exactly one of these keys. */
export const OSV_EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
export type OsvEventKind = (typeof OSV_EVENT_KINDS)[number];

type Json = unknown;
type Extra = Readonly<Record<string, Json>>;

export interface OsvSeverity {
  readonly type: OsvSeverityType;
  readonly score: string;
}

export interface OsvEvent {
  readonly kind: OsvEventKind;
  readonly version: string;
}

export interface OsvRange {
  readonly type: OsvRangeType;
  readonly repo?: string;
  readonly events: readonly OsvEvent[];
  readonly database_specific?: Json;
  readonly unknownFields?: Extra;
}

export interface OsvPackage {
  readonly ecosystem: string;
  readonly name: string;
  readonly purl?: string;
  readonly unknownFields?: Extra;
}

export interface OsvAffected {
  readonly package?: OsvPackage;
  readonly severity?: readonly OsvSeverity[];
  readonly ranges: readonly OsvRange[];
  readonly versions: readonly string[];
  readonly ecosystem_specific?: Json;
  readonly database_specific?: Json;
  readonly unknownFields?: Extra;
}

export interface OsvReference {
  readonly type: OsvReferenceType;
  readonly url: string;
}

export interface OsvAdvisory {
  readonly schema_version?: string;
  readonly id: string;
  readonly modified: string;
  readonly published?: string;
  readonly withdrawn?: string;
  readonly aliases: readonly string[];
  readonly related: readonly string[];
  readonly upstream: readonly string[];
  readonly summary?: string;
  readonly details?: string;
  readonly severity: readonly OsvSeverity[];
  readonly affected: readonly OsvAffected[];
  readonly references: readonly OsvReference[];
  readonly credits?: Json;
  readonly database_specific?: Json;
  readonly unknownFields?: Extra;
}

export interface OsvLimits {
  /** Longest string (details included), in UTF-16 code units. */
  readonly maxStringLength: number;
  /** Most `affected` entries per advisory. */
  readonly maxAffected: number;
  /** Most ranges per affected entry, and events per range. */
  readonly maxRanges: number;
  readonly maxEvents: number;
  /** Most explicit versions per affected entry (PyPI lists every affected release). */
  readonly maxVersions: number;
  /** Most aliases, related ids, references and severities per advisory. */
  readonly maxListItems: number;
}

export const DEFAULT_OSV_LIMITS: OsvLimits = Object.freeze({
  maxStringLength: 1024 * 1024,
  maxAffected: 10_000,
  maxRanges: 1_000,
  maxEvents: 10_000,
  maxVersions: 100_000,
  maxListItems: 10_000,
});

const TOP_KEYS = new Set([
  'schema_version', 'id', 'modified', 'published', 'withdrawn', 'aliases', 'related', 'upstream', 'summary', 'details',
  'severity', 'affected', 'references', 'credits', 'database_specific',
]);
const AFFECTED_KEYS = new Set(['package', 'severity', 'ranges', 'versions', 'ecosystem_specific', 'database_specific']);
const PACKAGE_KEYS = new Set(['ecosystem', 'name', 'purl']);
const RANGE_KEYS = new Set(['type', 'repo', 'events', 'database_specific']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  readonly limits: OsvLimits;
  constructor(limits: OsvLimits) {
    this.limits = limits;
  }

  fail(path: string, message: string): never {
    throw new VouchError('PARSE_ERROR', `OSV ${path}: ${message}`);
  }

  over(path: string, what: string, limit: number): never {
    throw new VouchError('LIMIT_EXCEEDED', `OSV ${path}: more than ${limit} ${what}`);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (!isObject(v)) this.fail(path, 'must be an object');
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, 'must be a string');
    if (v.length > this.limits.maxStringLength) this.over(path, 'characters', this.limits.maxStringLength);
    return v;
  }

  optString(v: unknown, path: string): string | undefined {
    return v === undefined ? undefined : this.string(v, path);
  }

  array(v: unknown, path: string, max: number): readonly unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(path, 'must be an array');
    if (v.length > max) this.over(path, 'items', max);
    return v as readonly unknown[];
  }

  strings(v: unknown, path: string, max: number): string[] {
    return this.array(v, path, max).map((s, i) => this.string(s, `${path}[${i}]`));
  }

  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
    const s = this.string(v, path);
    if (!(allowed as readonly string[]).includes(s)) this.fail(path, `"${s}" is not one of ${allowed.join(', ')}`);
    return s as T;
  }

  extra(o: Record<string, unknown>, known: ReadonlySet<string>): Extra | undefined {
    let out: Record<string, Json> | undefined;
    for (const k of Object.keys(o)) {
      if (known.has(k)) continue;
      out ??= {};
      out[k] = o[k];
    }
    return out;
  }
}

function withExtra<T extends object>(value: T, extra: Extra | undefined): T & { unknownFields?: Extra } {
  return extra === undefined ? value : { ...value, unknownFields: extra };
}

function parseSeverity(c: Checker, v: unknown, path: string): OsvSeverity[] {
  return c.array(v, path, c.limits.maxListItems).map((s, i) => {
    const o = c.object(s, `${path}[${i}]`);
    return { type: c.oneOf(o.type, `${path}[${i}].type`, OSV_SEVERITY_TYPES), score: c.string(o.score, `${path}[${i}].score`) };
  });
}

function parseRange(c: Checker, v: unknown, path: string): OsvRange {
  const o = c.object(v, path);
  const type = c.oneOf(o.type, `${path}.type`, OSV_RANGE_TYPES);
  const repo = c.optString(o.repo, `${path}.repo`);
  // Schema: "repo" is required when "type" is GIT.
  if (type === 'GIT' && repo === undefined) c.fail(`${path}.repo`, 'is required for a GIT range');
  const rawEvents = c.array(o.events, `${path}.events`, c.limits.maxEvents);
  if (rawEvents.length === 0) c.fail(`${path}.events`, 'must list at least one event');
  const events = rawEvents.map((e, i): OsvEvent => {
    const eo = c.object(e, `${path}.events[${i}]`);
    const keys = Object.keys(eo);
    const kind = keys.length === 1 ? keys[0] : undefined;
    if (kind === undefined || !(OSV_EVENT_KINDS as readonly string[]).includes(kind)) {
      c.fail(`${path}.events[${i}]`, `must have exactly one of ${OSV_EVENT_KINDS.join(', ')}`);
    }
    return { kind: kind as OsvEventKind, version: c.string(eo[kind], `${path}.events[${i}].${kind}`) };
  });
  const out: OsvRange = { type, events, ...(repo === undefined ? {} : { repo }), ...(o.database_specific === undefined ? {} : { database_specific: o.database_specific }) };
  return withExtra(out, c.extra(o, RANGE_KEYS));
}

function parsePackage(c: Checker, v: unknown, path: string): OsvPackage {
  const o = c.object(v, path);
  const purl = c.optString(o.purl, `${path}.purl`);
  const out: OsvPackage = { ecosystem: c.string(o.ecosystem, `${path}.ecosystem`), name: c.string(o.name, `${path}.name`), ...(purl === undefined ? {} : { purl }) };
  return withExtra(out, c.extra(o, PACKAGE_KEYS));
}

function parseAffected(c: Checker, v: unknown, path: string): OsvAffected {
  const o = c.object(v, path);
  const out: OsvAffected = {
    ...(o.package === undefined ? {} : { package: parsePackage(c, o.package, `${path}.package`) }),
    ...(o.severity === undefined ? {} : { severity: parseSeverity(c, o.severity, `${path}.severity`) }),
    ranges: c.array(o.ranges, `${path}.ranges`, c.limits.maxRanges).map((r, i) => parseRange(c, r, `${path}.ranges[${i}]`)),
    versions: c.strings(o.versions, `${path}.versions`, c.limits.maxVersions),
    ...(o.ecosystem_specific === undefined ? {} : { ecosystem_specific: c.object(o.ecosystem_specific, `${path}.ecosystem_specific`) }),
    ...(o.database_specific === undefined ? {} : { database_specific: c.object(o.database_specific, `${path}.database_specific`) }),
  };
  return withExtra(out, c.extra(o, AFFECTED_KEYS));
}

/** Parse one OSV advisory (already JSON-decoded). Throws VouchError PARSE_ERROR or LIMIT_EXCEEDED. */
export function parseOsv(value: unknown, limits: Partial<OsvLimits> = {}): OsvAdvisory {
  const c = new Checker({ ...DEFAULT_OSV_LIMITS, ...limits });
  const o = c.object(value, '$');
  const id = c.string(o.id, '$.id');
  if (id.length === 0) c.fail('$.id', 'must not be empty');
  const max = c.limits.maxListItems;
  const opt = (key: string): Record<string, string> => {
    const s = c.optString(o[key], `$.${key}`);
    return s === undefined ? {} : { [key]: s };
  };
  const advisory: OsvAdvisory = {
    ...opt('schema_version'),
    id,
    modified: c.string(o.modified, '$.modified'),
    ...opt('published'),
    ...opt('withdrawn'),
    aliases: c.strings(o.aliases, '$.aliases', max),
    related: c.strings(o.related, '$.related', max),
    upstream: c.strings(o.upstream, '$.upstream', max),
    ...opt('summary'),
    ...opt('details'),
    severity: parseSeverity(c, o.severity, '$.severity'),
    affected: c.array(o.affected, '$.affected', c.limits.maxAffected).map((a, i) => parseAffected(c, a, `$.affected[${i}]`)),
    references: c.array(o.references, '$.references', max).map((r, i) => {
      const ro = c.object(r, `$.references[${i}]`);
      return { type: c.oneOf(ro.type, `$.references[${i}].type`, OSV_REFERENCE_TYPES), url: c.string(ro.url, `$.references[${i}].url`) };
    }),
    ...(o.credits === undefined ? {} : { credits: c.array(o.credits, '$.credits', max) }),
    ...(o.database_specific === undefined ? {} : { database_specific: c.object(o.database_specific, '$.database_specific') }),
  };
  return withExtra(advisory, c.extra(o, TOP_KEYS));
}

/** Parse OSV JSON text. Throws VouchError PARSE_ERROR on bad JSON or a bad shape. */
export function parseOsvJson(text: string, limits: Partial<OsvLimits> = {}): OsvAdvisory {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new VouchError('PARSE_ERROR', `OSV: not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseOsv(value, limits);
}

/**
 * The package name as an index key: PyPI names are normalised per PEP 503
 * (`re.sub(r"[-_.]+", "-", name).lower()`), other ecosystems keep OSV's spelling.
 */
export function normalizePackageName(ecosystem: string, name: string): string {
  return ecosystem === 'PyPI' ? name.replace(/[-_.]+/g, '-').toLowerCase() : name;
}
