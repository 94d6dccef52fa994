/**
 * Limits on untrusted input (house rule 7). Defaults live here, are applied once,
 * and may be overridden through options objects.
 */
export interface Limits {
  /** Largest single file a cataloger will read, in bytes. */
  readonly maxFileBytes: number;
  /** Most files a directory walk will visit before it stops with a warning (an image: most tar entries over all its layers). */
  readonly maxFiles: number;
  /** Deepest directory nesting a walk descends into. */
  readonly maxDepth: number;
  /** Deepest nesting of archives (JAR in WAR in EAR ...). */
  readonly maxArchiveDepth: number;
  /** Most bytes an archive member may expand to. */
  readonly maxArchiveEntryBytes: number;
  /** Largest expansion ratio (uncompressed/compressed) allowed for an archive member. */
  readonly maxCompressionRatio: number;
  /** Most packages a single file may declare. */
  readonly maxPackagesPerFile: number;
  /** Most bytes one image layer may decompress to (the size of its tar stream). */
  readonly maxLayerBytes: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxFileBytes: 128 * 1024 * 1024,
  maxFiles: 2_000_000,
  maxDepth: 64,
  maxArchiveDepth: 4,
  maxArchiveEntryBytes: 256 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxPackagesPerFile: 500_000,
  maxLayerBytes: 32 * 1024 * 1024 * 1024,
});

export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return Object.freeze({ ...DEFAULT_LIMITS, ...overrides });
}
