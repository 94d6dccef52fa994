/**
 * SBOM writers by the names syft gives its output formats (`syft -o NAME[@VERSION]`):
 * `cyclonedx-json`, `cyclonedx-xml`, `spdx-json`, `json`. Like syft, a CycloneDX name takes
 * `@VERSION`; without one the newest version Vouch writes (1.6) is used. `table` is the CLI's.
 */
import type { SbomWriter } from './index.ts';
import { toCycloneDx, DEFAULT_CYCLONEDX_VERSION, type CycloneDxEncoding, type CycloneDxVersion } from '../cyclonedx/index.ts';
import { nativeJson } from '../native/index.ts';
import { spdxJson } from '../spdx/index.ts';

const cdx =
  (encoding: CycloneDxEncoding, version: CycloneDxVersion): SbomWriter =>
  (inv) =>
    toCycloneDx(inv, { encoding, version });

export const SBOM_FORMATS: Readonly<Record<string, SbomWriter>> = Object.freeze({
  'cyclonedx-json': cdx('json', DEFAULT_CYCLONEDX_VERSION),
  'cyclonedx-json@1.6': cdx('json', '1.6'),
  'cyclonedx-json@1.5': cdx('json', '1.5'),
  'cyclonedx-xml': cdx('xml', DEFAULT_CYCLONEDX_VERSION),
  'cyclonedx-xml@1.6': cdx('xml', '1.6'),
  'cyclonedx-xml@1.5': cdx('xml', '1.5'),
  'spdx-json': spdxJson,
  'spdx-json@2.3': spdxJson,
  json: nativeJson,
});

/** The writer for a format name, or undefined. */
export function sbomWriter(name: string): SbomWriter | undefined {
  return Object.hasOwn(SBOM_FORMATS, name) ? SBOM_FORMATS[name] : undefined;
}
