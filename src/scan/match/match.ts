/**
 * `matchPackages`: look packages up in the SQLite advisory index (src/scan/db) by
 * (OSV ecosystem, normalised name), evaluate each `affected[]` entry with the OSV algorithm
 * (./range.ts), and merge advisories that are one vulnerability under several ids.
 *
 * Merging: advisories matched for one package are grouped when their ids and `aliases` connect
 * (GHSA-x aliases CVE-y, GO-z aliases CVE-y → one group). Each group is one finding, reported
 * under its ecosystem-native id (GO-, RUSTSEC-, PYSEC-, ...) first, then GHSA-, then CVE-; the
 * other ids are its aliases.
 *
 * A package that cannot be matched (bad purl, a purl type without an OSV ecosystem, an ecosystem
 * without a version scheme) is recorded in `problems` and the others go on. Withdrawn advisories
 * (`withdrawn` set) never match.
 */
import type { DatabaseSync } from 'node:sqlite';
import { normalizePackageName, OSV_EVENT_KINDS, OSV_RANGE_TYPES, type OsvEvent, type OsvEventKind, type OsvRange, type OsvRangeType } from '../../formats/osv/index.ts';
import { parsePurl } from '../../formats/purl/index.ts';
import { schemeFor } from '../version/index.ts';
import { evaluateAffected } from './range.ts';

/** A package to match: by purl (its version is the purl's), or by OSV ecosystem and name. */
export type MatchPackage =
  | { readonly purl: string }
  | { readonly ecosystem: string; readonly name: string; readonly version: string };

export interface Finding {
  /** The package as given. */
  readonly package: MatchPackage;
  readonly ecosystem: string;
  /** The OSV name looked up (PyPI names normalised per PEP 503). */
  readonly name: string;
  readonly version: string;
  /** The advisory id the vulnerability is reported under. */
  readonly id: string;
  /** Every other id of the same vulnerability (aliases and merged advisories), sorted. */
  readonly aliases: readonly string[];
  /** Fixed versions above `version` from the ranges that include it, sorted by the scheme. */
  readonly fixed: readonly string[];
  readonly summary?: string;
  /** From the advisory's CVSS vectors (v4, else v3.x, else v2), else its own rating; filled by scan/severity. */
  readonly severity?: FindingSeverity;
  /** Distro advisories: the distro's own state (Debian `no-dsa` / `ignored` → `will_not_fix`). Absent = affected. */
  readonly state?: 'affected' | 'will_not_fix';
}

export type SeverityLevel = 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';

export interface FindingSeverity {
  readonly level: SeverityLevel;
  /** CVSS base score when a vector gave it. */
  readonly score?: number;
  /** The vector the score came from. */
  readonly vector?: string;
  readonly source: 'CVSS_V4' | 'CVSS_V3' | 'CVSS_V2' | 'advisory' | 'none';
}

export interface MatchProblem {
  readonly package: MatchPackage;
  readonly error: string;
}

export interface MatchResult {
  readonly findings: readonly Finding[];
  readonly problems: readonly MatchProblem[];
}

/** purl type → OSV ecosystem (https://ossf.github.io/osv-schema/#defined-ecosystems). */
export const PURL_TYPE_TO_ECOSYSTEM: Readonly<Record<string, string>> = Object.freeze({
  npm: 'npm',
  pypi: 'PyPI',
  golang: 'Go',
  cargo: 'crates.io',
  gem: 'RubyGems',
  composer: 'Packagist',
  maven: 'Maven',
  nuget: 'NuGet',
  hex: 'Hex',
});

interface Target {
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string;
}

/** OSV package coordinates of a purl: Maven `group:artifact`, npm/Go/Composer `namespace/name`. */
function targetOf(pkg: MatchPackage): Target | string {
  if (!('purl' in pkg)) return { ecosystem: pkg.ecosystem, name: normalizePackageName(pkg.ecosystem, pkg.name), version: pkg.version };
  const p = parsePurl(pkg.purl);
  const ecosystem = PURL_TYPE_TO_ECOSYSTEM[p.type];
  if (ecosystem === undefined) return `purl type "${p.type}" has no OSV ecosystem`;
  if (p.version === undefined || p.version === '') return `purl ${pkg.purl} has no version`;
  const ns = p.namespace;
  const name = ns === undefined || ns === '' ? p.name : ecosystem === 'Maven' ? `${ns}:${p.name}` : `${ns}/${p.name}`;
  return { ecosystem, name: normalizePackageName(ecosystem, name), version: p.version };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read back the `ranges` column (JSON of the parsed model) without trusting it. */
function readRanges(text: string): OsvRange[] | undefined {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) return undefined;
  const out: OsvRange[] = [];
  for (const r of value as unknown[]) {
    if (!isRecord(r) || typeof r.type !== 'string' || !(OSV_RANGE_TYPES as readonly string[]).includes(r.type) || !Array.isArray(r.events)) return undefined;
    const events: OsvEvent[] = [];
    for (const e of r.events as unknown[]) {
      if (!isRecord(e) || typeof e.kind !== 'string' || !(OSV_EVENT_KINDS as readonly string[]).includes(e.kind) || typeof e.version !== 'string') return undefined;
      events.push({ kind: e.kind as OsvEventKind, version: e.version });
    }
    out.push({ type: r.type as OsvRangeType, events });
  }
  return out;
}

