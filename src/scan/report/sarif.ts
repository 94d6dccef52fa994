/**
 * SARIF 2.1.0 (OASIS, `sarif-schema-2.1.0`) for GitHub code scanning. Typed through @types/sarif.
 *
 * - One rule per vulnerability id (`tool.driver.rules[]`), with `properties.security-severity`
 *   (the CVSS score, or a representative score for the level) and `tags: [security, vulnerability]`:
 *   GitHub derives the alert severity from `security-severity` (GitHub docs "SARIF support for code
 *   scanning", reportingDescriptor properties).
 * - One result per (vulnerability, package), `level` error/warning/note from the severity (§3.27.10),
 *   located at the files that declared the package (lockfile, manifest, or path in the image):
 *   `physicalLocation.artifactLocation.uri` relative to the scanned root (`%SRCROOT%`), with the
 *   line where known (GitHub requires a location on every result).
 * - `partialFingerprints` (§3.27.17) keyed on id + purl + path, so alerts stay stable across runs.
 */
import { createHash } from 'node:crypto';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { VOUCH_VERSION } from '../../core/index.ts';
import type { SeverityLevel } from '../severity/index.ts';
import type { ScanMatch, ScanResult } from '../scan.ts';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/** GitHub's bands: > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. */
const LEVEL_SCORE: Record<SeverityLevel, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0', none: '0.0', unknown: '0.0' };

function sarifLevel(level: SeverityLevel): Result.level {
  return level === 'critical' || level === 'high' ? 'error' : level === 'medium' ? 'warning' : 'note';
}

function score(m: ScanMatch): string {
  return m.severity.score === undefined ? LEVEL_SCORE[m.severity.level] : m.severity.score.toFixed(1);
}

function uri(path: string): string {
  // A relative URI reference: encode each segment, keep the slashes.
  return path.replace(/^\/+/, '').split('/').map((s) => encodeURIComponent(s)).join('/');
}

export function scanSarif(result: ScanResult): string {
  const rules = new Map<string, ReportingDescriptor>();
  const ruleIndex = new Map<string, number>();
  const results: Result[] = [];
  for (const m of result.matches) {
    if (!rules.has(m.id)) {
      ruleIndex.set(m.id, rules.size);
      const text = m.summary ?? `${m.id}`;
      rules.set(m.id, {
        id: m.id,
        name: m.id.replace(/[^A-Za-z0-9]/g, ''),
        shortDescription: { text: `${m.id}: ${text}`.slice(0, 1024) },
        fullDescription: { text: m.summary ?? `${m.id} (aliases: ${m.aliases.join(', ') || 'none'})` },
        helpUri: `https://osv.dev/vulnerability/${encodeURIComponent(m.id)}`,
        help: {
          text: `${m.id}${m.aliases.length > 0 ? ` (${m.aliases.join(', ')})` : ''}: ${m.summary ?? ''}`,
          markdown: `**${m.id}**${m.aliases.length > 0 ? ` (${m.aliases.join(', ')})` : ''}\n\n${m.summary ?? ''}\n\nSeverity: ${m.severity.level}${m.severity.vector === undefined ? '' : ` (${m.severity.vector})`}`,
        },
        defaultConfiguration: { level: sarifLevel(m.severity.level) },
        properties: { 'security-severity': score(m), tags: ['security', 'vulnerability'], precision: 'very-high' },
      });
    }
    const fix = m.fixed.length > 0 ? `Fixed in ${m.fixed.join(', ')}.` : 'No fixed version is known.';
    const locs = m.package.locations.length > 0 ? m.package.locations : [{ path: result.source.target }];
    results.push({
      ruleId: m.id,
      ruleIndex: ruleIndex.get(m.id)!,
      level: sarifLevel(m.severity.level),
      message: { text: `${m.package.name} ${m.package.version} is affected by ${m.id}${m.summary === undefined ? '' : ` (${m.summary})`}. ${fix}` },
      locations: locs.slice(0, 10).map((l) => ({
        physicalLocation: {
          artifactLocation: { uri: uri(l.path), uriBaseId: '%SRCROOT%' },
          region: { startLine: l.line ?? 1 },
        },
        message: { text: `${m.package.purl}${l.layer === undefined ? '' : ` (layer ${l.layer})`}` },
      })),
      partialFingerprints: {
        'vouch/v1': createHash('sha256').update(`${m.id}\u0000${m.package.purl}\u0000${locs[0]!.path}`).digest('hex'),
      },
      properties: { purl: m.package.purl, fixedVersions: [...m.fixed], severity: m.severity.level },
    });
  }
  const log: Log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'vouch',
            semanticVersion: VOUCH_VERSION,
            version: VOUCH_VERSION,
            rules: [...rules.values()],
          },
        },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
