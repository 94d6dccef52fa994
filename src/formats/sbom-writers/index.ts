/**
 * SBOM writers by the names syft gives its output formats (`syft -o NAME[@VERSION]`), loaded
 * on demand: the CycloneDX library alone costs ~90 ms of start-up, which a run that writes
 * SPDX, JSON or a table should not pay. `all.ts` has the eager table (`SBOM_FORMATS`).
 */
import type { Inventory } from '../model/index.ts';

export type SbomWriter = (inv: Inventory) => string;

export const SBOM_FORMAT_NAMES: readonly string[] = Object.freeze([
  'cyclonedx-json',
  'cyclonedx-json@1.6',
  'cyclonedx-json@1.5',
  'cyclonedx-xml',
  'cyclonedx-xml@1.6',
  'cyclonedx-xml@1.5',
  'spdx-json',
  'spdx-json@2.3',
  'json',
]);

/** The writer for a format name, or undefined when Vouch has no such format. */
export async function loadSbomWriter(name: string): Promise<SbomWriter | undefined> {
  if (!SBOM_FORMAT_NAMES.includes(name)) return undefined;
  const [base, version] = name.split('@') as [string, string | undefined];
  if (base === 'json') return (await import('../native/index.ts')).nativeJson;
  if (base === 'spdx-json') return (await import('../spdx/index.ts')).spdxJson;
  const { toCycloneDx, DEFAULT_CYCLONEDX_VERSION } = await import('../cyclonedx/index.ts');
  const encoding = base === 'cyclonedx-xml' ? 'xml' : 'json';
  const v = version === '1.5' ? '1.5' : version === '1.6' ? '1.6' : DEFAULT_CYCLONEDX_VERSION;
  return (inv) => toCycloneDx(inv, { encoding, version: v });
}
