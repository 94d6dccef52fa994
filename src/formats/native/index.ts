/**
 * Vouch's own JSON (`-o json`): the inventory as it is, with nothing lost to a standard's
 * vocabulary. Stable: keys are written in a fixed order, lists are sorted, and
 * `schemaVersion` changes (semver) whenever the shape does — a new optional field is a minor
 * bump, a removed or changed one a major bump. `NATIVE_JSON_SCHEMA` below is the JSON Schema
 * of the current version; the tests validate every output against it.
 *
 * ```json
 * {
 *   "schemaVersion": "1.0.0",
 *   "tool": { "name": "vouch", "version": "0.1.0" },
 *   "timestamp": "2024-01-02T03:04:05Z",
 *   "source": { "kind": "directory", "target": "dir:./app", "name": "app" },
 *   "packages": [
 *     { "purl": "pkg:npm/left-pad@1.3.0", "name": "left-pad", "version": "1.3.0", "type": "npm",
 *       "scope": "required", "isRoot": false, "licenses": ["MIT"],
 *       "hashes": [{ "alg": "SHA-512", "value": "…hex…" }],
 *       "locations": [{ "path": "package-lock.json", "line": 12 }],
 *       "foundBy": "javascript-lock-cataloger", "metadata": { "resolved": "https://…" } }
 *   ],
 *   "relationships": [{ "from": "pkg:npm/app@1.0.0", "to": "pkg:npm/left-pad@1.3.0", "type": "depends-on" }],
 *   "warnings": [{ "location": { "path": "broken/package-lock.json", "line": 3 }, "message": "…" }]
 * }
 * ```
 *
 * Sorting: packages by purl; relationships by (from, to, type); licenses keep the declared order
 * (it can matter: the first is usually the main one); hashes by (alg, value); locations by
 * (path, line); metadata keys alphabetically; warnings by (path, line, message).
 */
import { wrapError } from '../../core/index.ts';
import type { Distro, Hash, ImageDescription, Inventory, Location, Package, Relationship, Warning } from '../model/index.ts';

export const NATIVE_SCHEMA_VERSION = '1.0.0';

export interface NativePackage {
  readonly purl: string;
  readonly name: string;
  readonly version: string;
  readonly type: string;
  readonly scope: Package['scope'];
  readonly isRoot: boolean;
  readonly licenses: readonly string[];
  readonly hashes: readonly Hash[];
  readonly locations: readonly Location[];
  readonly foundBy: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface NativeDocument {
  readonly schemaVersion: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly timestamp: string;
  readonly source: {
    readonly kind: string;
    readonly target: string;
    readonly name: string;
    readonly version?: string;
    readonly image?: ImageDescription;
    readonly distro?: Distro;
  };
  readonly packages: readonly NativePackage[];
  readonly relationships: readonly Relationship[];
  readonly warnings: readonly Warning[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function location(l: Location): Location {
  return { path: l.path, ...(l.line === undefined ? {} : { line: l.line }), ...(l.layer === undefined ? {} : { layer: l.layer }) };
}

/** Fixed key order (the model objects may carry keys in any order). */
function imageOf(i: ImageDescription): ImageDescription {
  return {
    reference: i.reference,
    manifestDigest: i.manifestDigest,
    manifestMediaType: i.manifestMediaType,
    configDigest: i.configDigest,
    platform: { os: i.platform.os, architecture: i.platform.architecture, ...(i.platform.variant === undefined ? {} : { variant: i.platform.variant }) },
    layers: i.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size, ...(l.diffId === undefined ? {} : { diffId: l.diffId }) })),
    ...(i.tags === undefined ? {} : { tags: [...i.tags] }),
  };
}

function distroOf(d: Distro): Distro {
  return {
    id: d.id,
    ...(d.versionId === undefined ? {} : { versionId: d.versionId }),
    ...(d.versionCodename === undefined ? {} : { versionCodename: d.versionCodename }),
    ...(d.prettyName === undefined ? {} : { prettyName: d.prettyName }),
    ...(d.idLike === undefined ? {} : { idLike: [...d.idLike] }),
  };
}

function byLocation(a: Location, b: Location): number {
  return cmp(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0);
}

