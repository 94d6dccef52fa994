/**
 * Scan reports: one writer per format, all from a ScanResult. The CycloneDX writer (and with it
 * @cyclonedx/cyclonedx-library) is loaded only when that format is asked for.
 */
import type { ScanResult } from '../scan.ts';
import { scanJson } from './json.ts';
import { scanOpenVex } from './openvex.ts';
import { scanSarif } from './sarif.ts';
import { scanTable, type SeverityPainter } from './table.ts';

export { scanJson, scanOpenVex, scanSarif, scanTable };

/** The CycloneDX 1.6 report with vulnerabilities (loads the CycloneDX library on first use). */
export async function scanCycloneDx(result: ScanResult): Promise<string> {
  return (await import('./cyclonedx.ts')).scanCycloneDx(result);
}
export type { SeverityPainter };
export { OPENVEX_CONTEXT } from './openvex.ts';
export { SARIF_SCHEMA_URI } from './sarif.ts';

export const SCAN_REPORT_FORMATS = ['table', 'json', 'sarif', 'cyclonedx-json', 'openvex'] as const;
export type ScanReportFormat = (typeof SCAN_REPORT_FORMATS)[number];

export async function writeScanReport(format: ScanReportFormat, result: ScanResult, paint?: SeverityPainter): Promise<string> {
  switch (format) {
    case 'table':
      return scanTable(result, paint);
    case 'json':
      return scanJson(result);
    case 'sarif':
      return scanSarif(result);
    case 'cyclonedx-json':
      return await scanCycloneDx(result);
    case 'openvex':
      return scanOpenVex(result);
  }
}
