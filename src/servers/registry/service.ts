/**
 * The registry service: blob storage on the filesystem, metadata in SQLite (default) or
 * PostgreSQL, the distribution-spec routes, and the access-control seam.
 */
import { join } from 'node:path';
import { silentLogger, VouchError, type Logger } from '../../core/index.ts';
import type { FastifyInstance, VouchService } from '../http/index.ts';
import { allowAll, type RegistryAccessOptions } from './access.ts';
import { BlobStore } from './blobs.ts';
import { MAX_MANIFEST_BYTES } from './manifest.ts';
import { openRegistryMetadata, type RegistryMetadata } from './metadata.ts';
import { registerRoutes } from './routes.ts';

export interface RegistryOptions extends RegistryAccessOptions {
  /** The registry's folder: `blobs/`, `uploads/` and (without `dbUrl`) `registry.db`. */
  readonly dataDir: string;
  /** PostgreSQL URL (several replicas sharing `dataDir` over a shared filesystem); default SQLite in `dataDir`. */
  readonly dbUrl?: string;
  readonly logger?: Logger;
  /** Largest blob accepted (default 64 GiB). */
  readonly maxBlobBytes?: number;
  /** Largest manifest accepted (default 4 MiB). */
  readonly maxManifestBytes?: number;
  /** How long a hot manifest or tag is served from memory (default 2000 ms; 0 disables). */
  readonly cacheTtlMs?: number;
  /** Largest tag-list or catalog page (default 1000). */
  readonly maxPage?: number;
  /** Most upload sessions open at once, over all replicas (default 10000): 429 TOOMANYREQUESTS beyond. */
  readonly maxOpenUploads?: number;
}

export const DEFAULT_REGISTRY_OPTIONS = Object.freeze({
  maxBlobBytes: 64 * 1024 * 1024 * 1024,
  maxManifestBytes: MAX_MANIFEST_BYTES,
  cacheTtlMs: 2000,
  maxPage: 1000,
  maxOpenUploads: 10_000,
});

/** The metadata location for a data folder and optional PostgreSQL URL. */
export function registryDbUrl(dataDir: string, dbUrl: string | undefined): string {
  return dbUrl ?? join(dataDir, 'registry.db');
}

export interface RegistryService extends VouchService {
  readonly meta: RegistryMetadata;
  readonly blobs: BlobStore;
}

export async function createRegistryService(options: RegistryOptions): Promise<RegistryService> {
  const blobs = new BlobStore(options.dataDir);
  await blobs.init();
  const meta = await openRegistryMetadata(registryDbUrl(options.dataDir, options.dbUrl));
  const logger = options.logger ?? silentLogger;
  return {
    name: 'registry',
    meta,
    blobs,
    async register(app: FastifyInstance) {
      // The /v2 routes live in their own scope: their body handling (raw streams) and error
      // handler (OCI error bodies) must not reach `extraRoutes` (token endpoint, JSON APIs).
      await app.register((scope, _opts, done) => {
        registerRoutes(scope, {
          blobs,
          meta,
          access: options.access ?? allowAll,
          logger,
          maxBlobBytes: options.maxBlobBytes ?? DEFAULT_REGISTRY_OPTIONS.maxBlobBytes,
          maxManifestBytes: options.maxManifestBytes ?? DEFAULT_REGISTRY_OPTIONS.maxManifestBytes,
          cacheTtlMs: options.cacheTtlMs ?? DEFAULT_REGISTRY_OPTIONS.cacheTtlMs,
          maxPage: options.maxPage ?? DEFAULT_REGISTRY_OPTIONS.maxPage,
          maxOpenUploads: options.maxOpenUploads ?? DEFAULT_REGISTRY_OPTIONS.maxOpenUploads,
        });
        done();
      });
      if (options.extraRoutes !== undefined) await options.extraRoutes(app);
    },
    async health() {
      try {
        await meta.health();
        return { ok: true, detail: meta.dialect };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },
    async close() {
      await meta.close();
    },
  };
}

/**
 * The `registry:` section of `vouch serve --config` (keys: `max-blob-bytes`, `max-manifest-bytes`,
 * `cache-ttl-ms`, `max-page`, `max-open-uploads`; `anonymous` is `vouch serve`'s), checked and turned into options.
 */
export function registryConfig(section: Readonly<Record<string, unknown>>): Partial<RegistryOptions> {
  const keys: Record<string, keyof RegistryOptions> = {
    'max-blob-bytes': 'maxBlobBytes',
    'max-manifest-bytes': 'maxManifestBytes',
    'cache-ttl-ms': 'cacheTtlMs',
    'max-page': 'maxPage',
    'max-open-uploads': 'maxOpenUploads',
  };
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(section)) {
    // `anonymous: true` is read by `vouch serve` (no accounts); accepted here so one section holds both.
    if (key === 'anonymous') continue;
    const option = keys[key];
    if (option === undefined) throw new VouchError('USAGE', `registry config: unknown key "${key}"`, { hint: `keys: ${Object.keys(keys).join(', ')}` });
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new VouchError('USAGE', `registry config: ${key} must be a non-negative integer`);
    out[option] = value;
  }
  return out;
}
