/**
 * The terminal report: one block per package (name, version, where it was declared), its
 * vulnerabilities under it with severity, fixed versions and summary; suppressed findings and
 * expired ignore rules counted at the end. `paint` colours a severity (the CLI passes ANSI
 * colours on a TTY; the default is plain text).
 */
import { renderTable } from '../../formats/table/index.ts';
import type { SeverityLevel } from '../severity/index.ts';
import type { ScanMatch, ScanResult } from '../scan.ts';

export type SeverityPainter = (level: SeverityLevel, text: string) => string;

const plain: SeverityPainter = (_l, t) => t;

function where(m: ScanMatch): string {
  const locs = m.package.locations.slice(0, 3).map((l) => `${l.path}${l.line === undefined ? '' : `:${l.line}`}`);
  const more = m.package.locations.length > 3 ? ` (+${m.package.locations.length - 3})` : '';
  return locs.join(', ') + more;
}

function oneLine(s: string | undefined, max = 80): string {
  const t = (s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function scanTable(result: ScanResult, paint: SeverityPainter = plain): string {
  const out: string[] = [];
  const groups = new Map<string, ScanMatch[]>();
  for (const m of result.matches) {
    const g = groups.get(m.package.purl) ?? [];
    g.push(m);
    groups.set(m.package.purl, g);
  }
  for (const ms of groups.values()) {
    const p = ms[0]!.package;
    out.push(`${p.name} ${p.version}  (${where(ms[0]!)})`);
    const rows = ms.map((m) => [
      `  ${m.id}`,
      m.severity.level.toUpperCase(),
      m.fixed.length > 0 ? m.fixed.join(', ') : m.state === 'will_not_fix' ? '(won\'t fix)' : '(none)',
      oneLine(m.summary),
    ]);
    // Colour after layout: renderTable pads by string length, which escape codes would throw off.
    const lines = renderTable(['  VULNERABILITY', 'SEVERITY', 'FIXED IN', 'SUMMARY'], rows).trimEnd().split('\n');
    out.push(
      lines
        .map((line, i) => {
          const m = ms[i - 1];
          if (m === undefined) return line;
          const label = m.severity.level.toUpperCase();
          const at = line.indexOf(` ${label}`, m.id.length + 2) + 1;
          return at <= 0 ? line : line.slice(0, at) + paint(m.severity.level, label) + line.slice(at + label.length);
        })
        .join('\n'),
    );
    out.push('');
  }
  const counts = new Map<SeverityLevel, number>();
  for (const m of result.matches) counts.set(m.severity.level, (counts.get(m.severity.level) ?? 0) + 1);
  const bySeverity = (['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const)
    .filter((l) => counts.has(l))
    .map((l) => paint(l, `${counts.get(l)} ${l}`))
    .join(', ');
  out.push(
    result.matches.length === 0
      ? `No vulnerabilities found in ${result.packages.total} packages.`
      : `${result.matches.length} vulnerabilities in ${groups.size} of ${result.packages.total} packages${bySeverity === '' ? '' : `: ${bySeverity}`}.`,
  );
  if (result.suppressed.length > 0) {
    out.push(`${result.suppressed.length} suppressed:`);
    for (const s of result.suppressed) {
      const why = s.by.kind === 'vex'
        ? `VEX ${s.by.status}${s.by.justification === undefined ? '' : ` (${s.by.justification})`} in ${s.by.document}`
        : `${s.by.file}${s.by.reason === undefined ? '' : `: ${s.by.reason}`}${s.by.expires === undefined ? '' : ` (until ${s.by.expires})`}`;
      out.push(`  ${s.match.id} in ${s.match.package.name} ${s.match.package.version}: ${why}`);
    }
  }
  for (const r of result.expiredIgnores) {
    out.push(`Expired ignore rule: ${r.file} entry ${r.index} (${r.ids.join(', ')}) expired ${r.expires ?? ''}; no longer suppresses.`);
  }
  if (result.withoutFix > 0) out.push(`${result.withoutFix} findings without a fixed version left out (--only-fixed).`);
  return `${out.join('\n')}\n`;
}
