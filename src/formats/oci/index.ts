/**
 * OCI image-spec and Docker image formats: references, media types, manifest/index/config
 * models, platforms and manifest selection. Other areas import this folder only through this file.
 */
export * from './reference.ts';
export * from './media-types.ts';
export * from './models.ts';
export * from './platform.ts';
export * from './select.ts';
export * from './docker-save.ts';
