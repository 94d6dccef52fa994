/**
 * Verification of Sigstore bundles and DSSE envelopes. `verify/image` (image verification) and
 * `policy` build on this. Other areas import only this file.
 */
export { verifyBundle, verifyPrehashed } from './bundle.ts';
export type { VerifiedBundle, VerifiedSigner, VerifiedTlogEntry, VerifyBundleOptions } from './bundle.ts';
export type { IdentityPolicy } from './identity.ts';
export { loadDefaultTrustedRoot, parseTrustedRoot } from './trust.ts';
export * from './image/index.ts';
