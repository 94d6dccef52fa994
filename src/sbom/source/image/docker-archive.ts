/**
 * `docker-archive:FILE`: the output of `docker save` (or `skopeo copy … docker-archive:FILE`).
 *
 * Two layouts exist (moby image/tarexport):
 * - Docker 25+ writes an OCI image layout (index.json, oci-layout, blobs/) with the legacy
 *   manifest.json beside it. When index.json and oci-layout are there, the image is read as an
 *   OCI layout (manifest and config digests verified) and manifest.json only adds RepoTags.
 * - Older Docker and skopeo write only manifest.json: `[{Config, RepoTags, Layers}]` with the
 *   config at `<hex>.json` and layers at `<id>/layer.tar` or `<hex>.tar`, usually uncompressed.
 *
 * In the legacy layout there is no image manifest at all, so `manifestDigest` and
 * `manifestMediaType` are '' (the writers then name the image by its config digest, which is
 * Docker's image id): the digest of a manifest Vouch would synthesize matches no registry's
 * and would only mislead. Each layer's digest is the sha256 of the file as stored: for an
 * uncompressed layer that is its diff id, checked while the layer is streamed; for a compressed
 * one the digest its blob name gives, or else one computed by reading the file once here.
 * The config's digest is checked against its `<hex>.json` name when it has one.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { VouchError, computeDigest, parseDigest, verifyDigest } from '../../../core/index.ts';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_LAYER_TAR,
  MAX_CONFIG_BYTES,
  MAX_INDEX_BYTES,
  defaultPlatform,
  OCI_LAYER_TAR_ZSTD,
  formatPlatform,
  parseDockerSaveManifest,
  parseImageConfig,
  parseJsonDocument,
  parsePlatform,
  platformRank,
  type Descriptor,
  type DockerSaveEntry,
  type ImageConfig,
  type PlatformSpec,
} from '../../../formats/oci/index.ts';
import type { ImageDescription, ImageLayer } from '../../../formats/model/index.ts';
import { cleanArchivePath, layerSource, openLayoutImage, readStoreFile, TarStore, type StoredFile } from './local.ts';
import type { ImageOpenOptions, ImageSource } from './types.ts';

/** Most images one manifest.json may list before Vouch refuses to look at their configs. */
export const MAX_ARCHIVE_IMAGES = 256;

