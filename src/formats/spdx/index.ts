/**
 * SPDX 2.3 JSON from the Vouch inventory.
 *
 * Hand-written: no maintained JavaScript library writes SPDX 2.3 (the SPDX project's own tools
 * are Java, Python and Go; the npm packages found are unmaintained 2.2 writers or 3.0-only).
 * The document follows the SPDX 2.3 specification (spdx.github.io/spdx-spec/v2.3) and its JSON
 * schema (spdx-spec `schemas/spdx-schema.json`, branch support/2.3), which the tests validate
 * against.
 *
 * - §6 Document creation: `SPDXRef-DOCUMENT`, `dataLicense` CC0-1.0, `documentNamespace`
 *   `https://spdx.org/spdxdocs/<name>-<uuid>` (the pattern of the spec's own examples, §6.5);
 *   the UUID is random, or with `inventory.deterministic` derived from SHA-256 of the document
 *   written without it (RFC 9562 UUIDv8). `creationInfo.created` is the inventory timestamp,
 *   `creators` is `Tool: vouch-<version>`.
 * - §7 Packages: the scanned source is a package (`SPDXRef-DocumentRoot-Directory-<name>` or
 *   `-File-`, purpose SOURCE or FILE) that the document DESCRIBES. Each inventory package gets
 *   `SPDXRef-Package-<type>-<name>-<12 hex of SHA-256(purl)>`: derived from the purl only, so
 *   equal packages get equal ids in every document, and `[A-Za-z0-9.-]` only (§7.2 idstring).
 *   purl as a PACKAGE-MANAGER external reference (Annex F), checksums (§7.10), `filesAnalyzed`
 *   false (no files are listed), downloadLocation the resolved http(s) URL where the cataloger
 *   recorded one (metadata `resolved`, ...) and NOASSERTION otherwise (§7.7).
 * - Licenses (§7.15, Annex D): `licenseDeclared` joins the declared licenses with AND; a name
 *   that is no SPDX expression becomes `LicenseRef-<name as idstring>` and is listed in
 *   `hasExtractedLicensingInfos` (§10) with the declared text, as every LicenseRef must be.
 *   Nothing is concluded: `licenseConcluded` is NOASSERTION.
 * - §11 Relationships: document DESCRIBES source; source CONTAINS every package; each inventory
 *   edge is `A DEPENDS_ON B`. An edge from a root package (`isRoot`) to a dev or optional package
 *   is also written as `B DEV_DEPENDENCY_OF A` / `B OPTIONAL_DEPENDENCY_OF A`, the 2.3 types for
 *   exactly that, so the scope survives in SPDX.
 */
import { createHash, randomUUID } from 'node:crypto';
import spdxParse from 'spdx-expression-parse';
import { VouchError, wrapError } from '../../core/index.ts';
import { contentUuid, downloadUrl, type HashAlgorithm, type Inventory, type Package } from '../model/index.ts';

export const SPDX_VERSION = 'SPDX-2.3';
export const NOASSERTION = 'NOASSERTION';
export const NAMESPACE_PREFIX = 'https://spdx.org/spdxdocs/';

export type SpdxChecksumAlgorithm = 'MD5' | 'SHA1' | 'SHA256' | 'SHA384' | 'SHA512';
export type SpdxRelationshipType =
  | 'DESCRIBES'
  | 'CONTAINS'
  | 'DEPENDS_ON'
  | 'DEV_DEPENDENCY_OF'
  | 'OPTIONAL_DEPENDENCY_OF';
export type SpdxPurpose = 'APPLICATION' | 'LIBRARY' | 'SOURCE' | 'FILE' | 'CONTAINER' | 'OPERATING_SYSTEM';

