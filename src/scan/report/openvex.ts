/**
 * OpenVEX v0.2.0 (openvex/spec OPENVEX-SPEC.md): one statement per (vulnerability, package):
 * remaining findings are `affected` with an `action_statement` (the fix, or that none is known);
 * findings suppressed by VEX keep that document's status and justification; findings suppressed by
 * `.vouchignore` become `not_affected` with the rule's reason as `impact_statement` (the spec needs a
 * justification or an impact statement for not_affected). The document `@id` is derived from its
 * content (SHA-256), as vexctl does.
 */
import { createHash } from 'node:crypto';
import { VOUCH_VERSION } from '../../core/index.ts';
import type { Suppression } from '../suppress/index.ts';
import type { ScanMatch, ScanResult } from '../scan.ts';

export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';

interface Statement {
  vulnerability: { name: string; aliases?: string[] };
  products: { '@id': string }[];
  status: 'affected' | 'not_affected' | 'fixed';
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
  status_notes?: string;
}

const OPENVEX_JUSTIFICATIONS = new Set([
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
]);

function statementOf(m: ScanMatch, by: Suppression | undefined): Statement {
  const base = {
    vulnerability: { name: m.id, ...(m.aliases.length > 0 ? { aliases: [...m.aliases] } : {}) },
    products: [{ '@id': m.package.purl }],
  };
  if (by === undefined) {
    return { ...base, status: 'affected', action_statement: m.fixed.length > 0 ? `Upgrade ${m.package.name} to ${m.fixed.join(' or ')}` : 'No fixed version is known' };
  }
  if (by.kind === 'ignore') {
    return { ...base, status: 'not_affected', impact_statement: by.reason ?? `Suppressed by ${by.file}`, status_notes: `vouch: ${by.file}${by.expires === undefined ? '' : `, until ${by.expires}`}` };
  }
  if (by.status === 'fixed') return { ...base, status: 'fixed', status_notes: `vouch: VEX ${by.document}` };
  const known = by.justification !== undefined && OPENVEX_JUSTIFICATIONS.has(by.justification);
  return {
    ...base,
    status: 'not_affected',
    ...(known ? { justification: by.justification } : {}),
    ...(by.statement !== undefined || !known ? { impact_statement: by.statement ?? by.justification ?? `VEX ${by.document}` } : {}),
    status_notes: `vouch: VEX ${by.document}`,
  };
}

export function scanOpenVex(result: ScanResult, now: Date = new Date()): string {
  const statements = [...result.matches.map((m) => statementOf(m, undefined)), ...result.suppressed.map((s) => statementOf(s.match, s.by))];
  const body = { statements };
  const id = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const doc = {
    '@context': OPENVEX_CONTEXT,
    '@id': `https://openvex.dev/docs/public/vex-${id}`,
    author: 'vouch',
    role: 'Vulnerability scanner',
    timestamp: now.toISOString(),
    version: 1,
    tooling: `vouch ${VOUCH_VERSION}`,
    statements,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
