/**
 * OCI image-spec and Docker image formats: references, media types, manifest/index/config
 * models and platform selection. Other areas import this folder only through this file.
 */
export * from './reference.ts';
