/**
 * The Vouch inventory model: what catalogers produce and what every SBOM format
 * (CycloneDX, SPDX, native JSON, table) is written from. Pure types, no I/O.
 */

/** purl types we emit (package-url/purl-spec `types/`). */
export type PackageType =
  | 'npm'
  | 'pypi'
  | 'golang'
  | 'cargo'
  | 'gem'
  | 'composer'
  | 'maven'
  | 'nuget'
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'generic';

/** required: needed at run time; dev: build/test only; optional: may be absent at run time. */
export type Scope = 'required' | 'dev' | 'optional';

export type HashAlgorithm = 'MD5' | 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface Hash {
  readonly alg: HashAlgorithm;
  /** Lower-case hex. */
  readonly value: string;
}

export interface Location {
  /** POSIX path relative to the source root (no leading slash), or inside an archive as `outer.jar!/inner.jar`. */
  readonly path: string;
  /** 1-based line where known. */
  readonly line?: number;
}

export interface Package {
  /** Name as the ecosystem spells it (Maven: `group:artifact`; Go: module path; npm: `@scope/name`). */
  readonly name: string;
  /** Version as the ecosystem spells it; '' when the source gives none. */
  readonly version: string;
  readonly type: PackageType;
  /** Canonical package URL; also the key that merges the same package found in several files. */
  readonly purl: string;
  /** Normalised SPDX expressions where the source declares licenses (e.g. `MIT`, `(MIT OR Apache-2.0)`). */
  readonly licenses: readonly string[];
  readonly hashes: readonly Hash[];
  readonly locations: readonly Location[];
  readonly scope: Scope;
  /** Name of the cataloger that found it. */
  readonly foundBy: string;
  /** True for the project a lockfile/manifest describes (the root of its dependency graph). */
  readonly isRoot?: boolean;
  /** Ecosystem-specific facts worth keeping (resolved URL, integrity string, ...). Must be JSON-serialisable. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface Relationship {
  /** purl of the dependent package. */
  readonly from: string;
  /** purl of the dependency. */
  readonly to: string;
  readonly type: 'depends-on';
}

export interface Warning {
  readonly location: Location;
  readonly message: string;
}

export interface SourceDescription {
  readonly kind: 'directory' | 'file';
  /** The target as the user gave it. */
  readonly target: string;
  /** Name used as the SBOM subject (basename of the directory or file). */
  readonly name: string;
  readonly version?: string;
}

export interface Inventory {
  readonly source: SourceDescription;
  /** Sorted by purl, each purl once. */
  readonly packages: readonly Package[];
  /** Sorted, unique. */
  readonly relationships: readonly Relationship[];
  readonly warnings: readonly Warning[];
  readonly tool: { readonly name: 'vouch'; readonly version: string };
  /** ISO 8601, seconds precision: SOURCE_DATE_EPOCH when deterministic output is asked. */
  readonly timestamp: string;
  /** When true, serializers derive every id and serial number from content only. */
  readonly deterministic: boolean;
}
