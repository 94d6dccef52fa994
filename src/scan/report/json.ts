import type { ScanResult } from '../scan.ts';

/** The native JSON report: everything in the result except the inventory (write an SBOM for that). */
export function scanJson(result: ScanResult): string {
  const { inventory: _inventory, ...rest } = result;
  void _inventory;
  return `${JSON.stringify({ schema: 'vouch-scan/1', ...rest }, null, 2)}\n`;
}
