/**
 * Package URLs (package-url/purl-spec) through packageurl-js, the spec's own reference
 * implementation for JavaScript. This module only adapts it to Vouch's error model.
 */
import { PackageURL } from 'packageurl-js';
import { VouchError } from '../../core/index.ts';

export interface PurlParts {
  readonly type: string;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly version?: string | undefined;
  readonly qualifiers?: Readonly<Record<string, string | undefined>> | undefined;
  readonly subpath?: string | undefined;
}

/** Build the canonical purl string; empty parts are left out. Throws INVALID_PURL on rule violations. */
export function buildPurl(parts: PurlParts): string {
  const qualifiers: Record<string, string> = {};
  for (const [k, v] of Object.entries(parts.qualifiers ?? {})) {
    if (v !== undefined && v !== '') qualifiers[k] = v;
  }
  try {
    return new PackageURL(
      parts.type,
      parts.namespace === '' ? undefined : parts.namespace,
      parts.name,
      parts.version === '' ? undefined : parts.version,
      Object.keys(qualifiers).length > 0 ? qualifiers : undefined,
      parts.subpath === '' ? undefined : parts.subpath,
    ).toString();
  } catch (err) {
    throw new VouchError('INVALID_PURL', `cannot build purl for ${parts.type}/${parts.name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Parse and normalise a purl string. Throws INVALID_PURL. */
export function parsePurl(purl: string): PurlParts {
  try {
    const p = PackageURL.fromString(purl);
    return {
      type: p.type,
      namespace: p.namespace ?? undefined,
      name: p.name,
      version: p.version ?? undefined,
      qualifiers: p.qualifiers ?? undefined,
      subpath: p.subpath ?? undefined,
    };
  } catch (err) {
    throw new VouchError('INVALID_PURL', `invalid purl ${JSON.stringify(purl)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Normalise a purl string to its canonical form. */
export function canonicalPurl(purl: string): string {
  return buildPurl(parsePurl(purl));
}
