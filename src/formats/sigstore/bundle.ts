/**
 * Sigstore bundles (sigstore/protobuf-specs `protos/sigstore_bundle.proto`) in their JSON form.
 * Reading goes through @sigstore/bundle (`bundleFromJSON` validates the shape per version); this
 * file adds the byte cap, the media-type check and errors with Vouch's codes.
 */
import { bundleFromJSON, type Bundle, type SerializedBundle } from '@sigstore/bundle';
import { VouchError } from '../../core/index.ts';

export const BUNDLE_V01_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
export const BUNDLE_V02_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
export const BUNDLE_V03_LEGACY_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.3';
/** What Vouch writes. */
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const BUNDLE_MEDIA_TYPES: readonly string[] = [BUNDLE_V01_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE];

/** Bundles are small (a certificate, a proof, a signature; DSSE adds the payload): 16 MiB is generous. */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

export type { Bundle, SerializedBundle };

/** JSON text or bytes → a value, under the byte cap. Throws BUNDLE_INVALID. */
export function parseJsonInput(input: string | Uint8Array, what: string, maxBytes = MAX_BUNDLE_BYTES): unknown {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes) throw new VouchError('BUNDLE_INVALID', `${what} is ${size} bytes, over the ${maxBytes}-byte cap`);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new VouchError('BUNDLE_INVALID', `${what} is not valid JSON (truncated?): ${(err as Error).message}`, { cause: err });
  }
}

/** A parsed-JSON bundle → the typed bundle, checked for a known media type and required fields. */
export function parseBundle(value: unknown): Bundle {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new VouchError('BUNDLE_INVALID', 'the bundle is not a JSON object');
  const mediaType = (value as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !BUNDLE_MEDIA_TYPES.includes(mediaType)) {
    throw new VouchError('BUNDLE_INVALID', `unsupported bundle media type ${JSON.stringify(mediaType)}`, { hint: 'Sigstore bundles v0.1 to v0.3 are supported' });
  }
  try {
    return bundleFromJSON(value);
  } catch (err) {
    throw new VouchError('BUNDLE_INVALID', `malformed bundle: ${(err as Error).message}`, { cause: err });
  }
}

/** A transparency-log entry in a bundle's JSON form (int64 as strings, bytes base64). */
export interface TlogEntryJson {
  readonly logIndex: string;
  readonly logId: { readonly keyId: string };
  readonly kindVersion: { readonly kind: string; readonly version: string };
  readonly integratedTime: string;
  readonly inclusionPromise?: { readonly signedEntryTimestamp: string };
  readonly inclusionProof?: {
    readonly logIndex: string;
    readonly rootHash: string;
    readonly treeSize: string;
    readonly hashes: readonly string[];
    readonly checkpoint: { readonly envelope: string };
  };
  readonly canonicalizedBody: string;
}

export interface Rfc3161TimestampJson {
  readonly signedTimestamp: string;
}

/** The bundle JSON Vouch writes (v0.3): a key hint or a leaf certificate, then one content. */
export interface BundleJson {
  readonly mediaType: string;
  readonly verificationMaterial: {
    readonly publicKey?: { readonly hint: string };
    readonly certificate?: { readonly rawBytes: string };
    readonly x509CertificateChain?: { readonly certificates: readonly { readonly rawBytes: string }[] };
    readonly tlogEntries: readonly TlogEntryJson[];
    readonly timestampVerificationData?: { readonly rfc3161Timestamps: readonly Rfc3161TimestampJson[] };
  };
  readonly messageSignature?: { readonly messageDigest: { readonly algorithm: string; readonly digest: string }; readonly signature: string };
  readonly dsseEnvelope?: { readonly payload: string; readonly payloadType: string; readonly signatures: readonly { readonly sig: string; readonly keyid: string }[] };
}