export interface SpdxPackage {
  readonly name: string;
  readonly SPDXID: string;
  readonly versionInfo?: string;
  readonly downloadLocation: string;
  readonly filesAnalyzed: false;
  readonly checksums?: readonly { readonly algorithm: SpdxChecksumAlgorithm; readonly checksumValue: string }[];
  readonly licenseConcluded: string;
  readonly licenseDeclared: string;
  readonly copyrightText: string;
  readonly externalRefs?: readonly {
    readonly referenceCategory: 'PACKAGE-MANAGER';
    readonly referenceType: 'purl';
    readonly referenceLocator: string;
  }[];
  readonly primaryPackagePurpose: SpdxPurpose;
  /** §7.19: where the package information came from (the file, and in an image the layer). */
  readonly sourceInfo?: string;
  /** §7.20 */
  readonly comment?: string;
}

export interface SpdxRelationship {
  readonly spdxElementId: string;
  readonly relationshipType: SpdxRelationshipType;
  readonly relatedSpdxElement: string;
}

export interface SpdxExtractedLicense {
  readonly licenseId: string;
  readonly extractedText: string;
  readonly name: string;
}

export interface SpdxDocument {
  readonly spdxVersion: typeof SPDX_VERSION;
  readonly dataLicense: 'CC0-1.0';
  readonly SPDXID: 'SPDXRef-DOCUMENT';
  readonly name: string;
  readonly documentNamespace: string;
  readonly creationInfo: { readonly created: string; readonly creators: readonly string[] };
  readonly packages: readonly SpdxPackage[];
  readonly hasExtractedLicensingInfos?: readonly SpdxExtractedLicense[];
  readonly relationships: readonly SpdxRelationship[];
}

const CHECKSUM: Readonly<Record<HashAlgorithm, SpdxChecksumAlgorithm>> = {
  MD5: 'MD5',
  'SHA-1': 'SHA1',
  'SHA-256': 'SHA256',
  'SHA-384': 'SHA384',
  'SHA-512': 'SHA512',
};

/** An SPDX idstring: letters, digits, `.` and `-` only (SPDX 2.3 §7.2, "SPDXRef-[idstring]"). */
function idstring(s: string, max = 64): string {
  return s
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
}

function sha256hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The SPDX id of a package: stable for a purl across documents. */
export function packageSpdxId(pkg: Pick<Package, 'type' | 'name' | 'purl'>): string {
  return `SPDXRef-Package-${idstring(pkg.type) || 'unknown'}-${idstring(pkg.name, 48) || 'unnamed'}-${sha256hex(pkg.purl).slice(0, 12)}`;
}

export function sourceSpdxId(inv: Inventory): string {
  const name = idstring(inv.source.name);
  const kind = inv.source.kind === 'file' ? 'File' : inv.source.kind === 'image' ? 'Image' : 'Directory';
  return `SPDXRef-DocumentRoot-${kind}-${name === '' ? 'unnamed' : name}`;
}

/** Collects the LicenseRefs a document uses, each with the text it stands for. */
class LicenseRefs {
  readonly #byId = new Map<string, SpdxExtractedLicense>();

  /** A `LicenseRef-` for a declared name; a different name with the same idstring gets a hash suffix. */
  forName(name: string): string {
    const base = `LicenseRef-${idstring(name) || 'unknown'}`;
    for (const id of [base, `${base}-${sha256hex(name).slice(0, 8)}`]) {
      const had = this.#byId.get(id);
      if (had === undefined) {
        this.#byId.set(id, { licenseId: id, extractedText: name, name });
        return id;
      }
      if (had.extractedText === name) return id;
    }
    throw new VouchError('SERIALIZE_ERROR', `cannot give the license name ${JSON.stringify(name)} a unique LicenseRef`);
  }

