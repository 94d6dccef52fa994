/**
 * A finding's severity from its advisory: CVSS base scores computed from the vectors in OSV
 * `severity[]` (and `affected[].severity`, which wins for that package) with ae-cvss-calculator,
 * the newest CVSS version present preferred (v4 > v3.x > v2, the order OSV consumers such as
 * osv-scanner and grype use); when no vector gives a score, the advisory's own rating
 * (GitHub's `database_specific.severity`, Debian's urgency, OSV's `Ubuntu` severity type).
 *
 * Qualitative levels:
 * - CVSS v3.x (specification §5 "Qualitative Severity Rating Scale") and v4.0 (§6, the same
 *   table): 0.0 none, 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical.
 * - CVSS v2 has no scale in its specification; NVD's v2 ratings are used: 0.0–3.9 low, 4.0–6.9
 *   medium, 7.0–10.0 high.
 *
 * A vector the calculator cannot score (unknown version, a base metric missing) is skipped, the
 * next one is tried; nothing here throws on advisory data.
 */
import cvss from 'ae-cvss-calculator';

// ae-cvss-calculator is CommonJS: its classes come through the default export.
const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvss;

export type SeverityLevel = 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';

/** A finding's severity (scan/match `Finding.severity`). */
export interface FindingSeverity {
  readonly level: SeverityLevel;
  /** CVSS base score when a vector gave it. */
  readonly score?: number;
  /** The vector the score came from. */
  readonly vector?: string;
  readonly source: 'CVSS_V4' | 'CVSS_V3' | 'CVSS_V2' | 'advisory' | 'none';
}

/** What severityOf reads from an advisory (a subset of the OSV model). */
export interface SeverityInput {
  readonly severity?: readonly { readonly type: string; readonly score: string }[] | undefined;
  readonly database_specific?: unknown;
}

export type CvssVersion = 'CVSS_V4' | 'CVSS_V3' | 'CVSS_V2';

const PREFERENCE: readonly CvssVersion[] = ['CVSS_V4', 'CVSS_V3', 'CVSS_V2'];

