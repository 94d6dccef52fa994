import { parsePurl, type PurlParts } from '../../formats/purl/index.ts';

function parse(p: string): PurlParts | undefined {
  if (!p.startsWith('pkg:')) return undefined;
  try {
    return parsePurl(p);
  } catch {
    return undefined;
  }
}

/**
 * Does `pattern` name the package `purl`? Type, namespace and name must be equal; the version
 * must be equal when the pattern has one; qualifiers and subpath are ignored (VEX documents name
 * `pkg:apk/alpine/libcrypto3@3.0.8-r3` where the scan has `...?arch=x86_64&distro=alpine-3.17.3`,
 * as grype's VEX tests expect). OCI purls match by digest version only (`sha256%3A...`).
 */
export function purlMatches(pattern: string, purl: string): boolean {
  const a = parse(pattern);
  const b = parse(purl);
  if (a === undefined || b === undefined) return false;
  if (a.type !== b.type || (a.namespace ?? '') !== (b.namespace ?? '') || a.name !== b.name) return false;
  return a.version === undefined || a.version === '' || a.version === b.version;
}

/** The digest of an OCI purl (`pkg:oci/alpine@sha256%3A...` → `sha256:...`), if it is one. */
export function ociDigest(id: string): string | undefined {
  const p = parse(id);
  if (p === undefined || p.type !== 'oci' || p.version === undefined) return undefined;
  return p.version.toLowerCase();
}

/** The name of an OCI purl (`pkg:oci/debian?repository_url=...` → `debian`), if it is one. */
export function ociName(id: string): string | undefined {
  const p = parse(id);
  return p === undefined || p.type !== 'oci' ? undefined : p.name.toLowerCase();
}
