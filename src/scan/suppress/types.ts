/** What suppression works on: a finding with the purl of its package, and why one was suppressed. */

/** One `.vouchignore` entry (ids, optional package, optional expiry, reason). */
export interface IgnoreRule {
  /** Vulnerability ids; a finding matches when one is its id or one of its aliases. */
  readonly ids: readonly string[];
  /** A purl (version optional) or a package name; absent = every package. */
  readonly package?: string;
  /** `YYYY-MM-DD` (valid through that day, UTC) or an RFC 3339 timestamp. */
  readonly expires?: string;
  readonly reason?: string;
  /** The file and 1-based entry index, for messages. */
  readonly file: string;
  readonly index: number;
}

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

export interface VexProduct {
  /** A purl (or another identifier, kept as given). */
  readonly id: string;
  /** Packages inside the product the statement is about; empty = the product itself (all of it). */
  readonly subcomponents: readonly string[];
  /** CycloneDX BOM-Link: applies only to the BOM with this serial number (and version). */
  readonly bomLink?: { readonly serial: string; readonly version: number };
}

export interface VexStatement {
  /** The vulnerability name and its aliases. */
  readonly ids: readonly string[];
  readonly products: readonly VexProduct[];
  readonly status: VexStatus;
  readonly justification?: string;
  /** OpenVEX impact_statement / status_notes, CycloneDX analysis.detail. */
  readonly statement?: string;
  /** The document it came from (path). */
  readonly document: string;
}

export type Suppression =
  | { readonly kind: 'ignore'; readonly file: string; readonly reason?: string; readonly expires?: string }
  | { readonly kind: 'vex'; readonly document: string; readonly status: 'not_affected' | 'fixed'; readonly justification?: string; readonly statement?: string };

/** The facts about a finding suppression looks at. */
export interface SuppressionTarget {
  readonly id: string;
  readonly aliases: readonly string[];
  /** purl of the package (with version). */
  readonly purl: string;
  /** Package name as the ecosystem spells it. */
  readonly name: string;
}

/** What was scanned, for VEX product matching. */
export interface SuppressionContext {
  /** Digests (`sha256:...`) of the scanned image (manifest, config), if an image was scanned. */
  readonly subjectDigests?: readonly string[];
  /** Repository names of the scanned image (`debian` for `docker.io/library/debian:12`), for OCI purls without a digest. */
  readonly subjectNames?: readonly string[];
  /** CycloneDX serial number of a scanned SBOM (BOM-Link VEX references), and its version. */
  readonly bomSerial?: string;
  readonly bomVersion?: number;
  /** purls of every package in the scan (a product that is one of them contains its subcomponents). */
  readonly packagePurls?: ReadonlySet<string>;
  readonly now?: Date;
}
