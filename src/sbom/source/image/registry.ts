/**
 * The `registry:` image source: an image pulled through the OCI Distribution API
 * (clients/registry). Nothing is written to disk here: manifests and the config are read into
 * memory (bounded: 4 MiB and 8 MiB), layers are streamed from the registry when the resolver
 * asks for them, each verified against its descriptor's digest and size.
 *
 *  1. parse the reference with Docker's grammar (`nginx` → `docker.io/library/nginx:latest`);
 *  2. credentials: `--creds`, else the auth files (clients/registry/credentials.ts), else none;
 *  3. GET the manifest by tag or digest (digest-checked); an index or manifest list is narrowed
 *     to one image for the platform (formats/oci selectImageManifest, containerd's ranking),
 *     and that manifest is fetched by digest and checked against the index's size too;
 *  4. GET the config blob (verified), and check its platform against an explicitly asked one;
 *  5. describe the layers: blob digest, media type, size, and the config's diff_id.
 */
import type { Readable } from 'node:stream';
import { RegistryClient, findCredentials } from '../../../clients/index.ts';
import { VouchError } from '../../../core/index.ts';
import type { ImageDescription, ImageLayer, Platform } from '../../../formats/model/index.ts';
import {
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  LEGACY_DOCKER_CONFIG,
  MAX_CONFIG_BYTES,
  MAX_MANIFEST_BYTES,
  type PlatformSpec,
  formatPlatform,
  isImageConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  parseImageConfig,
  parseImageReference,
  parseJsonDocument,
  parseManifestDocument,
  parsePlatform,
  platformRank,
  selectImageManifest,
} from '../../../formats/oci/index.ts';
import type { ImageOpenOptions, ImageSource } from './types.ts';

/** A registry image opened for one platform. */
class RegistryImage implements ImageSource {
  readonly description: ImageDescription;
  readonly #client: RegistryClient;
  readonly #repository: string;
  readonly #layers: readonly Descriptor[];
  readonly #open = new Set<Readable>();
  #closed = false;

  constructor(client: RegistryClient, repository: string, description: ImageDescription, layers: readonly Descriptor[]) {
    this.#client = client;
    this.#repository = repository;
    this.description = description;
    this.#layers = layers;
  }

