/**
 * Where and how cosign keeps signatures and attestations of an image, shared by signing and
 * verification (the verify area holds its own copy of the read side's constants: same-layer
 * areas do not import each other).
 *
 *  - referrers: a Sigstore bundle v0.3 blob, the one layer of an OCI 1.1 artifact manifest
 *    (`artifactType` = bundle media type, empty config, `subject` = the image), found through the
 *    referrers API or the `sha256-<hex>` referrers tag (cosign specs/BUNDLE_SPEC.md);
 *  - legacy: the tag `sha256-<hex>.sig` (simple-signing payloads, the signature in a layer
 *    annotation) and `sha256-<hex>.att` (DSSE envelopes) (cosign specs/SIGNATURE_SPEC.md
 *    "Tag-based Discovery", specs/ATTESTATION_SPEC.md).
 */
import { parseDigest } from '../../core/index.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** The predicate type cosign (v3) gives the in-toto statement that signs an image. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
/** `critical.type` of a simple-signing payload. */
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
/** BUNDLE_SPEC.md "Annotations". */
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';
/** The annotation cosign puts on an `.att` layer. */
export const LEGACY_PREDICATE_TYPE_ANNOTATION = 'predicateType';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

export type ImageLayout = 'referrers' | 'legacy' | 'both';
export const IMAGE_LAYOUTS: readonly ImageLayout[] = ['referrers', 'legacy', 'both'];

/** `sha256:<hex>` → `sha256-<hex>.sig` / `.att`. */
export function legacyTag(digest: string, kind: 'sig' | 'att'): string {
  return `${parseDigest(digest, 'BAD_TARGET').digest.replace(':', '-')}.${kind}`;
}
