/**
 * Media types of OCI image-spec v1.1 (media-types.md) and of Docker Image Manifest V2
 * Schema 2 (distribution/distribution docs/spec/manifest-v2-2.md), with the classifications
 * the sources and the resolver need: is this a manifest, an index, a layer, compressed how?
 */

// OCI image-spec v1.1, media-types.md.
export const OCI_DESCRIPTOR = 'application/vnd.oci.descriptor.v1+json';
export const OCI_LAYOUT_HEADER = 'application/vnd.oci.layout.header.v1+json';
export const OCI_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_TAR_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
/** Deprecated in v1.1 ("non-distributable" layers); still found in Windows images. */
export const OCI_LAYER_NONDISTRIBUTABLE_TAR = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
export const OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD = 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';
/** The empty JSON `{}` blob (manifest.md, "Guidance for an Empty Descriptor"), for artifacts. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
export const OCI_EMPTY_SIZE = 2;

// Docker Image Manifest V2, Schema 2.
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** Uncompressed Docker layer: what `docker save` archives hold (skopeo and containerd use it too). */
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
export const DOCKER_FOREIGN_LAYER_GZIP = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
export const DOCKER_LAYER_ZSTD = 'application/vnd.docker.image.rootfs.diff.tar.zstd';
/** Schema 1 (signed): not supported, named only to reject it clearly. */
export const DOCKER_MANIFEST_V1 = 'application/vnd.docker.distribution.manifest.v1+json';
export const DOCKER_MANIFEST_V1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

// Artifacts found next to images (referrers, signatures, attestations).
export const IN_TOTO = 'application/vnd.in-toto+json';
export const DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';
export const SIGSTORE_BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const COSIGN_SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** BuildKit marks attestation manifests in an index with this annotation (value `attestation-manifest`). */
export const DOCKER_REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';

// Annotations (annotations.md).
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_BASE_NAME = 'org.opencontainers.image.base.name';
export const ANNOTATION_BASE_DIGEST = 'org.opencontainers.image.base.digest';
/** containerd's full image name in `ctr export` / `docker save` (OCI variant) index.json. */
export const ANNOTATION_CONTAINERD_IMAGE_NAME = 'io.containerd.image.name';

export const MANIFEST_MEDIA_TYPES: readonly string[] = Object.freeze([OCI_IMAGE_MANIFEST, DOCKER_MANIFEST]);
export const INDEX_MEDIA_TYPES: readonly string[] = Object.freeze([OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST]);
export const CONFIG_MEDIA_TYPES: readonly string[] = Object.freeze([OCI_IMAGE_CONFIG, DOCKER_CONFIG]);

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && MANIFEST_MEDIA_TYPES.includes(mediaType);
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MEDIA_TYPES.includes(mediaType);
}

export function isImageConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && CONFIG_MEDIA_TYPES.includes(mediaType);
}

export type LayerCompression = 'none' | 'gzip' | 'zstd';

const LAYER_COMPRESSION: Readonly<Record<string, LayerCompression>> = Object.freeze({
  [OCI_LAYER_TAR]: 'none',
  [OCI_LAYER_TAR_GZIP]: 'gzip',
  [OCI_LAYER_TAR_ZSTD]: 'zstd',
  [OCI_LAYER_NONDISTRIBUTABLE_TAR]: 'none',
  [OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP]: 'gzip',
  [OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD]: 'zstd',
  [DOCKER_LAYER_TAR]: 'none',
  [DOCKER_LAYER_GZIP]: 'gzip',
  [DOCKER_FOREIGN_LAYER_GZIP]: 'gzip',
  [DOCKER_LAYER_ZSTD]: 'zstd',
});

/** Whether the media type is a filesystem layer (a tar changeset) Vouch can read. */
export function isLayerMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && Object.hasOwn(LAYER_COMPRESSION, mediaType);
}

/**
 * How a layer blob is compressed, from its media type; undefined for a media type that is not a
 * known layer (an artifact's blob, say): callers decide whether to sniff the bytes or skip it.
 */
export function layerCompression(mediaType: string | undefined): LayerCompression | undefined {
  return mediaType !== undefined && Object.hasOwn(LAYER_COMPRESSION, mediaType) ? LAYER_COMPRESSION[mediaType] : undefined;
}

const DOCKER_TO_OCI: Readonly<Record<string, string>> = Object.freeze({
  [DOCKER_MANIFEST_LIST]: OCI_IMAGE_INDEX,
  [DOCKER_MANIFEST]: OCI_IMAGE_MANIFEST,
  [DOCKER_CONFIG]: OCI_IMAGE_CONFIG,
  [DOCKER_LAYER_GZIP]: OCI_LAYER_TAR_GZIP,
  [DOCKER_LAYER_TAR]: OCI_LAYER_TAR,
  [DOCKER_LAYER_ZSTD]: OCI_LAYER_TAR_ZSTD,
  [DOCKER_FOREIGN_LAYER_GZIP]: OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP,
});

/** The OCI media type equivalent to a Docker one (image-spec schema/backwards_compatibility_test.go); others unchanged. */
export function toOciMediaType(mediaType: string): string {
  return Object.hasOwn(DOCKER_TO_OCI, mediaType) ? (DOCKER_TO_OCI[mediaType] ?? mediaType) : mediaType;
}
