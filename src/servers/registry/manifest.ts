/**
 * What the registry needs from a pushed manifest (distribution-spec "Pushing Manifests";
 * image-spec manifest.md and image-index.md; Docker schema2 and manifest list): its media
 * type, the blobs and child manifests it references (which must exist), its `subject`
 * (referrers API) and its artifact type. Only the fields the registry relies on are checked;
 * the bytes are stored as pushed.
 */
import {
  DOCKER_FOREIGN_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
} from '../../formats/oci/index.ts';
import { tryParseDigest } from '../../core/index.ts';
import { RegistryError } from './errors.ts';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Most descriptors one manifest may list (layers + manifests). */
export const MAX_DESCRIPTORS = 10_000;

export const SUPPORTED_MANIFEST_TYPES: readonly string[] = [OCI_IMAGE_MANIFEST, OCI_IMAGE_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST];

export interface DescriptorRef {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface ParsedManifest {
  readonly mediaType: string;
  readonly isIndex: boolean;
  /** Config and layers (blobs that must exist in the repository). */
  readonly blobs: readonly DescriptorRef[];
  /** Child manifests of an index (must exist in the repository). */
  readonly manifests: readonly DescriptorRef[];
  readonly subject: DescriptorRef | undefined;
  /** `artifactType`, else the config media type of an image manifest (spec: referrers). */
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
}

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError(400, 'MANIFEST_INVALID', message, detail);
}

function descriptor(value: unknown, where: string): DescriptorRef & { urls?: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${where} is not a descriptor`);
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' || d.mediaType.length > 255) throw invalid(`${where}: mediaType missing`);
  if (tryParseDigest(d.digest) === undefined) {
    throw new RegistryError(400, 'DIGEST_INVALID', `${where}: malformed or unsupported digest`, { digest: String(d.digest).slice(0, 200) });
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw invalid(`${where}: size must be a non-negative integer`);
  return { mediaType: d.mediaType, digest: d.digest as string, size: d.size, urls: d.urls };
}

function descriptors(value: unknown, where: string): (DescriptorRef & { urls?: unknown })[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`${where} is not an array`);
  if (value.length > MAX_DESCRIPTORS) throw invalid(`${where}: more than ${MAX_DESCRIPTORS} descriptors`);
  return value.map((v, i) => descriptor(v, `${where}[${i}]`));
}

/** A layer the registry need not hold: foreign or non-distributable with `urls`. */
function isExternal(d: DescriptorRef & { urls?: unknown }): boolean {
  return (d.mediaType === DOCKER_FOREIGN_LAYER_GZIP || d.mediaType.includes('.nondistributable.')) && Array.isArray(d.urls) && d.urls.length > 0;
}

/**
 * Parse a pushed manifest. `contentType` is the request's Content-Type; when the body has a
 * `mediaType` too, both must agree (spec: the registry "MUST" reject a mismatch of the two).
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('manifest is not UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalid(`manifest is not JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('manifest is not a JSON object');
  const m = doc as Record<string, unknown>;
  const declared = typeof m.mediaType === 'string' ? m.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim().toLowerCase();
  if (declared !== undefined && header !== undefined && header !== '' && header !== declared && SUPPORTED_MANIFEST_TYPES.includes(header)) {
    throw invalid(`Content-Type ${header} does not match the manifest's mediaType ${declared}`);
  }
  let mediaType = declared ?? (header !== undefined && header !== '' ? header : undefined);
  if (mediaType === undefined) mediaType = m.manifests !== undefined ? OCI_IMAGE_INDEX : m.config !== undefined ? OCI_IMAGE_MANIFEST : undefined;
  if (mediaType === undefined || !SUPPORTED_MANIFEST_TYPES.includes(mediaType)) {
    throw invalid(`unsupported manifest media type ${JSON.stringify(mediaType ?? '')}`, { supported: SUPPORTED_MANIFEST_TYPES });
  }
  if (m.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const isIndex = mediaType === OCI_IMAGE_INDEX || mediaType === DOCKER_MANIFEST_LIST;
  const subject = m.subject === undefined ? undefined : descriptor(m.subject, 'subject');
  const annotations = parseAnnotations(m.annotations);
  if (m.artifactType !== undefined && typeof m.artifactType !== 'string') throw invalid('artifactType must be a string');
  if (isIndex) {
    if (m.config !== undefined || m.layers !== undefined) throw invalid('an index has no config or layers');
    const manifests = descriptors(m.manifests, 'manifests');
    if (m.manifests === undefined) throw invalid('an index needs manifests');
    return { mediaType, isIndex, blobs: [], manifests, subject, artifactType: m.artifactType, annotations };
  }
  if (m.manifests !== undefined) throw invalid('an image manifest has no manifests');
  const config = descriptor(m.config, 'config');
  const layers = descriptors(m.layers, 'layers');
  if (m.layers === undefined) throw invalid('an image manifest needs layers');
  const blobs = [config, ...layers.filter((l) => !isExternal(l))].map(({ mediaType: t, digest, size }) => ({ mediaType: t, digest, size }));
  const artifactType = typeof m.artifactType === 'string' ? m.artifactType : config.mediaType;
  return { mediaType, isIndex, blobs, manifests: [], subject, artifactType, annotations };
}

function parseAnnotations(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('annotations must be a string map');
  for (const v of Object.values(value)) if (typeof v !== 'string') throw invalid('annotations must be a string map');
  return value as Record<string, string>;
}