/** Longest vector string accepted (a full v4 vector with every metric is under 300 characters). */
const MAX_VECTOR_LENGTH = 512;

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Scores already computed, by vector (advisories share vectors; the calculator is the import's hot spot). */
const scored = new Map<string, { version: CvssVersion; score: number } | null>();
const MAX_REMEMBERED = 50_000;

/** The base score of a CVSS vector, or undefined when it is not a complete, valid vector. */
export function cvssBaseScore(vector: string): { version: CvssVersion; score: number } | undefined {
  const known = scored.get(vector);
  if (known !== undefined) return known ?? undefined;
  const r = computeBaseScore(vector);
  if (scored.size >= MAX_REMEMBERED) scored.clear();
  scored.set(vector, r === undefined ? null : Object.freeze(r));
  return r;
}

function computeBaseScore(vector: string): { version: CvssVersion; score: number } | undefined {
  const v = vector.trim();
  if (v.length === 0 || v.length > MAX_VECTOR_LENGTH) return undefined;
  try {
    let version: CvssVersion;
    let base: number | undefined;
    if (v.startsWith('CVSS:4.0/')) {
      version = 'CVSS_V4';
      base = new Cvss4P0(v).calculateScores().base;
    } else if (v.startsWith('CVSS:3.1/')) {
      version = 'CVSS_V3';
      base = new Cvss3P1(v).calculateScores().base;
    } else if (v.startsWith('CVSS:3.0/')) {
      version = 'CVSS_V3';
      base = new Cvss3P0(v).calculateScores().base;
    } else if (/^(\(?)AV:[LAN]\/AC:[HML]\/Au:[MSN]\//.test(v)) {
      version = 'CVSS_V2';
      base = new Cvss2(v.replace(/^\(|\)$/g, '')).calculateScores().base;
    } else {
      return undefined;
    }
    if (typeof base !== 'number' || !Number.isFinite(base) || base < 0 || base > 10) return undefined;
    return { version, score: round1(base) };
  } catch {
    return undefined;
  }
}

/** CVSS qualitative rating of a base score (see the module comment). */
export function cvssLevel(version: CvssVersion, score: number): SeverityLevel {
  if (version === 'CVSS_V2') return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  if (score === 0) return 'none';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

/**
 * A database's own word for severity → level: GitHub (LOW, MODERATE, HIGH, CRITICAL), Debian
 * urgency (unimportant, low, medium, high; `*` marks an estimate: `low*`, `medium**`), Ubuntu
 * priority (negligible, low, medium, high, critical). Anything else (`not yet assigned`,
 * `end-of-life`) is undefined.
 */
export function ratingLevel(rating: string): SeverityLevel | undefined {
  switch (rating.trim().replace(/\*+$/, '').toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
    case 'important':
      return 'high';
    case 'moderate':
    case 'medium':
      return 'medium';
    case 'low':
    case 'unimportant':
    case 'negligible':
      return 'low';
    default:
      return undefined;
  }
}

const UNKNOWN: FindingSeverity = Object.freeze({ level: 'unknown', source: 'none' });

function fromVectors(list: SeverityInput['severity']): FindingSeverity | undefined {
  if (list === undefined) return undefined;
  for (const want of PREFERENCE) {
    for (const s of list) {
      if (s.type !== want || typeof s.score !== 'string') continue;
      const r = cvssBaseScore(s.score);
      // A CVSS_V3-typed entry holding a v2 vector is scored as what it is.
      if (r === undefined || r.version !== want) continue;
      return { level: cvssLevel(r.version, r.score), score: r.score, vector: s.score.trim(), source: r.version };
    }
  }
  return undefined;
}

function fromRating(input: SeverityInput): FindingSeverity | undefined {
  const ds = input.database_specific;
  if (typeof ds === 'object' && ds !== null && !Array.isArray(ds)) {
    const s = (ds as Record<string, unknown>).severity ?? (ds as Record<string, unknown>).urgency;
    if (typeof s === 'string') {
      const level = ratingLevel(s);
      if (level !== undefined) return { level, source: 'advisory' };
    }
  }
  for (const s of input.severity ?? []) {
    if (s.type === 'Ubuntu' && typeof s.score === 'string') {
      const level = ratingLevel(s.score);
      if (level !== undefined) return { level, source: 'advisory' };
    }
  }
  return undefined;
}

/**
 * The severity of an advisory for one of its `affected[]` entries: that entry's vectors, else the
 * advisory's vectors, else the entry's rating, else the advisory's rating, else unknown.
 */
export function severityOf(advisory: SeverityInput, affected?: SeverityInput): FindingSeverity {
  return (
    (affected === undefined ? undefined : fromVectors(affected.severity)) ??
    fromVectors(advisory.severity) ??
    (affected === undefined ? undefined : fromRating(affected)) ??
    fromRating(advisory) ??
    UNKNOWN
  );
}

const SOURCE_RANK: Readonly<Record<FindingSeverity['source'], number>> = { CVSS_V4: 0, CVSS_V3: 1, CVSS_V2: 2, advisory: 3, none: 4 };

/** Of several advisories' severities for one vulnerability, the best-founded one (v4 > v3 > v2 > rating); the first on ties. */
export function preferSeverity(list: readonly FindingSeverity[]): FindingSeverity {
  let best: FindingSeverity = UNKNOWN;
  for (const s of list) if (SOURCE_RANK[s.source] < SOURCE_RANK[best.source]) best = s;
  return best;
}

const LEVELS: readonly SeverityLevel[] = ['unknown', 'none', 'low', 'medium', 'high', 'critical'];

/** Order of levels for thresholds: unknown < none < low < medium < high < critical. */
export function severityRank(level: SeverityLevel): number {
  return LEVELS.indexOf(level);
}