  async openLayer(index: number): Promise<Readable> {
    if (this.#closed) throw new VouchError('INTERNAL', `${this.description.reference}: openLayer after close`);
    const layer = this.#layers[index];
    if (layer === undefined || !Number.isInteger(index)) {
      throw new VouchError('IMAGE_NOT_FOUND', `${this.description.reference} has no layer ${index} (it has ${this.#layers.length})`);
    }
    const stream = await this.#client.openBlob(this.#repository, layer.digest, { size: layer.size });
    if (this.#closed) {
      stream.destroy();
      throw new VouchError('INTERNAL', `${this.description.reference}: closed while layer ${index} was being opened`);
    }
    this.#open.add(stream);
    stream.once('close', () => this.#open.delete(stream));
    return stream;
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#open) s.destroy();
    this.#open.clear();
    return Promise.resolve();
  }
}

/** The media type the registry declared, when it is one that can tell manifest from index. */
function declaredType(mediaType: string): string | undefined {
  return isManifestMediaType(mediaType) || isIndexMediaType(mediaType) ? mediaType : undefined;
}

function toPlatform(config: ImageConfig): Platform {
  return config.variant === undefined || config.variant === ''
    ? { os: config.os, architecture: config.architecture }
    : { os: config.os, architecture: config.architecture, variant: config.variant };
}

/** Open `ref` (a Docker-style reference) from its registry. */
export async function openRegistryImage(ref: string, options: ImageOpenOptions): Promise<ImageSource> {
  const logger = options.logger;
  const reference = parseImageReference(ref);
  const wanted: PlatformSpec | undefined = options.platform === undefined ? undefined : parsePlatform(options.platform);
  const name = reference.toString();
  const repository = reference.path;

  const found = findCredentials(reference.domain, repository, { ...(options.creds !== undefined && { creds: options.creds }), env: options.env ?? process.env });
  for (const w of found.warnings) logger.warn(w);
  if (found.source !== undefined) logger.debug(`credentials for ${reference.domain} from ${found.source}`);
  const client = new RegistryClient(reference.domain, { insecure: options.insecure ?? false, credentials: found.credentials, logger });

  /** A manifest or index by digest, checked against its descriptor's size (the digest is checked by the client). */
  const fetchByDescriptor = async (d: Descriptor, what: string): Promise<{ bytes: Buffer; mediaType: string }> => {
    if (d.size > MAX_MANIFEST_BYTES) throw new VouchError('LIMIT_EXCEEDED', `${what} is ${d.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`);
    const m = await client.getManifest(repository, d.digest);
    if (m.bytes.byteLength !== d.size) {
      throw new VouchError('DIGEST_MISMATCH', `${what} ${d.digest}: ${m.bytes.byteLength} bytes, the index says ${d.size}`);
    }
    return { bytes: m.bytes, mediaType: d.mediaType };
  };
  const loadConfig = async (manifest: ImageManifest, what: string): Promise<ImageConfig> => {
    const c = manifest.config;
    if (!isImageConfigMediaType(c.mediaType) && c.mediaType !== LEGACY_DOCKER_CONFIG) {
      throw new VouchError('IMAGE_INVALID', `${what} is not a container image: its config is ${c.mediaType}`, {
        hint: 'this looks like an OCI artifact (chart, signature, SBOM...), not something to scan as an image',
      });
    }
    const bytes = await client.getBlob(repository, c.digest, { size: c.size, maxBytes: MAX_CONFIG_BYTES });
    return parseImageConfig(parseJsonDocument(bytes, `config of ${what}`, MAX_CONFIG_BYTES), { mediaType: c.mediaType }, `config of ${what}`);
  };

  const top = await client.getManifest(repository, reference.identifier);
  const doc = parseManifestDocument(parseJsonDocument(top.bytes, `manifest of ${name}`), declaredType(top.mediaType), `manifest of ${name}`);
  let manifest: ImageManifest;
  let manifestDigest = top.digest;
  let manifestMediaType = doc.mediaType;
  if (doc.kind === 'index') {
    logger.debug(`${name}: ${doc.mediaType} ${top.digest} with ${doc.index.manifests.length} entries`);
    const selection = await selectImageManifest(doc.index, {
      ...(wanted !== undefined && { platform: wanted }),
      mode: 'image',
      what: name,
      loadIndex: async (d): Promise<ImageIndex> => {
        const nested = await fetchByDescriptor(d, `index of ${name}`);
        const parsed = parseManifestDocument(parseJsonDocument(nested.bytes, `index ${d.digest}`), d.mediaType, `index ${d.digest}`);
        if (parsed.kind !== 'index') throw new VouchError('IMAGE_INVALID', `index ${d.digest} of ${name} is an image manifest, declared as ${d.mediaType}`);
        return parsed.index;
      },
      loadPlatform: async (d): Promise<PlatformSpec | undefined> => {
        const m = await fetchByDescriptor(d, `manifest of ${name}`);
        const parsed = parseManifestDocument(parseJsonDocument(m.bytes, `manifest ${d.digest}`), d.mediaType, `manifest ${d.digest}`);
        if (parsed.kind !== 'manifest') return undefined;
        return toPlatform(await loadConfig(parsed.manifest, `${name}@${d.digest}`));
      },
    });
    const chosen = selection.descriptor;
    const m = await fetchByDescriptor(chosen, `manifest of ${name}`);
    const parsed = parseManifestDocument(parseJsonDocument(m.bytes, `manifest ${chosen.digest}`), chosen.mediaType, `manifest ${chosen.digest}`);
    if (parsed.kind !== 'manifest') throw new VouchError('IMAGE_INVALID', `${name}: ${chosen.digest} is an index, declared as ${chosen.mediaType}`);
    manifest = parsed.manifest;
    manifestDigest = chosen.digest;
    manifestMediaType = parsed.mediaType;
    logger.debug(`${name}: chose ${chosen.digest}${selection.platform === undefined ? '' : ` (${formatPlatform(selection.platform)})`} of ${selection.candidates}`);
  } else {
    manifest = doc.manifest;
  }

  const what = `${name}@${manifestDigest}`;
  const config = await loadConfig(manifest, what);
  const platform = toPlatform(config);
  // An index was narrowed by platform already; a lone manifest is the image whatever the host
  // (as skopeo and stereoscope do), unless a platform was asked for explicitly.
  if (wanted !== undefined && platformRank(wanted, platform) < 0) {
    throw new VouchError('IMAGE_NOT_FOUND', `${name} is an image for ${formatPlatform(platform)}, not ${formatPlatform(wanted)}`, {
      hint: 'drop --platform, or name the platform the image was built for',
    });
  }
  const diffIds = config.rootfs.diffIds;
  if (diffIds.length !== manifest.layers.length) {
    throw new VouchError('IMAGE_INVALID', `${what}: ${manifest.layers.length} layers in the manifest but ${diffIds.length} diff_ids in the config`);
  }
  const layers: ImageLayer[] = manifest.layers.map((l, i) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size, diffId: diffIds[i] ?? '' }));
  const description: ImageDescription = {
    reference: name,
    manifestDigest,
    manifestMediaType,
    configDigest: manifest.config.digest,
    platform,
    layers,
    ...(reference.tag !== undefined && { tags: [reference.tag] }),
  };
  logger.debug(`${what}: ${formatPlatform(platform)}, ${layers.length} layers`);
  return new RegistryImage(client, repository, description, manifest.layers);
}
