/**
 * Sigstore formats: bundles (v0.1–v0.3), DSSE envelopes and PAE, in-toto statements, cosign's
 * public keys and encrypted private keys. Other areas import this folder only through this file.
 */
export * from './bundle.ts';
export * from './dsse.ts';
export * from './intoto.ts';
export * from './keys.ts';
export * from './encrypted-key.ts';
