export { DEFAULT_SBOM_LIMITS, detectSbomFormat, jsonDepthExceeds, looksLikeSbom, readSbom } from './sbom.ts';
export type { SbomFormat, SbomInput, SbomLimits } from './sbom.ts';
