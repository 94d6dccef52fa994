/**
 * Signing: keys (cosign's encrypted format), message-signature and DSSE bundles, in-toto
 * statements. `sign/image` (image signing) builds on this. Other areas import only this file.
 */
export { DEFAULT_KEY_ALGORITHM, encryptPrivateKey, generateKeyPair, importKeyPair, loadPrivateKey, signingKeyFrom } from './keys.ts';
export type { GeneratedKeyPair, KeyAlgorithm, SigningKey } from './keys.ts';
export { signDsseBundle, signMessageBundle } from './bundle.ts';
export { proposedEntry, rekorWitness, toTlogEntryJson } from './rekor.ts';
export type { CertificateProvider, DsseRequest, MessageSignatureRequest, SignBundleOptions, SignedContent, Witness } from './bundle.ts';
export { IN_TOTO_PAYLOAD_TYPE, makeStatement, PREDICATE_TYPES, resolvePredicateType } from '../formats/sigstore/index.ts';
export type { BundleJson, ResourceDescriptor, Statement, TlogEntryJson } from '../formats/sigstore/index.ts';
export * from './image/index.ts';
