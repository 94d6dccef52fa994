/**
 * Typed models of the OCI image-spec v1.1 documents (descriptor.md, manifest.md,
 * image-index.md, config.md, image-layout.md) and their Docker V2 Schema 2 counterparts, parsed
 * from `unknown` JSON. Each `parse*` rejects what the image-spec JSON Schemas (schema/*.json)
 * reject, plus the semantic checks image-spec's Go validator adds (schema/validator.go): a
 * registered digest algorithm needs its exact encoding, `data` is padded base64, config `Env`
 * entries are KEY=VALUE, `urls` are absolute URIs. Fields the spec does not define are kept in
 * `unknownFields` (house rule 8), so nothing a newer spec adds is lost.
 *
 * Hand-written rather than generated with ajv from the schemas: the schemas leave out the Go
 * checks above, and a hand-written walk gives messages that name the field (`layers[2].digest`).
 */
import { VouchError } from '../../core/index.ts';
import {
  DOCKER_CONFIG,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  isImageConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
} from './media-types.ts';

/** The config media type of early Docker schema 2 manifests. */
export const LEGACY_DOCKER_CONFIG = 'application/octet-stream';

/** Largest manifest or index accepted: distribution's and containerd's 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest image config accepted (configs with long histories run to a few hundred KiB). */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
/** Largest `index.json`/`manifest.json` of a layout or archive. */
export const MAX_INDEX_BYTES = MAX_MANIFEST_BYTES;

export type JsonObject = Readonly<Record<string, unknown>>;

export interface OciPlatform {
  readonly architecture: string;
  readonly os: string;
  readonly osVersion?: string;
  readonly osFeatures?: readonly string[];
  readonly variant?: string;
  readonly unknownFields?: JsonObject;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  /** Embedded content, base64 (descriptor.md "Embedded Content"). */
  readonly data?: string;
  readonly artifactType?: string;
  /** Only in an index's `manifests`. */
  readonly platform?: OciPlatform;
  readonly unknownFields?: JsonObject;
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly unknownFields?: JsonObject;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly unknownFields?: JsonObject;
}

export interface ContainerConfig {
  readonly User?: string;
  readonly ExposedPorts?: Readonly<Record<string, JsonObject>>;
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly Volumes?: Readonly<Record<string, JsonObject>> | null;
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly StopSignal?: string;
  readonly ArgsEscaped?: boolean;
  readonly unknownFields?: JsonObject;
}

export interface HistoryEntry {
  readonly created?: string;
  readonly author?: string;
  readonly createdBy?: string;
  readonly comment?: string;
  readonly emptyLayer?: boolean;
  readonly unknownFields?: JsonObject;
}

export interface ImageConfig {
  readonly created?: string;
  readonly author?: string;
  readonly architecture: string;
  readonly os: string;
  readonly osVersion?: string;
  readonly osFeatures?: readonly string[];
  readonly variant?: string;
  readonly config?: ContainerConfig;
  readonly rootfs: { readonly type: 'layers'; readonly diffIds: readonly string[] };
  readonly history?: readonly HistoryEntry[];
  readonly unknownFields?: JsonObject;
}

export interface LayoutHeader {
  readonly imageLayoutVersion: '1.0.0';
  readonly unknownFields?: JsonObject;
}

// --- JSON documents ---------------------------------------------------------------------

/**
 * Parse a JSON document of at most `maxBytes` bytes (strict UTF-8). Throws IMAGE_INVALID naming
 * `what` on malformed JSON, LIMIT_EXCEEDED when over the bound.
 */
