/**
 * Apply `.vouchignore` rules and VEX statements to findings: each finding is kept or suppressed
 * (with the first reason that applies: VEX first, as the supplier's statement, then ignore rules).
 * Expired ignore rules suppress nothing and are returned so the report can say so; VEX statements
 * that match but do not suppress (`not_affected` without a justification) are returned likewise.
 */
import { ignoreMatches, isExpired } from './ignore.ts';
import type { IgnoreRule, Suppression, SuppressionContext, SuppressionTarget, VexStatement } from './types.ts';
import { vexApplies, vexSuppresses } from './vex.ts';

export interface SuppressionOutcome<F> {
  readonly kept: F[];
  readonly suppressed: { readonly finding: F; readonly by: Suppression }[];
  /** Expired rules that matched a finding they would otherwise have suppressed. */
  readonly expired: IgnoreRule[];
  /** VEX statements that matched a kept finding without suppressing it (status and reason). */
  readonly notApplied: { readonly finding: F; readonly statement: VexStatement }[];
}

export function applySuppressions<F>(
  findings: readonly F[],
  target: (f: F) => SuppressionTarget,
  rules: { readonly ignore: readonly IgnoreRule[]; readonly vex: readonly VexStatement[] },
  ctx: SuppressionContext = {},
): SuppressionOutcome<F> {
  const now = ctx.now ?? new Date();
  const kept: F[] = [];
  const suppressed: { finding: F; by: Suppression }[] = [];
  const expired = new Set<IgnoreRule>();
  const notApplied: { finding: F; statement: VexStatement }[] = [];
  for (const f of findings) {
    const t = target(f);
    let by: Suppression | undefined;
    for (const s of rules.vex) {
      if (!vexApplies(s, t, ctx)) continue;
      if (vexSuppresses(s)) {
        by = {
          kind: 'vex',
          document: s.document,
          status: s.status as 'not_affected' | 'fixed',
          ...(s.justification === undefined ? {} : { justification: s.justification }),
          ...(s.statement === undefined ? {} : { statement: s.statement }),
        };
        break;
      }
      notApplied.push({ finding: f, statement: s });
    }
    if (by === undefined) {
      for (const r of rules.ignore) {
        if (!ignoreMatches(r, t)) continue;
        if (isExpired(r, now)) {
          expired.add(r);
          continue;
        }
        by = { kind: 'ignore', file: r.file, ...(r.reason === undefined ? {} : { reason: r.reason }), ...(r.expires === undefined ? {} : { expires: r.expires }) };
        break;
      }
    }
    if (by === undefined) kept.push(f);
    else suppressed.push({ finding: f, by });
  }
  return { kept, suppressed, expired: [...expired], notApplied };
}