  /** A LicenseRef that an SPDX expression already uses: it must be listed too (§10.1). */
  used(id: string, declared: string): void {
    if (!this.#byId.has(id)) this.#byId.set(id, { licenseId: id, extractedText: declared, name: id.slice('LicenseRef-'.length) });
  }

  list(): SpdxExtractedLicense[] {
    return [...this.#byId.values()].sort((a, b) => cmp(a.licenseId, b.licenseId));
  }
}

type Parsed = ReturnType<typeof spdxParse>;

function licenseIdsOf(node: Parsed, out: string[]): void {
  if ('license' in node) out.push(node.license);
  else {
    licenseIdsOf(node.left, out);
    licenseIdsOf(node.right, out);
  }
}

/** `licenseDeclared` for a package (see the module comment). */
function declaredLicense(licenses: readonly string[], refs: LicenseRefs): string {
  const parts: string[] = [];
  for (const raw of new Set(licenses.map((l) => l.trim()).filter((l) => l !== ''))) {
    let parsed: Parsed | undefined;
    try {
      parsed = raw.includes('DocumentRef-') ? undefined : spdxParse(raw);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined) {
      parts.push(refs.forName(raw));
      continue;
    }
    const ids: string[] = [];
    licenseIdsOf(parsed, ids);
    for (const id of ids) if (id.startsWith('LicenseRef-')) refs.used(id, raw);
    parts.push(raw);
  }
  if (parts.length === 0) return NOASSERTION;
  if (parts.length === 1) return parts[0]!;
  return parts.map((p) => (/\s/.test(p) ? `(${p})` : p)).join(' AND ');
}

/** SPDX `created`: `YYYY-MM-DDThh:mm:ssZ` (§6.9). */
function created(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) throw new VouchError('SERIALIZE_ERROR', `inventory timestamp is not a date: ${JSON.stringify(ts)}`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Build the SPDX 2.3 document (the namespace is filled in by `spdxJson`). */
export function toSpdxDocument(inv: Inventory, documentNamespace = `${NAMESPACE_PREFIX}pending`): SpdxDocument {
  const refs = new LicenseRefs();
  const sourceId = sourceSpdxId(inv);
  const image = inv.source.image;
  const imageDigest = image ? image.manifestDigest || image.configDigest : '';
  const source: SpdxPackage = {
    name: inv.source.name === '' ? '(unnamed)' : inv.source.name,
    SPDXID: sourceId,
    ...(image ? { versionInfo: imageDigest } : inv.source.version ? { versionInfo: inv.source.version } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    // An image is identified by its manifest digest (syft writes the same checksum).
    ...(imageDigest.startsWith('sha256:') ? { checksums: [{ algorithm: 'SHA256' as const, checksumValue: imageDigest.slice(7) }] } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: image ? 'CONTAINER' : inv.source.kind === 'file' ? 'FILE' : 'SOURCE',
    ...(image
      ? {
          comment: [
            `config ${image.configDigest}`,
            `platform ${[image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join('/')}`,
            ...image.layers.map((l, i) => `layer ${i} ${l.digest} ${l.mediaType} ${l.size}`),
          ].join('\n'),
        }
      : {}),
  };

  const ids = new Map<string, string>();
  const byPurl = new Map<string, Package>();
  const packages: SpdxPackage[] = [];
  for (const pkg of [...inv.packages].sort((a, b) => cmp(a.purl, b.purl))) {
    const id = packageSpdxId(pkg);
    if (byPurl.has(pkg.purl)) throw new VouchError('SERIALIZE_ERROR', `package ${pkg.purl} appears twice in the inventory`);
    if ([...ids.values()].includes(id)) throw new VouchError('SERIALIZE_ERROR', `two packages share the SPDX id ${id}`);
    ids.set(pkg.purl, id);
    byPurl.set(pkg.purl, pkg);
    const checksums = [...pkg.hashes]
      .map((h) => ({ algorithm: CHECKSUM[h.alg], checksumValue: h.value.toLowerCase() }))
      .sort((a, b) => cmp(a.algorithm, b.algorithm) || cmp(a.checksumValue, b.checksumValue));
    packages.push({
      name: pkg.name === '' ? '(unnamed)' : pkg.name,
      SPDXID: id,
      ...(pkg.version === '' ? {} : { versionInfo: pkg.version }),
      downloadLocation: downloadUrl(pkg) ?? NOASSERTION,
      filesAnalyzed: false,
      ...(checksums.length > 0 ? { checksums } : {}),
      licenseConcluded: NOASSERTION,
      licenseDeclared: declaredLicense(pkg.licenses, refs),
      copyrightText: NOASSERTION,
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
      primaryPackagePurpose: pkg.isRoot === true ? 'APPLICATION' : 'LIBRARY',
      ...(pkg.locations.some((l) => l.layer !== undefined)
        ? {
            sourceInfo: [...pkg.locations]
              .sort((a, b) => cmp(a.path, b.path))
              .map((l) => `found in ${l.path}${l.layer === undefined ? '' : ` (layer ${l.layer})`}`)
              .join('; '),
          }
        : {}),
    });
  }

  const distro = inv.source.distro;
  if (distro) {
    packages.push({
      name: distro.id,
      SPDXID: `SPDXRef-OperatingSystem-${idstring(distro.id) || 'unknown'}`,
      ...(distro.versionId ? { versionInfo: distro.versionId } : {}),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: 'OPERATING_SYSTEM',
      ...(distro.prettyName ? { comment: distro.prettyName } : {}),
    });
  }

  const rels: SpdxRelationship[] = [];
  const seen = new Set<string>();
  const add = (a: string, type: SpdxRelationshipType, b: string): void => {
    const key = `${a}\0${type}\0${b}`;
    if (seen.has(key)) return;
    seen.add(key);
    rels.push({ spdxElementId: a, relationshipType: type, relatedSpdxElement: b });
  };
  for (const p of packages) add(sourceId, 'CONTAINS', p.SPDXID);
  for (const r of inv.relationships) {
    const from = ids.get(r.from);
    const to = ids.get(r.to);
    if (from === undefined || to === undefined || from === to) continue;
    add(from, 'DEPENDS_ON', to);
    const target = byPurl.get(r.to)!;
    if (byPurl.get(r.from)?.isRoot === true) {
      if (target.scope === 'dev') add(to, 'DEV_DEPENDENCY_OF', from);
      else if (target.scope === 'optional') add(to, 'OPTIONAL_DEPENDENCY_OF', from);
    }
  }
  rels.sort((a, b) => cmp(a.spdxElementId, b.spdxElementId) || cmp(a.relationshipType, b.relationshipType) || cmp(a.relatedSpdxElement, b.relatedSpdxElement));

  const extracted = refs.list();
  return {
    spdxVersion: SPDX_VERSION,
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: source.name,
    documentNamespace,
    creationInfo: { created: created(inv.timestamp), creators: [`Tool: ${inv.tool.name}-${inv.tool.version}`] },
    packages: [source, ...packages],
    ...(extracted.length > 0 ? { hasExtractedLicensingInfos: extracted } : {}),
    relationships: [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: sourceId }, ...rels],
  };
}

/** Serialize an inventory as SPDX 2.3 JSON. Throws SERIALIZE_ERROR. */
export function spdxJson(inv: Inventory): string {
  try {
    const stem = `${NAMESPACE_PREFIX}${idstring(inv.source.name) || 'unnamed'}-`;
    const draft = toSpdxDocument(inv, `${stem}00000000-0000-0000-0000-000000000000`);
    const uuid = inv.deterministic ? uuidFromContent(JSON.stringify(draft)) : randomUUID();
    return `${JSON.stringify({ ...draft, documentNamespace: `${stem}${uuid}` }, null, 2)}\n`;
  } catch (err) {
    throw wrapError(err, 'SERIALIZE_ERROR', 'cannot write SPDX 2.3 JSON');
  }
}

/** RFC 9562 UUIDv8 from SHA-256 of the content (Appendix B.2): version 8, RFC variant. */
function uuidFromContent(content: string): string {
  return contentUuid('vouch:spdx:namespace', content);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