export function parseJsonDocument(bytes: Uint8Array | string, what: string, maxBytes = MAX_MANIFEST_BYTES): unknown {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > maxBytes) throw new VouchError('LIMIT_EXCEEDED', `${what} is ${size} bytes, over the ${maxBytes}-byte limit`);
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new VouchError('IMAGE_INVALID', `${what} is not UTF-8 text`, { cause: err });
  }
  if (text.trim() === '') throw new VouchError('IMAGE_INVALID', `${what} is empty`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new VouchError('IMAGE_INVALID', `${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

// --- field checks -----------------------------------------------------------------------

function invalid(where: string, reason: string): VouchError {
  return new VouchError('IMAGE_INVALID', `${where}: ${reason}`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 60) ?? ''}`.trim();
}

function object(value: unknown, where: string): JsonObject {
  if (!isObject(value)) throw invalid(where, `must be an object, got ${describe(value)}`);
  return value;
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw invalid(where, `must be a string, got ${describe(value)}`);
  return value;
}

function optString(obj: JsonObject, key: string, where: string): string | undefined {
  return obj[key] === undefined ? undefined : string(obj[key], `${where}.${key}`);
}

function stringArray(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw invalid(where, `must be an array of strings, got ${describe(value)}`);
  return value.map((v, i) => string(v, `${where}[${i}]`));
}

function stringMap(value: unknown, where: string): Record<string, string> {
  const obj = object(value, where);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = string(v, `${where}[${JSON.stringify(k)}]`);
  return out;
}

function objectMap(value: unknown, where: string): Record<string, JsonObject> {
  const obj = object(value, where);
  const out: Record<string, JsonObject> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = object(v, `${where}[${JSON.stringify(k)}]`);
  return out;
}

function unknownFieldsOf(obj: JsonObject, known: readonly string[]): JsonObject | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (known.includes(k)) continue;
    (out ??= {})[k] = v;
  }
  return out;
}

/** defs-descriptor.json `mediaType`: RFC 6838 type/subtype, each ≤ 127 characters. */
const MEDIA_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
/** defs-descriptor.json `digest`. */
const DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** go-digest's registered algorithms and their encodings (descriptor.md "Registered algorithms"). */
const REGISTERED_DIGESTS: Readonly<Record<string, RegExp>> = Object.freeze({
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
});
/** Padded standard base64, as Go's encoding/json decodes []byte. */
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** RFC 3339 date-time (JSON Schema `format: date-time`). */
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export function isMediaType(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_TYPE_RE.test(value);
}

function mediaType(value: unknown, where: string): string {
  const s = string(value, where);
  if (!MEDIA_TYPE_RE.test(s)) throw invalid(where, `${JSON.stringify(s.slice(0, 300))} is not a media type (type/subtype)`);
  return s;
}

/**
 * Check a descriptor digest as image-spec does: the general grammar, and for a registered
 * algorithm (sha256, sha384, sha512) its exact lower-case hex encoding. Other algorithms pass
 * here (the spec allows them) and are refused later by whatever must verify the content.
 */
export function checkDescriptorDigest(value: unknown, where: string): string {
  const s = string(value, where);
  if (s.length > 1024 || !DIGEST_RE.test(s)) throw invalid(where, `${JSON.stringify(s.slice(0, 200))} is not a digest (algorithm:encoded)`);
  const algorithm = s.slice(0, s.indexOf(':'));
  const encoding = REGISTERED_DIGESTS[algorithm];
  if (encoding !== undefined && !encoding.test(s.slice(algorithm.length + 1))) {
    throw invalid(where, `${JSON.stringify(s.slice(0, 200))}: a ${algorithm} digest is lower-case hex of the exact length`);
  }
  return s;
}

function size(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(where, `must be an integer, got ${describe(value)}`);
  if (value < 0) throw invalid(where, `must not be negative, got ${value}`);
  if (!Number.isSafeInteger(value)) throw invalid(where, `${value} bytes is not a size Vouch can handle (over 2^53)`);
  return value;
}

/** JSON Schema `format: uri` as image-spec's Go validator checks it: an absolute URI. */
function uri(value: unknown, where: string): string {
  const s = string(value, where);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s\\]*$/.test(s) || !URL.canParse(s)) throw invalid(where, `${JSON.stringify(s.slice(0, 200))} is not an absolute URI`);
  return s;
}

function dateTime(value: unknown, where: string): string {
  const s = string(value, where);
  if (!DATE_TIME_RE.test(s)) throw invalid(where, `${JSON.stringify(s.slice(0, 100))} is not an RFC 3339 date-time`);
  return s;
}

function schemaVersion(obj: JsonObject, where: string): 2 {
  const v = obj['schemaVersion'];
  if (v === undefined) throw invalid(where, 'schemaVersion is missing');
  if (v === 1) throw invalid(where, 'Docker image manifest schema 1 is not supported (deprecated); re-push the image with a current client');
  if (v !== 2) throw invalid(where, `schemaVersion must be 2, got ${describe(v)}`);
  return 2;
}

// --- descriptors -------------------------------------------------------------------------

const PLATFORM_FIELDS = ['architecture', 'os', 'os.version', 'os.features', 'variant'] as const;