function readStrings(text: string): string[] | undefined {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) && value.every((s) => typeof s === 'string') ? value : undefined;
}

interface Hit {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary: string | undefined;
  readonly fixed: readonly string[];
}

/** Lower ranks are preferred as the reported id. */
function idRank(id: string): number {
  if (id.startsWith('CVE-')) return 2;
  if (id.startsWith('GHSA-')) return 1;
  return 0;
}

function preferId(a: string, b: string): number {
  return idRank(a) - idRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Group hits whose ids/aliases connect (union-find over id strings). */
function mergeHits(hits: readonly Hit[]): Hit[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const h of hits) {
    parent.set(h.id, parent.get(h.id) ?? h.id);
    for (const alias of h.aliases) {
      parent.set(alias, parent.get(alias) ?? alias);
      union(h.id, alias);
    }
  }
  const groups = new Map<string, Hit[]>();
  for (const h of hits) {
    const root = find(h.id);
    const g = groups.get(root) ?? [];
    g.push(h);
    groups.set(root, g);
  }
  return [...groups.values()];
}

/** Match `packages` against the advisory index open in `db` (see the module comment). */
export function matchPackages(db: DatabaseSync, packages: readonly MatchPackage[]): MatchResult {
  const query = db.prepare(
    'SELECT f.advisory_id AS id, f.ranges AS ranges, f.versions AS versions, a.summary AS summary, a.aliases AS aliases ' +
      'FROM affected f JOIN advisories a ON a.id = f.advisory_id WHERE f.ecosystem = ? AND f.name = ? AND a.withdrawn IS NULL',
  );
  const findings: Finding[] = [];
  const problems: MatchProblem[] = [];
  for (const pkg of packages) {
    let target: Target | string;
    try {
      target = targetOf(pkg);
    } catch (err) {
      target = err instanceof Error ? err.message : String(err);
    }
    if (typeof target === 'string') {
      problems.push({ package: pkg, error: target });
      continue;
    }
    const scheme = schemeFor(target.ecosystem);
    if (scheme === undefined) {
      problems.push({ package: pkg, error: `no version scheme for ecosystem "${target.ecosystem}"` });
      continue;
    }
    if (!scheme.isValid(target.version)) {
      problems.push({ package: pkg, error: `version "${target.version}" is not a valid ${scheme.name} version; only advisories listing it exactly are matched` });
    }
    const byId = new Map<string, { aliases: readonly string[]; summary: string | undefined; fixed: Set<string> }>();
    for (const row of query.all(target.ecosystem, target.name)) {
      const id = String(row.id);
      const ranges = readRanges(String(row.ranges));
      const versions = readStrings(String(row.versions));
      const aliases = readStrings(String(row.aliases));
      if (ranges === undefined || versions === undefined || aliases === undefined) {
        problems.push({ package: pkg, error: `advisory ${id}: unreadable index row; skipped` });
        continue;
      }
      const verdict = evaluateAffected({ ranges, versions }, target.version, scheme);
      if (!verdict.affected) continue;
      const entry = byId.get(id) ?? { aliases, summary: typeof row.summary === 'string' ? row.summary : undefined, fixed: new Set<string>() };
      for (const f of verdict.fixed) entry.fixed.add(f);
      byId.set(id, entry);
    }
    const hits: Hit[] = [...byId].map(([id, e]) => ({ id, aliases: e.aliases, summary: e.summary, fixed: [...e.fixed] }));
    for (const group of mergeHits(hits)) {
      group.sort((a, b) => preferId(a.id, b.id));
      const primary = group[0]!;
      const ids = new Set<string>();
      const fixed = new Set<string>();
      for (const h of group) {
        ids.add(h.id);
        for (const a of h.aliases) ids.add(a);
        for (const f of h.fixed) fixed.add(f);
      }
      ids.delete(primary.id);
      const summary = group.find((h) => h.summary !== undefined && h.summary !== '')?.summary;
      findings.push({
        package: pkg,
        ...target,
        id: primary.id,
        aliases: [...ids].sort(),
        fixed: [...fixed].sort((a, b) => scheme.compare(a, b)),
        ...(summary === undefined ? {} : { summary }),
      });
    }
  }
  findings.sort((a, b) => (a.ecosystem + a.name + a.version + a.id < b.ecosystem + b.name + b.version + b.id ? -1 : 1));
  return { findings, problems };
}
