/**
 * Choosing one image manifest from an image index (image-index.md) or a layout's index.json
 * (image-layout.md): nested indexes are followed, artifacts and BuildKit attestation manifests
 * are skipped, entries naming the same digest are one image, and among several images the
 * platform decides, ranked as containerd's `platforms.Only` does. Loading nested indexes (and,
 * when a descriptor has no platform, the image's config) is injected: this module does no I/O.
 */
import { VouchError } from '../../core/index.ts';
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  DOCKER_REFERENCE_TYPE_ANNOTATION,
  isIndexMediaType,
  isManifestMediaType,
} from './media-types.ts';
import type { Descriptor, ImageIndex } from './models.ts';
import { defaultPlatform, formatPlatform, normalizePlatform, platformRank, type PlatformSpec } from './platform.ts';

export const DEFAULT_MAX_INDEX_DEPTH = 4;
export const DEFAULT_MAX_INDEXES = 64;

export interface SelectOptions {
  /** The platform wanted; default: `defaultPlatform()` (linux on the host's architecture). */
  readonly platform?: PlatformSpec | undefined;
  /** Load (and verify) the nested index a descriptor points to. */
  readonly loadIndex: (descriptor: Descriptor) => Promise<ImageIndex>;
  /** Learn an image's platform from its manifest and config when its descriptor names none. */
  readonly loadPlatform?: (descriptor: Descriptor) => Promise<PlatformSpec | undefined>;
  /**
   * `image` (a registry index: one image, several platforms): the first best match wins, as
   * containerd picks. `collection` (a layout's index.json: maybe several images): two different
   * images equally good for the platform are ambiguous and an error.
   */
  readonly mode?: 'image' | 'collection';
  /** Names the source in messages: `OCI layout /tmp/x`, `docker.io/library/nginx:latest`. */
  readonly what?: string;
  readonly maxDepth?: number;
  readonly maxIndexes?: number;
}

export interface ManifestSelection {
  /** The image manifest's descriptor (the first entry naming it, with its platform if any entry had one). */
  readonly descriptor: Descriptor;
  /** Its platform as an index named it, if one did (the config is the authority). */
  readonly platform?: PlatformSpec;
  /** `org.opencontainers.image.ref.name` of every entry naming this manifest, in order, deduplicated. */
  readonly refNames: readonly string[];
  /** containerd's `io.containerd.image.name` (a full reference) of every entry naming it, deduplicated. */
  readonly imageNames: readonly string[];
  /** Nested index descriptors followed to reach it, outermost first. */
  readonly indexes: readonly Descriptor[];
  /** How many distinct image manifests were candidates. */
  readonly candidates: number;
}

interface Candidate {
  descriptor: Descriptor;
  platform: PlatformSpec | undefined;
  refNames: string[];
  imageNames: string[];
  indexes: Descriptor[];
  /** Digest of the top-level entry it was reached through. */
  root: string;
  order: number;
}

function isSkipped(d: Descriptor): boolean {
  // Artifacts (signatures, SBOMs, attestations) ride in indexes next to images.
  if (d.artifactType !== undefined) return true;
  if (d.annotations?.[DOCKER_REFERENCE_TYPE_ANNOTATION] === 'attestation-manifest') return true;
  return d.platform !== undefined && d.platform.os === 'unknown' && d.platform.architecture === 'unknown';
}

function addNames(c: Candidate, d: Descriptor): void {
  const ref = d.annotations?.[ANNOTATION_REF_NAME];
  if (ref !== undefined && !c.refNames.includes(ref)) c.refNames.push(ref);
  const name = d.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME];
  if (name !== undefined && !c.imageNames.includes(name)) c.imageNames.push(name);
}