export async function openDockerArchive(file: string, options: ImageOpenOptions): Promise<ImageSource> {
  const store = await TarStore.open(file, `docker-archive ${file}`);
  let entries: DockerSaveEntry[] | undefined;
  try {
    const manifestJson = await readStoreFile(store, 'manifest.json', MAX_INDEX_BYTES);
    if (manifestJson !== undefined) entries = parseDockerSaveManifest(parseJsonDocument(manifestJson, 'manifest.json', MAX_INDEX_BYTES));
    const ociLayout = store.entries.has('index.json') && store.entries.has('oci-layout');
    if (!ociLayout) {
      if (entries === undefined) {
        throw new VouchError('IMAGE_INVALID', `${store.label}: neither manifest.json nor index.json: not a docker save archive`);
      }
      return await openLegacy(store, entries, file, options);
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  const source = await openLayoutImage(store, options, { reference: file });
  // manifest.json's RepoTags for the same image (its Config is blobs/sha256/<config hex>).
  const hex = parseDigest(source.description.configDigest).hex;
  const repoTags = (entries ?? []).filter((e) => e.config.endsWith(hex)).flatMap((e) => e.repoTags);
  const tags = [...new Set([...(source.description.tags ?? []), ...repoTags])];
  if (tags.length === 0) return source;
  return { description: { ...source.description, tags }, openLayer: (i) => source.openLayer(i), close: () => source.close() };
}

const NAMED_BY_DIGEST = /(?:^|\/)([a-f0-9]{64})(?:\.json|\.tar|\/layer\.tar)?$/;
const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;

async function member(store: TarStore, path: string, what: string): Promise<{ path: string; file: StoredFile }> {
  if (path === '') throw new VouchError('IMAGE_INVALID', `${store.label}: manifest.json names no ${what}`);
  const clean = cleanArchivePath(path, store.label);
  const file = await store.file(clean);
  if (file === undefined) throw new VouchError('IMAGE_NOT_FOUND', `${store.label}: ${what} ${clean} is missing from the archive`);
  return { path: clean, file };
}

async function loadLegacyConfig(store: TarStore, entry: DockerSaveEntry): Promise<{ config: ImageConfig; digest: string }> {
  const { path, file } = await member(store, entry.config, 'config');
  const bytes = await readStoreFile(store, path, MAX_CONFIG_BYTES);
  if (bytes === undefined || bytes.length !== file.size) throw new VouchError('IMAGE_NOT_FOUND', `${store.label}: config ${path} cannot be read`);
  const named = NAMED_BY_DIGEST.exec(path)?.[1];
  // `<hex>.json` is the config's own sha256 (the image id): check it. Otherwise compute it.
  const digest = named !== undefined ? `sha256:${named}` : computeDigest(bytes);
  verifyDigest(bytes, digest, bytes.length, `config ${path}`);
  const config = parseImageConfig(parseJsonDocument(bytes, `config ${path}`, MAX_CONFIG_BYTES), { mediaType: DOCKER_CONFIG }, `config ${path}`);
  return { config, digest };
}

function platformOf(config: ImageConfig): PlatformSpec {
  return { os: config.os, architecture: config.architecture, ...(config.variant !== undefined && { variant: config.variant }) };
}

async function head(file: StoredFile, n: number): Promise<Buffer> {
  const stream = await file.open();
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= n) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

async function hashFile(file: StoredFile): Promise<string> {
  const hash = createHash('sha256');
  const stream: Readable = await file.open();
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

interface Loaded {
  readonly entry: DockerSaveEntry;
  readonly config: ImageConfig;
  readonly digest: string;
}

async function openLegacy(store: TarStore, entries: DockerSaveEntry[], file: string, options: ImageOpenOptions): Promise<ImageSource> {
  const wanted = options.platform === undefined ? undefined : parsePlatform(options.platform);
  let chosen: Loaded;
  const first = entries[0];
  if (entries.length === 1 && first !== undefined) {
    chosen = { entry: first, ...(await loadLegacyConfig(store, first)) };
    if (wanted !== undefined && platformRank(wanted, platformOf(chosen.config)) < 0) {
      options.logger.warn(`${store.label}: asked for ${formatPlatform(wanted)}, but its only image is ${formatPlatform(platformOf(chosen.config))}; reading that`);
    }
  } else {
    if (entries.length > MAX_ARCHIVE_IMAGES) throw new VouchError('LIMIT_EXCEEDED', `${store.label}: manifest.json lists more than ${MAX_ARCHIVE_IMAGES} images`);
    const target = wanted ?? defaultPlatform();
    const loaded: Loaded[] = [];
    for (const entry of entries) loaded.push({ entry, ...(await loadLegacyConfig(store, entry)) });
    const ranked = loaded.map((l) => ({ l, rank: platformRank(target, platformOf(l.config)) })).filter((r) => r.rank >= 0);
    const best = Math.min(...ranked.map((r) => r.rank));
    const matches = ranked.filter((r) => r.rank === best).map((r) => r.l);
    const name = (l: Loaded): string => (l.entry.repoTags.length > 0 ? l.entry.repoTags.join('|') : l.digest.slice(0, 19));
    if (matches.length === 0) {
      throw new VouchError('IMAGE_NOT_FOUND', `no image for platform ${formatPlatform(target)} in ${store.label}; available: ${[...new Set(loaded.map((l) => formatPlatform(platformOf(l.config))))].join(', ')}`);
    }
    if (new Set(matches.map((m) => m.digest)).size > 1) {
      throw new VouchError('IMAGE_INVALID', `${store.label} holds ${matches.length} different images for platform ${formatPlatform(target)} (${matches.map(name).join(', ')}); Vouch reads one image per archive`, {
        hint: 'docker save one image per archive',
      });
    }
    chosen = matches[0] as Loaded;
  }

  const { entry, config, digest } = chosen;
  const diffIds = config.rootfs.diffIds;
  if (entry.layers.length !== diffIds.length) {
    throw new VouchError('IMAGE_INVALID', `${store.label}: manifest.json lists ${entry.layers.length} layers but the config ${diffIds.length} diff_ids`);
  }
  const layers: ImageLayer[] = [];
  const descriptors: Descriptor[] = [];
  // Legacy layers are found by path, not by digest.
  const files: StoredFile[] = [];
  for (const [i, layerPath] of entry.layers.entries()) {
    const { path, file: layerFile } = await member(store, layerPath, `layer ${i}`);
    const diffId = diffIds[i] as string;
    const magic = await head(layerFile, 4);
    const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
    const zstd = magic.length === 4 && magic.readUInt32LE(0) === 0xfd2fb528;
    const blobHex = BLOB_PATH.exec(path)?.[1];
    let layerDigest: string;
    if (!gzip && !zstd) {
      // The stored bytes are the uncompressed tar: its sha256 is the diff id (checked when streamed).
      layerDigest = diffId;
      if (blobHex !== undefined && `sha256:${blobHex}` !== diffId) {
        throw new VouchError('DIGEST_MISMATCH', `${store.label}: layer ${i} is stored as ${path}, but the config's diff id is ${diffId}`);
      }
    } else {
      layerDigest = blobHex !== undefined ? `sha256:${blobHex}` : await hashFile(layerFile);
    }
    const mediaType = gzip ? DOCKER_LAYER_GZIP : zstd ? OCI_LAYER_TAR_ZSTD : DOCKER_LAYER_TAR;
    layers.push({ digest: layerDigest, mediaType, size: layerFile.size, diffId });
    descriptors.push({ mediaType, digest: layerDigest, size: layerFile.size });
    files.push(layerFile);
  }
  const description: ImageDescription = {
    reference: file,
    manifestDigest: '',
    manifestMediaType: '',
    configDigest: digest,
    platform: platformOf(config),
    layers,
    ...(entry.repoTags.length > 0 && { tags: [...new Set(entry.repoTags)] }),
  };
  return layerSource(store, description, descriptors, (i) => Promise.resolve(files[i] as StoredFile));
}
