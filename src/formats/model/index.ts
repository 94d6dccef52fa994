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
  /** In an image: digest of the layer whose copy of the file the package was read from. */
  readonly layer?: string;
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

/** A Linux distribution, from /etc/os-release (or /usr/lib/os-release). */
export interface Distro {
  /** `ID`: debian, ubuntu, alpine, rhel, ... */
  readonly id: string;
  /** `VERSION_ID`: 12, 22.04, 3.19.1, ... */
  readonly versionId?: string;
  readonly versionCodename?: string;
  readonly prettyName?: string;
  /** `ID_LIKE`, split. */
  readonly idLike?: readonly string[];
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface ImageLayer {
  /** Digest of the blob as stored (compressed). */
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** Digest of the uncompressed tar (config `rootfs.diff_ids`), where known. */
  readonly diffId?: string;
}

export interface ImageDescription {
  /** The reference as resolved (`docker.io/library/nginx:latest`), or the path of a layout/archive. */
  readonly reference: string;
  readonly manifestDigest: string;
  readonly manifestMediaType: string;
  readonly configDigest: string;
  readonly platform: Platform;
  readonly layers: readonly ImageLayer[];
  /** Tags the source names for the image, if any. */
  readonly tags?: readonly string[];
}

export interface SourceDescription {
  readonly kind: 'directory' | 'file' | 'image';
  /** The target as the user gave it. */
  readonly target: string;
  /** Name used as the SBOM subject (basename of the directory or file). */
  readonly name: string;
  readonly version?: string;
  /** For images. */
  readonly image?: ImageDescription;
  /** The distribution of an image (or a root filesystem directory), where found. */
  readonly distro?: Distro;
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

export { DOWNLOAD_URL_KEYS, downloadUrl } from './download.ts';
export { contentUuid } from './uuid.ts';