export function parsePlatformObject(value: unknown, where = 'platform'): OciPlatform {
  const obj = object(value, where);
  if (obj['architecture'] === undefined) throw invalid(where, 'architecture is missing');
  if (obj['os'] === undefined) throw invalid(where, 'os is missing');
  const osVersion = optString(obj, 'os.version', where);
  const osFeatures = obj['os.features'] === undefined ? undefined : stringArray(obj['os.features'], `${where}.os.features`);
  const variant = optString(obj, 'variant', where);
  const unknownFields = unknownFieldsOf(obj, PLATFORM_FIELDS);
  return {
    architecture: string(obj['architecture'], `${where}.architecture`),
    os: string(obj['os'], `${where}.os`),
    ...(osVersion !== undefined && { osVersion }),
    ...(osFeatures !== undefined && { osFeatures }),
    ...(variant !== undefined && { variant }),
    ...(unknownFields !== undefined && { unknownFields }),
  };
}

const DESCRIPTOR_FIELDS = ['mediaType', 'digest', 'size', 'urls', 'annotations', 'data', 'artifactType', 'platform'] as const;

/** A content descriptor (content-descriptor.json; `platform` as in an index's manifests). */
export function parseDescriptor(value: unknown, where = 'descriptor'): Descriptor {
  const obj = object(value, where);
  for (const key of ['mediaType', 'size', 'digest'] as const) {
    if (obj[key] === undefined) throw invalid(where, `${key} is missing`);
  }
  const urls = obj['urls'] === undefined ? undefined : stringArray(obj['urls'], `${where}.urls`).map((u, i) => uri(u, `${where}.urls[${i}]`));
  const annotations = obj['annotations'] === undefined ? undefined : stringMap(obj['annotations'], `${where}.annotations`);
  let data: string | undefined;
  if (obj['data'] !== undefined) {
    data = string(obj['data'], `${where}.data`);
    if (!BASE64_RE.test(data)) throw invalid(`${where}.data`, 'must be padded standard base64');
  }
  const artifactType = obj['artifactType'] === undefined ? undefined : mediaType(obj['artifactType'], `${where}.artifactType`);
  const platform = obj['platform'] === undefined ? undefined : parsePlatformObject(obj['platform'], `${where}.platform`);
  const unknownFields = unknownFieldsOf(obj, DESCRIPTOR_FIELDS);
  return {
    mediaType: mediaType(obj['mediaType'], `${where}.mediaType`),
    digest: checkDescriptorDigest(obj['digest'], `${where}.digest`),
    size: size(obj['size'], `${where}.size`),
    ...(urls !== undefined && { urls }),
    ...(annotations !== undefined && { annotations }),
    ...(data !== undefined && { data }),
    ...(artifactType !== undefined && { artifactType }),
    ...(platform !== undefined && { platform }),
    ...(unknownFields !== undefined && { unknownFields }),
  };
}

// --- manifest and index --------------------------------------------------------------------

const MANIFEST_FIELDS = ['schemaVersion', 'mediaType', 'artifactType', 'config', 'layers', 'subject', 'annotations'] as const;

/**
 * An image manifest: OCI (image-manifest-schema.json) or Docker V2 Schema 2 (same shape). A
 * `mediaType` in the document must be a manifest's; `layers` needs at least one entry for an OCI
 * manifest, as the schema says (a Docker one may have none: Docker writes them for `FROM scratch`).
 */
export function parseImageManifest(value: unknown, options: { readonly mediaType?: string } = {}, where = 'manifest'): ImageManifest {
  const obj = object(value, where);
  rejectSchema1(obj, where);
  const version = schemaVersion(obj, where);
  const docType = obj['mediaType'] === undefined ? undefined : mediaType(obj['mediaType'], `${where}.mediaType`);
  if (docType !== undefined && !isManifestMediaType(docType)) {
    throw invalid(`${where}.mediaType`, `${docType} is not an image manifest media type`);
  }
  if (obj['config'] === undefined) throw invalid(where, 'config is missing');
  if (obj['layers'] === undefined) {
    throw invalid(where, obj['manifests'] !== undefined ? 'has manifests but no layers: it is an image index, not a manifest' : 'layers is missing');
  }
  const config = parseDescriptor(obj['config'], `${where}.config`);
  if (!Array.isArray(obj['layers'])) throw invalid(`${where}.layers`, `must be an array, got ${describe(obj['layers'])}`);
  const layers = obj['layers'].map((l, i) => parseDescriptor(l, `${where}.layers[${i}]`));
  if (layers.length === 0 && (docType ?? options.mediaType) !== DOCKER_MANIFEST) {
    throw invalid(`${where}.layers`, 'must have at least one layer');
  }
  const artifactType = obj['artifactType'] === undefined ? undefined : mediaType(obj['artifactType'], `${where}.artifactType`);
  const subject = obj['subject'] === undefined ? undefined : parseDescriptor(obj['subject'], `${where}.subject`);
  const annotations = obj['annotations'] === undefined ? undefined : stringMap(obj['annotations'], `${where}.annotations`);
  const unknownFields = unknownFieldsOf(obj, MANIFEST_FIELDS);
  return {
    schemaVersion: version,
    ...(docType !== undefined && { mediaType: docType }),
    ...(artifactType !== undefined && { artifactType }),
    config,
    layers,
    ...(subject !== undefined && { subject }),
    ...(annotations !== undefined && { annotations }),
    ...(unknownFields !== undefined && { unknownFields }),
  };
}

