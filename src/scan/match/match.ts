/**
 * `matchPackages`: look packages up in the SQLite advisory index (src/scan/db) by
 * (OSV ecosystem, normalised name), evaluate each `affected[]` entry with the OSV algorithm
 * (./range.ts), and merge advisories that are one vulnerability under several ids.
 *
 * Merging: advisories matched for one package are grouped when they are one vulnerability under
 * several ids: one's id is in the other's `aliases` (a direct link), or they come from different
 * databases (id prefixes: GHSA-, PYSEC-, GO-...) and share an alias (GHSA-x and PYSEC-y both
 * alias CVE-z). Two advisories of the *same* database that merely share aliases are two
 * findings (RustSec's RUSTSEC-2022-0096 and RUSTSEC-2022-0101 both list CVE-2022-23636 and
 * CVE-2022-31169 but fix different bugs in wasmtime), and a group never holds two ids of one
 * database that are not directly linked. Each group is one finding, reported under its
 * ecosystem-native id (GO-, RUSTSEC-, PYSEC-, DEBIAN-...) first, then GHSA-, then CVE-; the other
 * ids are its aliases. Its severity is the best-founded of the group's (scan/severity).
 *
 * OS packages (purl types deb, apk, rpm) are matched only against their distribution release's
 * advisories (OSV ecosystems `Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04`, `Rocky Linux:9`...),
 * named by the *source* package (the purl's `upstream` qualifier, syft's spelling) at the source
 * version, never against upstream ecosystems. Go's standard library (`pkg:golang/stdlib@…`, and
 * `toolchain`) is matched with the Go release spelled as the Go vulnerability database does
 * (`go1.21` → `1.21.0`, `go1.21rc2` → `1.21.0-rc.2`).
 *
 * A package that cannot be matched (bad purl, a purl type without an OSV ecosystem, an ecosystem
 * without a version scheme) is recorded in `problems` and the others go on. Withdrawn advisories
 * (`withdrawn` set) never match.
 */
import type { DatabaseSync } from 'node:sqlite';
import { normalizePackageName, OSV_EVENT_KINDS, OSV_RANGE_TYPES, type OsvEvent, type OsvEventKind, type OsvRange, type OsvRangeType } from '../../formats/osv/index.ts';
import { parsePurl } from '../../formats/purl/index.ts';
import { preferSeverity, type FindingSeverity } from '../severity/index.ts';
import { schemeFor, type VersionScheme } from '../version/index.ts';
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
  /** Distro advisories: the distro's note on the state (`no-dsa: Minor issue`, `ignored`, `end-of-life`). */
  readonly note?: string;
}

export type { FindingSeverity, SeverityLevel } from '../severity/index.ts';

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
  /** The OSV ecosystems to look in (more than one for some distro releases). */
  readonly ecosystems: readonly string[];
  readonly name: string;
  readonly version: string;
}

const OS_TYPES = new Set(['deb', 'apk', 'rpm']);

/**
 * A Go release as the Go vulnerability database spells it (golang.org/x/vulndb `version.GoTagToSemver`):
 * `go1.21` → `1.21.0`, `go1.21.3` → `1.21.3`, `go1.21rc2` → `1.21.0-rc.2`, `go1.20beta1` →
 * `1.20.0-beta.1`. Anything else is returned as given (minus a `go`/`v` prefix).
 */
export function goReleaseVersion(version: string): string {
  const v = version.replace(/^(?:go|v)/, '');
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)\.?(\d+))?$/.exec(v);
  if (!m) return v;
  const pre = m[4] === undefined ? '' : `-${m[4]}.${m[5]}`;
  return `${m[1]}.${m[2]}.${m[3] ?? '0'}${pre}`;
}

/**
 * The OSV ecosystems of a distro release from the purl's `distro` qualifier (`debian-12`,
 * `alpine-3.19.1`, `ubuntu-22.04`, `rocky-9.3`); empty when Vouch knows none.
 */
export function distroEcosystems(type: string, distro: string | undefined): string[] {
  if (distro === undefined) return [];
  const m = /^([a-z0-9._-]+?)-(\d+)(?:\.(\d+))?(?:\.\d+)*$/i.exec(distro);
  if (!m) return [];
  const [, id, major, minor] = m as unknown as [string, string, string, string | undefined];
  switch (`${type}/${id.toLowerCase()}`) {
    case 'deb/debian':
      return [`Debian:${major}`];
    case 'deb/ubuntu':
      return minor === undefined ? [] : [`Ubuntu:${major}.${minor}`, `Ubuntu:${major}.${minor}:LTS`, `Ubuntu:Pro:${major}.${minor}:LTS`];
    case 'apk/alpine':
      return minor === undefined ? [] : [`Alpine:v${major}.${minor}`];
    case 'rpm/rocky':
      return [`Rocky Linux:${major}`];
    case 'rpm/almalinux':
      return [`AlmaLinux:${major}`];
    default:
      return [];
  }
}

