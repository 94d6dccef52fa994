/**
 * Names, tags and references as the distribution-spec defines them (spec.md "Pulling
 * manifests"): the grammar rejects `..`, empty segments, upper case and percent-escapes, so a
 * valid name can never leave the registry's data folder.
 */
import { tryParseDigest, type ParsedDigest } from '../../core/index.ts';
import { RegistryError } from './errors.ts';

/** `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*` */
const NAME_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}` */
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Distribution's limit; the spec asks clients to keep host + name under 255 characters. */
export const MAX_NAME_LENGTH = 255;

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function checkName(name: string): string {
  if (!isValidName(name)) throw new RegistryError(400, 'NAME_INVALID', 'invalid repository name', { name: name.slice(0, 300) });
  return name;
}

/** A well-formed sha256/sha512 digest, or DIGEST_INVALID (400). */
export function checkDigest(value: string | undefined): ParsedDigest {
  const parsed = tryParseDigest(value);
  if (parsed === undefined) {
    throw new RegistryError(400, 'DIGEST_INVALID', 'provided digest is malformed or of an unsupported algorithm (sha256, sha512)', {
      digest: (value ?? '').slice(0, 200),
    });
  }
  return parsed;
}

export type Reference = { readonly kind: 'digest'; readonly digest: ParsedDigest } | { readonly kind: 'tag'; readonly tag: string };

/** A manifest reference: a digest (anything with `:`) or a tag. */
export function parseReference(value: string): Reference {
  if (value.includes(':')) return { kind: 'digest', digest: checkDigest(value) };
  if (!isValidTag(value)) throw new RegistryError(400, 'MANIFEST_INVALID', 'invalid tag', { tag: value.slice(0, 200) });
  return { kind: 'tag', tag: value };
}

export type Route =
  | { readonly kind: 'base' }
  | { readonly kind: 'catalog' }
  | { readonly kind: 'blob'; readonly name: string; readonly digest: string }
  | { readonly kind: 'uploads'; readonly name: string }
  | { readonly kind: 'upload'; readonly name: string; readonly id: string }
  | { readonly kind: 'manifest'; readonly name: string; readonly reference: string }
  | { readonly kind: 'tags'; readonly name: string }
  | { readonly kind: 'referrers'; readonly name: string; readonly digest: string };

/**
 * The endpoint a `/v2/...` path names (spec.md "Endpoints", end-1 … end-13), or undefined.
 * The path is the raw one: percent-escapes are not decoded, so `%2e%2e` stays invalid.
 */
export function matchRoute(path: string): Route | undefined {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  if (!path.startsWith('/v2/')) return undefined;
  const rest = path.slice(4);
  let m = /^(.+)\/blobs\/uploads\/?$/.exec(rest);
  if (m !== null) return { kind: 'uploads', name: m[1]! };
  m = /^(.+)\/blobs\/uploads\/([^/]+)$/.exec(rest);
  if (m !== null) return { kind: 'upload', name: m[1]!, id: m[2]! };
  m = /^(.+)\/blobs\/([^/]+)$/.exec(rest);
  if (m !== null) return { kind: 'blob', name: m[1]!, digest: m[2]! };
  m = /^(.+)\/manifests\/([^/]+)$/.exec(rest);
  if (m !== null) return { kind: 'manifest', name: m[1]!, reference: m[2]! };
  m = /^(.+)\/tags\/list$/.exec(rest);
  if (m !== null) return { kind: 'tags', name: m[1]! };
  m = /^(.+)\/referrers\/([^/]+)$/.exec(rest);
  if (m !== null) return { kind: 'referrers', name: m[1]!, digest: m[2]! };
  return undefined;
}