const INDEX_FIELDS = ['schemaVersion', 'mediaType', 'artifactType', 'manifests', 'subject', 'annotations'] as const;

/** An image index (image-index-schema.json) or a Docker manifest list (same shape). */
export function parseImageIndex(value: unknown, where = 'index'): ImageIndex {
  const obj = object(value, where);
  rejectSchema1(obj, where);
  const version = schemaVersion(obj, where);
  const docType = obj['mediaType'] === undefined ? undefined : mediaType(obj['mediaType'], `${where}.mediaType`);
  if (docType !== undefined && !isIndexMediaType(docType)) {
    throw invalid(`${where}.mediaType`, `${docType} is not an image index media type`);
  }
  if (obj['manifests'] === undefined) {
    throw invalid(where, obj['layers'] !== undefined ? 'has layers but no manifests: it is an image manifest, not an index' : 'manifests is missing');
  }
  if (!Array.isArray(obj['manifests'])) throw invalid(`${where}.manifests`, `must be an array, got ${describe(obj['manifests'])}`);
  const manifests = obj['manifests'].map((m, i) => parseDescriptor(m, `${where}.manifests[${i}]`));
  const artifactType = obj['artifactType'] === undefined ? undefined : mediaType(obj['artifactType'], `${where}.artifactType`);
  const subject = obj['subject'] === undefined ? undefined : parseDescriptor(obj['subject'], `${where}.subject`);
  const annotations = obj['annotations'] === undefined ? undefined : stringMap(obj['annotations'], `${where}.annotations`);
  const unknownFields = unknownFieldsOf(obj, INDEX_FIELDS);
  return {
    schemaVersion: version,
    ...(docType !== undefined && { mediaType: docType }),
    ...(artifactType !== undefined && { artifactType }),
    manifests,
    ...(subject !== undefined && { subject }),
    ...(annotations !== undefined && { annotations }),
    ...(unknownFields !== undefined && { unknownFields }),
  };
}

function rejectSchema1(obj: JsonObject, where: string): void {
  const t = obj['mediaType'];
  if (t === DOCKER_MANIFEST_V1 || t === DOCKER_MANIFEST_V1_SIGNED) {
    throw invalid(where, 'Docker image manifest schema 1 is not supported (deprecated); re-push the image with a current client');
  }
}

export type ManifestDocument =
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest }
  | { readonly kind: 'index'; readonly mediaType: string; readonly index: ImageIndex };

/**
 * Parse a manifest-or-index document whose kind is told by the descriptor or response that
 * announced it (`declaredMediaType`), by its own `mediaType`, or else by its shape. A document
 * whose own `mediaType` contradicts the declared one is refused (a type-confusion guard).
 */
export function parseManifestDocument(value: unknown, declaredMediaType?: string, where = 'manifest'): ManifestDocument {
  const obj = object(value, where);
  const own = typeof obj['mediaType'] === 'string' ? obj['mediaType'] : undefined;
  if (declaredMediaType !== undefined && own !== undefined && own !== declaredMediaType) {
    throw invalid(where, `declared as ${declaredMediaType} but its mediaType says ${own}`);
  }
  const type = own ?? declaredMediaType;
  let kind: 'manifest' | 'index' | undefined;
  if (isManifestMediaType(type)) kind = 'manifest';
  else if (isIndexMediaType(type)) kind = 'index';
  else if (type === undefined || type === 'application/json') {
    if (obj['manifests'] !== undefined && obj['layers'] === undefined) kind = 'index';
    else if (obj['layers'] !== undefined || obj['config'] !== undefined) kind = 'manifest';
  }
  if (kind === undefined) {
    rejectSchema1(obj, where);
    throw invalid(where, type === undefined ? 'neither an image manifest nor an image index' : `unsupported media type ${type}`);
  }
  if (kind === 'manifest') {
    const manifest = parseImageManifest(obj, { ...(type !== undefined && { mediaType: type }) }, where);
    return { kind, mediaType: manifest.mediaType ?? declaredMediaType ?? OCI_IMAGE_MANIFEST, manifest };
  }
  const index = parseImageIndex(obj, where);
  return { kind, mediaType: index.mediaType ?? declaredMediaType ?? OCI_IMAGE_INDEX, index };
}

