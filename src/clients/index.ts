/**
 * Outbound HTTP clients (layer L2). Other areas import them only through this file.
 */
export * from './registry/index.ts';
export * from './fulcio/index.ts';
export * from './rekor/index.ts';
