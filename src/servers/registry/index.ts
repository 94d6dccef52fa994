/**
 * The OCI distribution-spec v1.1 registry service (`vouch serve registry`) and its garbage
 * collector (`vouch registry gc`). Other areas import this folder only through this file.
 */
export * from './access.ts';
export { createRegistryService, registryConfig, registryDbUrl, DEFAULT_REGISTRY_OPTIONS, type RegistryOptions, type RegistryService } from './service.ts';
export { collectGarbage, DEFAULT_GC_SAFETY_WINDOW_MS, DEFAULT_GC_UPLOAD_MAX_AGE_MS, type GcOptions, type GcReport } from './gc.ts';
export { BlobStore } from './blobs.ts';
export { openRegistryMetadata, type RegistryMetadata } from './metadata.ts';
export { RegistryError, errorBody, type OciErrorCode } from './errors.ts';
// The accounts area (users, projects, robots, Docker token auth): `vouch serve` wires its controller and routes.
export { createRegistryAuth, type RegistryAuth, type RegistryAuthOptions } from './auth/index.ts';