// --- image config -------------------------------------------------------------------------

const CONTAINER_CONFIG_FIELDS = [
  'User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped',
] as const;
const HISTORY_FIELDS = ['created', 'author', 'created_by', 'comment', 'empty_layer'] as const;
const CONFIG_FIELDS = [
  'created', 'author', 'architecture', 'os', 'os.version', 'os.features', 'variant', 'config', 'rootfs', 'history',
] as const;

export interface ParseConfigOptions {
  /**
   * The config's media type. For Docker's (`application/vnd.docker.container.image.v1+json`)
   * `null` is read as absent where Docker's Go structs write null for an empty list (`Env`,
   * `ExposedPorts`, `history`) and a missing `rootfs.diff_ids` as no layers (Go's omitempty):
   * real Docker configs do both and the OCI schema would reject them.
   */
  readonly mediaType?: string;
}

function nullableArray(value: unknown, where: string): string[] | null {
  return value === null ? null : stringArray(value, where);
}

function parseContainerConfig(value: unknown, where: string, docker: boolean): ContainerConfig {
  const obj = object(value, where);
  const present = (key: string): boolean => obj[key] !== undefined && !(docker && obj[key] === null && ['Env', 'ExposedPorts', 'User', 'WorkingDir', 'StopSignal'].includes(key));
  let Env: string[] | undefined;
  if (present('Env')) {
    Env = stringArray(obj['Env'], `${where}.Env`);
    // schema/validator.go validateConfig: every entry is KEY=VALUE.
    Env.forEach((e, i) => {
      if (!/^[^=]+=/.test(e)) throw invalid(`${where}.Env[${i}]`, `${JSON.stringify(e.slice(0, 100))} is not KEY=VALUE`);
    });
  }
  const out: Record<string, unknown> = {};
  if (present('User')) out['User'] = string(obj['User'], `${where}.User`);
  if (present('ExposedPorts')) out['ExposedPorts'] = objectMap(obj['ExposedPorts'], `${where}.ExposedPorts`);
  if (Env !== undefined) out['Env'] = Env;
  if (obj['Entrypoint'] !== undefined) out['Entrypoint'] = nullableArray(obj['Entrypoint'], `${where}.Entrypoint`);
  if (obj['Cmd'] !== undefined) out['Cmd'] = nullableArray(obj['Cmd'], `${where}.Cmd`);
  if (obj['Volumes'] !== undefined) out['Volumes'] = obj['Volumes'] === null ? null : objectMap(obj['Volumes'], `${where}.Volumes`);
  if (present('WorkingDir')) out['WorkingDir'] = string(obj['WorkingDir'], `${where}.WorkingDir`);
  if (obj['Labels'] !== undefined) out['Labels'] = obj['Labels'] === null ? null : stringMap(obj['Labels'], `${where}.Labels`);
  if (present('StopSignal')) out['StopSignal'] = string(obj['StopSignal'], `${where}.StopSignal`);
  if (obj['ArgsEscaped'] !== undefined) {
    if (typeof obj['ArgsEscaped'] !== 'boolean') throw invalid(`${where}.ArgsEscaped`, `must be a boolean, got ${describe(obj['ArgsEscaped'])}`);
    out['ArgsEscaped'] = obj['ArgsEscaped'];
  }
  const unknownFields = unknownFieldsOf(obj, CONTAINER_CONFIG_FIELDS);
  if (unknownFields !== undefined) out['unknownFields'] = unknownFields;
  return out;
}

function parseHistoryEntry(value: unknown, where: string): HistoryEntry {
  const obj = object(value, where);
  const created = obj['created'] === undefined ? undefined : dateTime(obj['created'], `${where}.created`);
  const author = optString(obj, 'author', where);
  const createdBy = optString(obj, 'created_by', where);
  const comment = optString(obj, 'comment', where);
  const empty = obj['empty_layer'];
  if (empty !== undefined && typeof empty !== 'boolean') throw invalid(`${where}.empty_layer`, `must be a boolean, got ${describe(empty)}`);
  const unknownFields = unknownFieldsOf(obj, HISTORY_FIELDS);
  return {
    ...(created !== undefined && { created }),
    ...(author !== undefined && { author }),
    ...(createdBy !== undefined && { createdBy }),
    ...(comment !== undefined && { comment }),
    ...(empty !== undefined && { emptyLayer: empty }),
    ...(unknownFields !== undefined && { unknownFields }),
  };
}