/** Select the image manifest for a platform. Throws IMAGE_NOT_FOUND naming the platforms there are. */
export async function selectImageManifest(index: ImageIndex, options: SelectOptions): Promise<ManifestSelection> {
  const what = options.what ?? 'image index';
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_INDEX_DEPTH;
  const maxIndexes = options.maxIndexes ?? DEFAULT_MAX_INDEXES;
  const explicit = options.platform !== undefined;
  const wanted = normalizePlatform(options.platform ?? defaultPlatform());

  const byDigest = new Map<string, Candidate>();
  const visited = new Set<string>();
  let loads = 0;
  let order = 0;

  const walk = async (idx: ImageIndex, chain: Descriptor[], root: string | undefined, depth: number): Promise<void> => {
    for (const d of idx.manifests) {
      if (isSkipped(d)) continue;
      const top = root ?? d.digest;
      if (isManifestMediaType(d.mediaType)) {
        let seen = byDigest.get(d.digest);
        if (seen === undefined) {
          seen = {
            descriptor: d,
            platform: undefined,
            refNames: [],
            imageNames: [],
            indexes: chain,
            root: top,
            order: order++,
          };
          byDigest.set(d.digest, seen);
        }
        addNames(seen, d);
        if (seen.platform === undefined && d.platform !== undefined) seen.platform = normalizePlatform(d.platform);
      } else if (isIndexMediaType(d.mediaType)) {
        if (d.platform !== undefined && platformRank(wanted, d.platform) < 0) continue;
        if (depth >= maxDepth) throw new VouchError('IMAGE_INVALID', `${what}: image indexes nested deeper than ${maxDepth}`);
        if (visited.has(d.digest)) continue;
        visited.add(d.digest);
        if (++loads > maxIndexes) throw new VouchError('LIMIT_EXCEEDED', `${what}: more than ${maxIndexes} nested image indexes`);
        const nested = await options.loadIndex(d);
        // A nested index's names name the images it holds (containerd and docker save write them there).
        const before = new Set(byDigest.keys());
        await walk(nested, [...chain, d], top, depth + 1);
        for (const [digest, c] of byDigest) if (!before.has(digest)) addNames(c, d);
      }
      // Other media types (artifacts, unknown) are not images: skipped.
    }
  };
  await walk(index, [], undefined, 0);

  const candidates = [...byDigest.values()];
  if (candidates.length === 0) {
    throw new VouchError('IMAGE_NOT_FOUND', `no images found in ${what}`, {
      hint: index.manifests.length === 0 ? 'the index lists no manifests' : `it lists ${index.manifests.length} entries, none an image manifest`,
    });
  }
  const done = (c: Candidate): ManifestSelection => ({
    descriptor: c.descriptor,
    ...(c.platform !== undefined && { platform: c.platform }),
    refNames: c.refNames,
    imageNames: c.imageNames,
    indexes: c.indexes,
    candidates: candidates.length,
  });
  // One image: it is the image, whatever platform was asked for (as stereoscope and skopeo do);
  // the caller compares the config's platform with an explicitly asked one.
  if (candidates.length === 1 && candidates[0] !== undefined) return done(candidates[0]);

  if (options.loadPlatform !== undefined) {
    for (const c of candidates) {
      if (c.platform !== undefined) continue;
      const p = await options.loadPlatform(c.descriptor);
      if (p !== undefined) c.platform = normalizePlatform(p);
    }
  }
  let best = -1;
  let matches: Candidate[] = [];
  for (const c of candidates) {
    if (c.platform === undefined) continue;
    const rank = platformRank(wanted, c.platform);
    if (rank < 0) continue;
    if (best < 0 || rank < best) {
      best = rank;
      matches = [c];
    } else if (rank === best) {
      matches.push(c);
    }
  }
  if (matches.length === 0) {
    const available = [...new Set(candidates.map((c) => (c.platform === undefined ? 'unknown platform' : formatPlatform(c.platform))))];
    throw new VouchError(
      'IMAGE_NOT_FOUND',
      `no image for platform ${formatPlatform(wanted)} in ${what}; available: ${available.join(', ')}`,
      { hint: explicit ? 'choose one of the available platforms with --platform' : 'this machine\'s platform is the default: choose one of the available platforms with --platform' },
    );
  }
  matches.sort((a, b) => a.order - b.order);
  const first = matches[0] as Candidate;
  if (options.mode === 'collection' && matches.some((m) => m.root !== first.root)) {
    const names = matches.map((m) => (m.refNames.length > 0 ? m.refNames.join('|') : m.descriptor.digest.slice(0, 19)));
    throw new VouchError(
      'IMAGE_INVALID',
      `${what} holds ${matches.length} different images for platform ${formatPlatform(wanted)} (${names.join(', ')}); Vouch reads one image per platform from a layout`,
      { hint: 'copy the one image wanted into its own layout, e.g. skopeo copy oci:SRC:TAG oci:DST' },
    );
  }
  return done(first);
}
