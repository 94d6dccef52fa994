/** Scan reports: one writer per format, all from a ScanResult. */
import type { ScanResult } from '../scan.ts';
import { scanCycloneDx } from './cyclonedx.ts';
import { scanJson } from './json.ts';
import { scanOpenVex } from './openvex.ts';
import { scanSarif } from './sarif.ts';
import { scanTable, type SeverityPainter } from './table.ts';

export { scanCycloneDx, scanJson, scanOpenVex, scanSarif, scanTable };
export type { SeverityPainter };
export { OPENVEX_CONTEXT } from './openvex.ts';
export { SARIF_SCHEMA_URI } from './sarif.ts';

export const SCAN_REPORT_FORMATS = ['table', 'json', 'sarif', 'cyclonedx-json', 'openvex'] as const;
export type ScanReportFormat = (typeof SCAN_REPORT_FORMATS)[number];

export function writeScanReport(format: ScanReportFormat, result: ScanResult, paint?: SeverityPainter): string {
  switch (format) {
    case 'table':
      return scanTable(result, paint);
    case 'json':
      return scanJson(result);
    case 'sarif':
      return scanSarif(result);
    case 'cyclonedx-json':
      return scanCycloneDx(result);
    case 'openvex':
      return scanOpenVex(result);
  }
}
