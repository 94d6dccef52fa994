/**
 * CycloneDX 1.6 JSON with `vulnerabilities[]` (a BOM with embedded VEX), through
 * @cyclonedx/cyclonedx-library's models and normalizer: the inventory's components as
 * formats/cyclonedx builds them (bom-ref = purl), then one vulnerability per id with `affects`
 * on every package it was found in, a rating (CVSS score/vector where known), the fixed versions
 * as `recommendation`, and for suppressed findings an `analysis` (state `not_affected` with the
 * VEX justification, or `resolved` for `fixed`; an ignore rule is `not_affected` with its reason
 * as `detail`). Justifications outside CycloneDX's `impactAnalysisJustification` enum are kept in
 * `detail` only.
 */
import { randomUUID } from 'node:crypto';
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { wrapError } from '../../core/index.ts';
import { buildBom } from '../../formats/cyclonedx/index.ts';
import type { Suppression } from '../suppress/index.ts';
import type { ScanMatch, ScanResult } from '../scan.ts';

const V = Enums.Vulnerability;

const SEVERITY: Record<string, Enums.Vulnerability.Severity> = {
  critical: V.Severity.Critical,
  high: V.Severity.High,
  medium: V.Severity.Medium,
  low: V.Severity.Low,
  none: V.Severity.None,
  unknown: V.Severity.Unknown,
};

/** OpenVEX justification → CycloneDX impactAnalysisJustification (closest meaning). */
const JUSTIFICATION: Record<string, Enums.Vulnerability.AnalysisJustification> = {
  component_not_present: V.AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_present: V.AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_in_execute_path: V.AnalysisJustification.CodeNotReachable,
  vulnerable_code_cannot_be_controlled_by_adversary: V.AnalysisJustification.RequiresEnvironment,
  inline_mitigations_already_exist: V.AnalysisJustification.ProtectedByMitigatingControl,
};
const CDX_JUSTIFICATIONS = new Set<string>(Object.values(V.AnalysisJustification));

function sourceOf(id: string): Models.Vulnerability.Source {
  if (id.startsWith('CVE-')) return new Models.Vulnerability.Source({ name: 'NVD', url: new URL(`https://nvd.nist.gov/vuln/detail/${id}`) });
  if (id.startsWith('GHSA-')) return new Models.Vulnerability.Source({ name: 'GitHub Advisory Database', url: new URL(`https://github.com/advisories/${id}`) });
  return new Models.Vulnerability.Source({ name: 'OSV', url: new URL(`https://osv.dev/vulnerability/${encodeURIComponent(id)}`) });
}

function ratingMethod(source: string): Enums.Vulnerability.RatingMethod | undefined {
  if (source === 'CVSS_V4') return V.RatingMethod.CVSSv4;
  if (source === 'CVSS_V3') return V.RatingMethod.CVSSv31;
  if (source === 'CVSS_V2') return V.RatingMethod.CVSSv2;
  return undefined;
}

function analysisOf(by: Suppression): Models.Vulnerability.Analysis {
  if (by.kind === 'ignore') {
    return new Models.Vulnerability.Analysis({ state: V.AnalysisState.NotAffected, detail: `Suppressed by ${by.file}${by.reason === undefined ? '' : `: ${by.reason}`}${by.expires === undefined ? '' : ` (until ${by.expires})`}` });
  }
  const j = by.justification === undefined ? undefined : JUSTIFICATION[by.justification] ?? (CDX_JUSTIFICATIONS.has(by.justification) ? (by.justification as Enums.Vulnerability.AnalysisJustification) : undefined);
  const detail = [by.justification, by.statement, `VEX: ${by.document}`].filter((x) => x !== undefined).join('; ');
  return new Models.Vulnerability.Analysis({
    state: by.status === 'fixed' ? V.AnalysisState.Resolved : V.AnalysisState.NotAffected,
    ...(j === undefined || by.status === 'fixed' ? {} : { justification: j }),
    detail,
  });
}

export function scanCycloneDx(result: ScanResult): string {
  try {
    const { bom } = buildBom(result.inventory);
    bom.serialNumber = `urn:uuid:${randomUUID()}`;
    const refs = new Map<string, Models.BomRef>();
    for (const c of bom.components) if (c.bomRef.value !== undefined) refs.set(c.bomRef.value, c.bomRef);
    const groups = new Map<string, { match: ScanMatch; purls: string[]; by?: Suppression }>();
    const add = (m: ScanMatch, by: Suppression | undefined): void => {
      const key = `${m.id}\u0000${by === undefined ? '' : JSON.stringify(by)}`;
      const g = groups.get(key) ?? { match: m, purls: [], ...(by === undefined ? {} : { by }) };
      g.purls.push(m.package.purl);
      groups.set(key, g);
    };
    for (const m of result.matches) add(m, undefined);
    for (const s of result.suppressed) add(s.match, s.by);
    for (const { match: m, purls, by } of groups.values()) {
      const v = new Models.Vulnerability.Vulnerability({
        bomRef: `vuln:${m.id}:${groups.size}:${randomUUID()}`,
        id: m.id,
        source: sourceOf(m.id),
        ...(m.summary === undefined ? {} : { description: m.summary }),
        ...(m.fixed.length > 0 ? { recommendation: `Upgrade to ${m.fixed.join(' or ')}` } : {}),
        ...(by === undefined ? {} : { analysis: analysisOf(by) }),
      });
      for (const a of m.aliases) v.references.add(new Models.Vulnerability.Reference(a, sourceOf(a)));
      const method = ratingMethod(m.severity.source);
      v.ratings.add(
        new Models.Vulnerability.Rating({
          severity: SEVERITY[m.severity.level]!,
          ...(m.severity.score === undefined ? {} : { score: m.severity.score }),
          ...(m.severity.vector === undefined ? {} : { vector: m.severity.vector }),
          ...(method === undefined ? {} : { method }),
        }),
      );
      for (const p of purls) {
        const ref = refs.get(p);
        if (ref !== undefined) v.affects.add(new Models.Vulnerability.Affect(ref));
      }
      bom.vulnerabilities.add(v);
    }
    const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
    const out = serializer.serialize(bom, { sortLists: false, space: 2 });
    return out.endsWith('\n') ? out : `${out}\n`;
  } catch (err) {
    throw wrapError(err, 'SERIALIZE_ERROR', 'cannot write the CycloneDX 1.6 vulnerability report');
  }
}