/** The document, keys in their documented order. */
export function toNativeDocument(inv: Inventory): NativeDocument {
  const packages = [...inv.packages]
    .sort((a, b) => cmp(a.purl, b.purl))
    .map(
      (p): NativePackage => ({
        purl: p.purl,
        name: p.name,
        version: p.version,
        type: p.type,
        scope: p.scope,
        isRoot: p.isRoot === true,
        licenses: [...p.licenses],
        hashes: [...p.hashes]
          .map((h) => ({ alg: h.alg, value: h.value }))
          .sort((a, b) => cmp(a.alg, b.alg) || cmp(a.value, b.value)),
        locations: p.locations.map(location).sort(byLocation),
        foundBy: p.foundBy,
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).sort(([a], [b]) => cmp(a, b))),
      }),
    );
  return {
    schemaVersion: NATIVE_SCHEMA_VERSION,
    tool: { name: inv.tool.name, version: inv.tool.version },
    timestamp: inv.timestamp,
    source: {
      kind: inv.source.kind,
      target: inv.source.target,
      name: inv.source.name,
      ...(inv.source.version === undefined ? {} : { version: inv.source.version }),
      ...(inv.source.image === undefined ? {} : { image: imageOf(inv.source.image) }),
      ...(inv.source.distro === undefined ? {} : { distro: distroOf(inv.source.distro) }),
    },
    packages,
    relationships: inv.relationships
      .map((r): Relationship => ({ from: r.from, to: r.to, type: r.type }))
      .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.type, b.type)),
    warnings: inv.warnings
      .map((w): Warning => ({ location: location(w.location), message: w.message }))
      .sort((a, b) => byLocation(a.location, b.location) || cmp(a.message, b.message)),
  };
}

/** Serialize an inventory as Vouch's JSON (2-space indent, trailing newline). */
export function nativeJson(inv: Inventory): string {
  try {
    return `${JSON.stringify(toNativeDocument(inv), null, 2)}\n`;
  } catch (err) {
    throw wrapError(err, 'SERIALIZE_ERROR', 'cannot write Vouch JSON');
  }
}

const str = { type: 'string' } as const;
const location_ = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: { path: str, line: { type: 'integer', minimum: 1 }, layer: str },
} as const;

const digest_ = { type: 'string', pattern: '^[a-z0-9]+:[a-f0-9]+$' } as const;

/** JSON Schema (draft-07) of `NATIVE_SCHEMA_VERSION`. */
export const NATIVE_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Vouch inventory',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'tool', 'timestamp', 'source', 'packages', 'relationships', 'warnings'],
  properties: {
    schemaVersion: { const: NATIVE_SCHEMA_VERSION },
    tool: { type: 'object', additionalProperties: false, required: ['name', 'version'], properties: { name: str, version: str } },
    timestamp: { type: 'string', format: 'date-time' },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'target', 'name'],
      properties: {
        kind: { enum: ['directory', 'file', 'image'] },
        target: str,
        name: str,
        version: str,
        image: {
          type: 'object',
          additionalProperties: false,
          required: ['reference', 'manifestDigest', 'manifestMediaType', 'configDigest', 'platform', 'layers'],
          properties: {
            reference: str,
            manifestDigest: str,
            manifestMediaType: str,
            configDigest: digest_,
            platform: {
              type: 'object',
              additionalProperties: false,
              required: ['os', 'architecture'],
              properties: { os: str, architecture: str, variant: str },
            },
            layers: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['digest', 'mediaType', 'size'],
                properties: { digest: digest_, mediaType: str, size: { type: 'integer', minimum: 0 }, diffId: digest_ },
              },
            },
            tags: { type: 'array', items: str },
          },
        },
        distro: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: str, versionId: str, versionCodename: str, prettyName: str, idLike: { type: 'array', items: str } },
        },
      },
    },
    packages: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['purl', 'name', 'version', 'type', 'scope', 'isRoot', 'licenses', 'hashes', 'locations', 'foundBy', 'metadata'],
        properties: {
          purl: { type: 'string', pattern: '^pkg:' },
          name: str,
          version: str,
          type: str,
          scope: { enum: ['required', 'dev', 'optional'] },
          isRoot: { type: 'boolean' },
          licenses: { type: 'array', items: str },
          hashes: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['alg', 'value'],
              properties: { alg: { enum: ['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] }, value: { type: 'string', pattern: '^[0-9a-f]+$' } },
            },
          },
          locations: { type: 'array', items: location_ },
          foundBy: str,
          metadata: { type: 'object', additionalProperties: str },
        },
      },
    },
    relationships: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to', 'type'],
        properties: { from: str, to: str, type: { const: 'depends-on' } },
      },
    },
    warnings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['location', 'message'],
        properties: { location: location_, message: str },
      },
    },
  },
} as const;
