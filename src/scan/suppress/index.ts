export { applySuppressions } from './apply.ts';
export type { SuppressionOutcome } from './apply.ts';
export { expiryTime, IGNORE_FILE_NAME, ignoreMatches, isExpired, MAX_IGNORE_BYTES, parseIgnoreFile } from './ignore.ts';
export { ociDigest, ociName, purlMatches } from './purl-match.ts';
export { parseVex, vexApplies, vexSuppresses } from './vex.ts';
export type { IgnoreRule, Suppression, SuppressionContext, SuppressionTarget, VexProduct, VexStatement, VexStatus } from './types.ts';