/** An OS package's source package and version from syft's `upstream` qualifier. */
function upstreamOf(type: string, name: string, version: string, upstream: string | undefined, epoch: string | undefined): { name: string; version: string } {
  let srcName = name;
  let srcVersion = version;
  if (upstream !== undefined && upstream !== '') {
    if (type === 'rpm') {
      // `vim-8.0.1763-19.el8_6.4.src.rpm`: name-version-release.src.rpm; the binary's version stands.
      const m = /^(.+)-[^-]+-[^-]+\.(?:src|nosrc)\.rpm$/.exec(upstream);
      if (m) srcName = m[1]!;
    } else {
      const at = upstream.indexOf('@');
      srcName = at < 0 ? upstream : upstream.slice(0, at);
      if (at >= 0 && upstream.length > at + 1) srcVersion = upstream.slice(at + 1);
    }
  }
  if (type === 'rpm' && epoch !== undefined && epoch !== '' && epoch !== '0' && !srcVersion.includes(':')) srcVersion = `${epoch}:${srcVersion}`;
  return { name: srcName, version: srcVersion };
}

/** OSV package coordinates of a purl: Maven `group:artifact`, npm/Go/Composer `namespace/name`; OS packages by source. */
function targetOf(pkg: MatchPackage): Target | string {
  if (!('purl' in pkg)) {
    const version = pkg.ecosystem === 'Go' && (pkg.name === 'stdlib' || pkg.name === 'toolchain') ? goReleaseVersion(pkg.version) : pkg.version;
    return { ecosystems: [pkg.ecosystem], name: normalizePackageName(pkg.ecosystem, pkg.name), version };
  }
  const p = parsePurl(pkg.purl);
  if (p.version === undefined || p.version === '') return `purl ${pkg.purl} has no version`;
  if (OS_TYPES.has(p.type)) {
    const distro = p.qualifiers?.distro;
    const ecosystems = distroEcosystems(p.type, distro);
    if (ecosystems.length === 0) {
      return distro === undefined
        ? `OS package ${pkg.purl} names no distro release (qualifier "distro"); distro packages are matched only against their release's advisories`
        : `no advisory ecosystem known for distro "${distro}" (${p.type})`;
    }
    const src = upstreamOf(p.type, p.name, p.version, p.qualifiers?.upstream, p.qualifiers?.epoch);
    return { ecosystems, name: src.name, version: src.version };
  }
  const ecosystem = PURL_TYPE_TO_ECOSYSTEM[p.type];
  if (ecosystem === undefined) return `purl type "${p.type}" has no OSV ecosystem`;
  const ns = p.namespace;
  const name = ns === undefined || ns === '' ? p.name : ecosystem === 'Maven' ? `${ns}:${p.name}` : `${ns}/${p.name}`;
  const version = ecosystem === 'Go' && (name === 'stdlib' || name === 'toolchain') ? goReleaseVersion(p.version) : p.version;
  return { ecosystems: [ecosystem], name: normalizePackageName(ecosystem, name), version };
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
  readonly severity: FindingSeverity | undefined;
  readonly state: 'affected' | 'will_not_fix' | undefined;
  readonly note: string | undefined;
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

/** The database an id comes from: its prefix before the first `-` (GHSA, CVE, RUSTSEC, GO, PYSEC, DEBIAN...). */
function database(id: string): string {
  const i = id.indexOf('-');
  return i < 0 ? id : id.slice(0, i);
}

function directlyLinked(a: Hit, b: Hit): boolean {
  return a.aliases.includes(b.id) || b.aliases.includes(a.id);
}

function sharesAlias(a: Hit, b: Hit): boolean {
  const ids = new Set([a.id, ...a.aliases]);
  return b.aliases.some((x) => ids.has(x)) || ids.has(b.id);
}

/**
 * Group hits that are one vulnerability (see the module comment). Hits are taken in id
 * preference order; each joins the first group it links to (directly, or by a shared alias with
 * another database's advisory) unless that group already holds an advisory of its own database
 * it is not directly linked to.
 */
function mergeHits(hits: readonly Hit[]): Hit[][] {
  const groups: Hit[][] = [];
  for (const h of [...hits].sort((a, b) => preferId(a.id, b.id))) {
    const db = database(h.id);
    const home = groups.find(
      (g) =>
        g.some((m) => directlyLinked(h, m) || (database(m.id) !== db && sharesAlias(h, m))) &&
        g.every((m) => database(m.id) !== db || directlyLinked(h, m)),
    );
    if (home === undefined) groups.push([h]);
    else home.push(h);
  }
  return groups;
}

/**
 * The scheme with `isValid` and `compare` remembered, for one package's evaluation: its rows
 * repeat the same version strings (PyPI advisories list every affected version, and a package's
 * advisories list mostly the same ones), so each distinct comparison is computed once.
 */
function memoScheme(scheme: VersionScheme): VersionScheme {
  const valid = new Map<string, boolean>();
  const cmp = new Map<string, -1 | 0 | 1>();
  return {
    name: scheme.name,
    isValid(v) {
      let r = valid.get(v);
      if (r === undefined) valid.set(v, (r = scheme.isValid(v)));
      return r;
    },
    compare(a, b) {
      const key = `${a}\0${b}`;
      let r = cmp.get(key);
      if (r === undefined) cmp.set(key, (r = scheme.compare(a, b)));
      return r;
    },
  };
}

function readSeverity(text: unknown): FindingSeverity | undefined {
  if (typeof text !== 'string') return undefined;
  const v: unknown = JSON.parse(text);
  if (!isRecord(v) || typeof v.level !== 'string' || typeof v.source !== 'string') return undefined;
  return v as unknown as FindingSeverity;
}

function readState(v: unknown): 'affected' | 'will_not_fix' | undefined {
  return v === 'affected' || v === 'will_not_fix' ? v : undefined;
}

/** Match `packages` against the advisory index open in `db` (see the module comment). */
export function matchPackages(db: DatabaseSync, packages: readonly MatchPackage[]): MatchResult {
  const query = db.prepare(
    'SELECT f.advisory_id AS id, f.ranges AS ranges, f.versions AS versions, f.severity AS severity, f.state AS state, f.note AS note, ' +
      'a.summary AS summary, a.aliases AS aliases ' +
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
    const base = schemeFor(target.ecosystems[0]!);
    if (base === undefined) {
      problems.push({ package: pkg, error: `no version scheme for ecosystem "${target.ecosystems[0]!}"` });
      continue;
    }
    const scheme = memoScheme(base);
    if (!scheme.isValid(target.version)) {
      problems.push({ package: pkg, error: `version "${target.version}" is not a valid ${scheme.name} version; only advisories listing it exactly are matched` });
    }
    for (const ecosystem of target.ecosystems) {
      const byId = new Map<string, { aliases: readonly string[]; summary: string | undefined; fixed: Set<string>; severity: FindingSeverity | undefined; state: Hit['state']; note: string | undefined }>();
      for (const row of query.all(ecosystem, target.name)) {
        const id = String(row.id);
        // Parse lazily: the ranges first; the `versions` list (long for PyPI) only when the ranges
        // do not include the version; aliases and severity only for a hit.
        let verdict, aliases, severity;
        try {
          const ranges = readRanges(String(row.ranges));
          if (ranges === undefined) throw new Error('ranges');
          verdict = evaluateAffected({ ranges, versions: [] }, target.version, scheme);
          const versionsText = String(row.versions);
          if (!verdict.affected && versionsText !== '[]') {
            const versions = readStrings(versionsText);
            if (versions === undefined) throw new Error('versions');
            verdict = evaluateAffected({ ranges: [], versions }, target.version, scheme);
          }
          if (!verdict.affected) continue;
          aliases = readStrings(String(row.aliases));
          if (aliases === undefined) throw new Error('aliases');
          severity = readSeverity(row.severity);
        } catch {
          problems.push({ package: pkg, error: `advisory ${id}: unreadable index row; skipped` });
          continue;
        }
        const entry = byId.get(id) ?? {
          aliases, summary: typeof row.summary === 'string' ? row.summary : undefined, fixed: new Set<string>(), severity,
          state: readState(row.state), note: typeof row.note === 'string' ? row.note : undefined,
        };
        for (const f of verdict.fixed) entry.fixed.add(f);
        byId.set(id, entry);
      }
      const hits: Hit[] = [...byId].map(([id, e]) => ({ id, aliases: e.aliases, summary: e.summary, fixed: [...e.fixed], severity: e.severity, state: e.state, note: e.note }));
      for (const group of mergeHits(hits)) {
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
        const severities = group.map((h) => h.severity).filter((x): x is FindingSeverity => x !== undefined);
        const state = group.find((h) => h.state !== undefined);
        findings.push({
          package: pkg,
          ecosystem,
          name: target.name,
          version: target.version,
          id: primary.id,
          aliases: [...ids].sort(),
          fixed: [...fixed].sort((a, b) => scheme.compare(a, b)),
          ...(summary === undefined ? {} : { summary }),
          severity: preferSeverity(severities),
          ...(state?.state === undefined ? {} : { state: state.state }),
          ...(state?.note === undefined ? {} : { note: state.note }),
        });
      }
    }
  }
  findings.sort((a, b) => (a.ecosystem + a.name + a.version + a.id < b.ecosystem + b.name + b.version + b.id ? -1 : 1));
  return { findings, problems };
}
