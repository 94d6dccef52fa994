/**
 * Maven coordinates → Vouch packages. purl-spec `types/maven`: namespace = groupId,
 * name = artifactId, version as written; the package name is `groupId:artifactId` (what
 * Maven, trivy and OSV call it). Qualifiers (type, classifier) are left out on purpose: the
 * purl is the merge key, and a package found in a pom.xml, a gradle.lockfile and a JAR must
 * come out the same.
 */
import type { Scope } from '../../../formats/model/index.ts';
import { buildPurl } from '../../../formats/purl/index.ts';
import { normalizeLicense, type PackageInput } from '../../generic/index.ts';

export function mavenPurl(groupId: string, artifactId: string, version: string): string {
  return buildPurl({ type: 'maven', namespace: groupId, name: artifactId, version });
}

export interface MavenPackageOptions {
  readonly scope?: Scope;
  readonly licenses?: readonly string[];
  readonly hashes?: PackageInput['hashes'];
  readonly locations?: PackageInput['locations'];
  readonly isRoot?: boolean;
  readonly metadata?: Readonly<Record<string, string>>;
}

export function mavenPackage(groupId: string, artifactId: string, version: string, opts: MavenPackageOptions = {}): PackageInput {
  const metadata = opts.metadata && Object.keys(opts.metadata).length > 0 ? opts.metadata : undefined;
  return {
    name: `${groupId}:${artifactId}`,
    version,
    type: 'maven',
    purl: mavenPurl(groupId, artifactId, version),
    ...(opts.scope ? { scope: opts.scope } : {}),
    ...(opts.licenses ? { licenses: opts.licenses } : {}),
    ...(opts.hashes ? { hashes: opts.hashes } : {}),
    ...(opts.locations ? { locations: opts.locations } : {}),
    ...(opts.isRoot ? { isRoot: true } : {}),
    ...(metadata ? { metadata } : {}),
  };
}

/**
 * A Maven coordinate part we can put in a purl: non-empty, no unresolved `${...}`, no
 * whitespace or path separators (Maven's own validation rejects those: maven-model-builder
 * `DefaultModelValidator` "id" pattern `[A-Za-z0-9_\-.]+`). Looser than Maven on purpose
 * (real-world groupIds carry `+` or `~` now and then), strict where a value would break a purl.
 */
export function isCoordinate(s: string | undefined): s is string {
  return s !== undefined && s !== '' && s.length <= 256 && !/[\s/\\:${}]/.test(s);
}

/**
 * normalizeLicenses, one value at a time: a declared value the normaliser cannot handle
 * (it throws on some URLs today) is kept as written instead of failing the whole file.
 */
export function licensesOf(raw: readonly string[]): string[] {
  const out = new Set<string>();
  for (const r of raw) {
    let n: string | undefined;
    try {
      n = normalizeLicense(r);
    } catch {
      n = r.trim().slice(0, 512) || undefined;
    }
    if (n !== undefined) out.add(n);
  }
  return [...out];
}