/** An image config (config-schema.json), OCI or Docker. `rootfs.diff_ids` must be digests. */
export function parseImageConfig(value: unknown, options: ParseConfigOptions = {}, where = 'config'): ImageConfig {
  // Docker Hub still serves early schema 2 manifests whose config is `application/octet-stream`
  // (docker-v2-schema2/manifest-1.json): a Docker config in all but name.
  const docker = options.mediaType === DOCKER_CONFIG || options.mediaType === LEGACY_DOCKER_CONFIG;
  if (options.mediaType !== undefined && !docker && !isImageConfigMediaType(options.mediaType)) {
    throw invalid(where, `${options.mediaType} is not an image config media type (an artifact, not a container image?)`);
  }
  const obj = object(value, where);
  if (obj['architecture'] === undefined) throw invalid(where, 'architecture is missing');
  if (obj['os'] === undefined) throw invalid(where, 'os is missing');
  if (obj['rootfs'] === undefined) throw invalid(where, 'rootfs is missing');
  const rootfs = object(obj['rootfs'], `${where}.rootfs`);
  if (rootfs['type'] !== 'layers') throw invalid(`${where}.rootfs.type`, `must be "layers", got ${describe(rootfs['type'])}`);
  let diffIds: string[];
  if (rootfs['diff_ids'] === undefined || (docker && rootfs['diff_ids'] === null)) {
    if (!docker) throw invalid(`${where}.rootfs`, 'diff_ids is missing');
    diffIds = [];
  } else {
    diffIds = stringArray(rootfs['diff_ids'], `${where}.rootfs.diff_ids`).map((d, i) => checkDescriptorDigest(d, `${where}.rootfs.diff_ids[${i}]`));
  }
  const created = obj['created'] === undefined ? undefined : dateTime(obj['created'], `${where}.created`);
  const author = optString(obj, 'author', where);
  const osVersion = optString(obj, 'os.version', where);
  const osFeatures = obj['os.features'] === undefined || (docker && obj['os.features'] === null) ? undefined : stringArray(obj['os.features'], `${where}.os.features`);
  const variant = optString(obj, 'variant', where);
  const config = obj['config'] === undefined || (docker && obj['config'] === null) ? undefined : parseContainerConfig(obj['config'], `${where}.config`, docker);
  let history: HistoryEntry[] | undefined;
  if (obj['history'] !== undefined && !(docker && obj['history'] === null)) {
    if (!Array.isArray(obj['history'])) throw invalid(`${where}.history`, `must be an array, got ${describe(obj['history'])}`);
    history = obj['history'].map((h, i) => parseHistoryEntry(h, `${where}.history[${i}]`));
  }
  const unknownFields = unknownFieldsOf(obj, CONFIG_FIELDS);
  return {
    ...(created !== undefined && { created }),
    ...(author !== undefined && { author }),
    architecture: string(obj['architecture'], `${where}.architecture`),
    os: string(obj['os'], `${where}.os`),
    ...(osVersion !== undefined && { osVersion }),
    ...(osFeatures !== undefined && { osFeatures }),
    ...(variant !== undefined && { variant }),
    ...(config !== undefined && { config }),
    rootfs: { type: 'layers', diffIds },
    ...(history !== undefined && { history }),
    ...(unknownFields !== undefined && { unknownFields }),
  };
}

// --- image layout -------------------------------------------------------------------------

/** The `oci-layout` file (image-layout-schema.json): `{"imageLayoutVersion": "1.0.0"}`. */
export function parseLayoutHeader(value: unknown, where = 'oci-layout'): LayoutHeader {
  const obj = object(value, where);
  if (obj['imageLayoutVersion'] === undefined) throw invalid(where, 'imageLayoutVersion is missing');
  if (obj['imageLayoutVersion'] !== '1.0.0') throw invalid(`${where}.imageLayoutVersion`, `must be "1.0.0", got ${describe(obj['imageLayoutVersion'])}`);
  const unknownFields = unknownFieldsOf(obj, ['imageLayoutVersion']);
  return { imageLayoutVersion: '1.0.0', ...(unknownFields !== undefined && { unknownFields }) };
}
