/**
 * Plain-text tables: the `table` output format. Columns are padded to the widest cell;
 * nothing here knows about terminals (the CLI adds colour where it may).
 */
import type { Inventory } from '../model/index.ts';

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n') + '\n';
}

/** syft's table: one row per package, sorted by name then version; the scanned project itself is left out. */
export function inventoryTable(inv: Inventory): string {
  const rows = inv.packages
    .filter((p) => p.isRoot !== true)
    .map((p) => [p.name, p.version === '' ? '(unknown)' : p.version, p.type, p.scope === 'required' ? '' : p.scope])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : 0));
  if (rows.length === 0) return 'No packages found\n';
  return renderTable(['NAME', 'VERSION', 'TYPE', 'SCOPE'], rows);
}
