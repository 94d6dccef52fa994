/**
 * OSV affected-version evaluation, after the schema's "Evaluation" pseudocode
 * (https://ossf.github.io/osv-schema/#evaluation, schema 1.6):
 *
 *   IsVulnerable = IncludedInVersions(v, affected.versions) || IncludedInRanges(v, affected.ranges)
 *   IncludedInRanges: for each range, if BeforeLimits(v, range), walk sorted(range.events):
 *     introduced && v >= introduced → vulnerable; fixed && v >= fixed → not;
 *     last_affected && v > last_affected → not. Any range vulnerable → true (ranges are OR'ed).
 *   BeforeLimits: no limit events → true (implicit "*"); else v < some limit.
 *
 * Decisions the pseudocode leaves open, taken here on purpose:
 * - `GIT` ranges are skipped: their events are commit hashes, and the schema says version
 *   matching must rely on `versions` for them.
 * - `introduced: "0"` sorts before every version and every version is >= it; `limit: "*"` (any
 *   limit containing `*`) is infinity.
 * - Events are sorted with the scheme's order (stable, so equal versions keep their order).
 * - A package version the scheme cannot read is matched only against `versions` (exact string,
 *   or scheme-equal); no range can be evaluated for it.
 * - An event version the scheme cannot read errs towards reporting: an unreadable `introduced`
 *   counts as "0", an unreadable `fixed`, `last_affected` or `limit` is ignored. A missed
 *   vulnerability is the worse mistake for a scanner.
 */
import type { OsvEvent, OsvRange } from '../../formats/osv/index.ts';
import type { VersionScheme } from '../version/index.ts';

/** What isAffected needs from an OSV `affected[]` entry. */
export interface AffectedVersions {
  readonly ranges: readonly OsvRange[];
  readonly versions: readonly string[];
}

/** The outcome for one version against one `affected[]` entry. */
export interface RangeVerdict {
  readonly affected: boolean;
  /**
   * For each range that includes the version, the first `fixed` event above it (sorted,
   * de-duplicated). Empty when no including range records a fix (e.g. `last_affected` only).
   */
  readonly fixed: readonly string[];
}

function isInfinity(version: string): boolean {
  return version.includes('*');
}

/** Compare two event versions for sorting: "0" introduced first, "*" limits last. */
function eventOrder(scheme: VersionScheme): (a: OsvEvent, b: OsvEvent) => number {
  const rank = (e: OsvEvent): number => {
    if (e.kind === 'introduced' && (e.version === '0' || !scheme.isValid(e.version))) return -1;
    if (e.kind === 'limit' && isInfinity(e.version)) return 1;
    return 0;
  };
  return (a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== 0 || rb !== 0) return ra - rb;
    return scheme.compare(a.version, b.version);
  };
}

function sameVersion(v: string, listed: string, scheme: VersionScheme, vValid: boolean): boolean {
  if (v === listed) return true;
  return vValid && scheme.isValid(listed) && scheme.compare(v, listed) === 0;
}

/** BeforeLimits: true when the range has no (readable) limit, or `v` is below one of them. */
function beforeLimits(v: string, events: readonly OsvEvent[], scheme: VersionScheme): boolean {
  const limits = events.filter((e) => e.kind === 'limit' && (isInfinity(e.version) || scheme.isValid(e.version)));
  if (limits.length === 0) return true;
  return limits.some((e) => isInfinity(e.version) || scheme.compare(v, e.version) < 0);
}

/** Walk one non-GIT range; returns undefined when `v` is outside it, else the next fix above `v`. */
function evaluateRange(v: string, range: OsvRange, scheme: VersionScheme): { fixed: string | undefined } | undefined {
  if (!beforeLimits(v, range.events, scheme)) return undefined;
  const sorted = [...range.events].sort(eventOrder(scheme));
  let vulnerable = false;
  for (const e of sorted) {
    if (e.kind === 'introduced') {
      if (e.version === '0' || !scheme.isValid(e.version) || scheme.compare(v, e.version) >= 0) vulnerable = true;
    } else if (e.kind === 'fixed') {
      if (scheme.isValid(e.version) && scheme.compare(v, e.version) >= 0) vulnerable = false;
    } else if (e.kind === 'last_affected') {
      if (scheme.isValid(e.version) && scheme.compare(v, e.version) > 0) vulnerable = false;
    }
  }
  if (!vulnerable) return undefined;
  const fix = sorted.find((e) => e.kind === 'fixed' && scheme.isValid(e.version) && scheme.compare(v, e.version) < 0);
  return { fixed: fix?.version };
}

/** Evaluate `version` against one OSV `affected[]` entry (see the module comment). */
export function evaluateAffected(affected: AffectedVersions, version: string, scheme: VersionScheme): RangeVerdict {
  const valid = scheme.isValid(version);
  let hit = affected.versions.some((listed) => sameVersion(version, listed, scheme, valid));
  const fixed = new Set<string>();
  if (valid) {
    for (const range of affected.ranges) {
      if (range.type === 'GIT') continue;
      const r = evaluateRange(version, range, scheme);
      if (r === undefined) continue;
      hit = true;
      if (r.fixed !== undefined) fixed.add(r.fixed);
    }
  }
  return { affected: hit, fixed: hit ? [...fixed].sort((a, b) => scheme.compare(a, b)) : [] };
}

/** OSV IsVulnerable for one `affected[]` entry whose package already matched. */
export function isAffected(affected: AffectedVersions, version: string, scheme: VersionScheme): boolean {
  return evaluateAffected(affected, version, scheme).affected;
}
