/**
 * CycloneDX 1.6 and 1.5 (JSON and XML) from the Vouch inventory, through
 * @cyclonedx/cyclonedx-library: its models, its normalizers (which know what each spec version
 * supports) and its serializers. What Vouch decides on top of the library:
 *
 * - `metadata.component` is the scanned source (a directory is an `application`, a single file a
 *   `file`), with its own bom-ref; `metadata.tools.components` names vouch and its version.
 * - Every package is a component whose bom-ref is its purl (unique: the inventory is merged by
 *   purl). npm scopes and Maven groupIds become `group`, as cyclonedx-npm and the CycloneDX Maven
 *   plugin write them; Composer's vendor likewise. Go modules keep the whole module path as
 *   `name` (as cyclonedx-gomod does).
 * - Scope, as ADR 0002 (docs/decisions/0002-dev-dependencies-in-sboms.md) decides: dev packages
 *   are `scope: optional` with the registered property `cdx:npm:package:development` = `true`
 *   (cyclonedx-property-taxonomy `cdx/npm.md`, the CycloneDX JavaScript maintainers') on npm
 *   packages, and `vouch:package:development` = `true` on every dev package, since the cdx:npm
 *   namespace is npm's alone and `optional` by itself cannot tell dev from optional.
 *   Note: the 1.6 schema's `meta:enum` describes `excluded` as "component usage for test and
 *   other non-runtime purposes ... not reachable within a call graph at runtime", closer to a
 *   dev dependency than `optional` ("not capable of being called due to them not being
 *   installed"); the ADR chose cdxgen's reading for compatibility. Changing it is one line in
 *   `SCOPE` below.
 * - Licenses: one SPDX id → `license.id`; a compound SPDX expression → `expression`; anything else
 *   → `license.name`. The schema (`licenseChoice`) allows either a list of `license` objects or
 *   ONE `expression`, never both: when a package declares an expression together with other
 *   licenses, all are joined with `AND` into one expression (names become `LicenseRef-<name>`).
 *   The library would otherwise silently keep only the first expression.
 * - Locations: `evidence.occurrences[].location` (1.5+), with `line` in 1.6 (added to the
 *   library's normalized output: its model has no occurrences yet).
 * - `dependencies`: the source → every package marked `isRoot` (or, when there is none, → every
 *   package nothing depends on), then each package → what it depends on.
 * - `serialNumber`: a random UUID; with `inventory.deterministic`, a name-based UUID derived from
 *   SHA-256 of the document serialized without it (RFC 9562 §5.8 UUIDv8, the SHA-256 variant of
 *   name-based UUIDs in its Appendix B.2), and `cdx:reproducible` = `true` in metadata
 *   (cyclonedx-property-taxonomy `cdx.md`). Lists are sorted here by code unit (not by the
 *   library, whose sort depends on the locale), so equal input gives equal bytes anywhere.
 */
import { randomUUID } from 'node:crypto';
import { Contrib, Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import spdxParse from 'spdx-expression-parse';
import { VouchError, wrapError } from '../../core/index.ts';
import { contentUuid, downloadUrl, type HashAlgorithm, type Inventory, type Package, type Scope } from '../model/index.ts';
import { parsePurl, type PurlParts } from '../purl/index.ts';

export type CycloneDxVersion = '1.5' | '1.6';
export type CycloneDxEncoding = 'json' | 'xml';

/** What each spec version supports beyond what the library already knows (house style: spec as data). */
interface VersionSpec {
  readonly spec: typeof Spec.Spec1dot6;
  /** `evidence.occurrences[].line` exists from 1.6 on. */
  readonly occurrenceLine: boolean;
}

export const CYCLONEDX_VERSIONS: Readonly<Record<CycloneDxVersion, VersionSpec>> = {
  '1.5': { spec: Spec.Spec1dot5, occurrenceLine: false },
  '1.6': { spec: Spec.Spec1dot6, occurrenceLine: true },
};

export const DEFAULT_CYCLONEDX_VERSION: CycloneDxVersion = '1.6';

export interface CycloneDxOptions {
  readonly version?: CycloneDxVersion;
  readonly encoding?: CycloneDxEncoding;
}

/** The properties Vouch writes (names follow the taxonomy's ABNF: `namespace:name`). */
export const PROPERTY = {
  reproducible: 'cdx:reproducible',
  npmDevelopment: 'cdx:npm:package:development',
  development: 'vouch:package:development',
  foundBy: 'vouch:package:foundBy',
  metadataPrefix: 'vouch:package:metadata:',
  /** `vouch:location:<i>:layer`: the image layer of the i-th occurrence (syft writes `syft:location:<i>:layerID`). */
  locationPrefix: 'vouch:location:',
  imageManifestDigest: 'vouch:image:manifestDigest',
  imageManifestMediaType: 'vouch:image:manifestMediaType',
  imageConfigDigest: 'vouch:image:configDigest',
  imagePlatform: 'vouch:image:platform',
  /** `vouch:image:layer:<i>` = `<digest> <mediaType> <size>` (bottom layer first). */
  imageLayerPrefix: 'vouch:image:layer:',
  imageTag: 'vouch:image:tag',
} as const;

const HASH_ALG: Readonly<Record<HashAlgorithm, Enums.HashAlgorithm>> = {
  MD5: Enums.HashAlgorithm.MD5,
  'SHA-1': Enums.HashAlgorithm['SHA-1'],
  'SHA-256': Enums.HashAlgorithm['SHA-256'],
  'SHA-384': Enums.HashAlgorithm['SHA-384'],
  'SHA-512': Enums.HashAlgorithm['SHA-512'],
};

const SCOPE: Readonly<Record<Scope, Enums.ComponentScope>> = {
  required: Enums.ComponentScope.Required,
  optional: Enums.ComponentScope.Optional,
  dev: Enums.ComponentScope.Optional,
};

const licenseFactory = new Contrib.License.Factories.LicenseFactory((s: string) => {
  spdxParse(s);
});

/** The bom-ref of `metadata.component` (the scanned source). Never a purl, so never a package's. */
export function sourceBomRef(inv: Inventory): string {
  return `source:${inv.source.kind}:${inv.source.name}`;
}

interface Occurrence {
  readonly location: string;
  readonly line?: number;
}

/** Build the library's Bom model (without serial number) and the occurrences the model cannot hold. */
export function buildBom(inv: Inventory): { bom: Models.Bom; occurrences: ReadonlyMap<string, readonly Occurrence[]> } {
  const timestamp = new Date(inv.timestamp);
  if (Number.isNaN(timestamp.getTime())) {
    throw new VouchError('SERIALIZE_ERROR', `inventory timestamp is not a date: ${JSON.stringify(inv.timestamp)}`);
  }
  const bom = new Models.Bom();
  bom.metadata.timestamp = timestamp;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, inv.tool.name, { version: inv.tool.version }),
  );
  if (inv.deterministic) bom.metadata.properties.add(new Models.Property(PROPERTY.reproducible, 'true'));

  const image = inv.source.image;
  const source = new Models.Component(
    image ? Enums.ComponentType.Container : inv.source.kind === 'file' ? Enums.ComponentType.File : Enums.ComponentType.Application,
    inv.source.name === '' ? '(unnamed)' : inv.source.name,
    {
      bomRef: sourceBomRef(inv),
      // An image's version is its manifest digest (as syft writes it), else its config digest.
      ...(image ? { version: image.manifestDigest || image.configDigest } : inv.source.version ? { version: inv.source.version } : {}),
    },
  );
  if (image) {
    const props: [string, string][] = [
      [PROPERTY.imageConfigDigest, image.configDigest],
      [PROPERTY.imagePlatform, [image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join('/')],
      ...image.layers.map((l, i): [string, string] => [`${PROPERTY.imageLayerPrefix}${i}`, `${l.digest} ${l.mediaType} ${l.size}`]),
      ...(image.tags ?? []).map((t): [string, string] => [PROPERTY.imageTag, t]),
    ];
    if (image.manifestDigest !== '') props.push([PROPERTY.imageManifestDigest, image.manifestDigest], [PROPERTY.imageManifestMediaType, image.manifestMediaType]);
    props.sort(([a, x], [b, y]) => cmp(a, b) || cmp(x, y));
    for (const [k, v] of props) source.properties.add(new Models.Property(k, v));
  }
  bom.metadata.component = source;
  // The distribution, as an operating-system component (what syft and trivy write for images).
  const distro = inv.source.distro;
  if (distro) {
    bom.components.add(
      new Models.Component(Enums.ComponentType.OperatingSystem, distro.id, {
        bomRef: `os:${distro.id}${distro.versionId ? `@${distro.versionId}` : ''}`,
        ...(distro.versionId ? { version: distro.versionId } : {}),
        ...(distro.prettyName ? { description: distro.prettyName } : {}),
      }),
    );
  }

  const byPurl = new Map<string, Models.Component>();
  const occurrences = new Map<string, Occurrence[]>();
  for (const pkg of [...inv.packages].sort((a, b) => cmp(a.purl, b.purl))) {
    if (byPurl.has(pkg.purl)) {
      throw new VouchError('SERIALIZE_ERROR', `package ${pkg.purl} appears twice in the inventory`);
    }
    const c = toComponent(pkg);
    byPurl.set(pkg.purl, c);
    bom.components.add(c);
    if (pkg.locations.length > 0) {
      const seen = new Set<string>();
      const occ: Occurrence[] = [];
      for (const l of pkg.locations) {
        const key = `${l.path}\0${l.line ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        occ.push(l.line === undefined ? { location: l.path } : { location: l.path, line: l.line });
      }
      occ.sort((a, b) => cmp(a.location, b.location) || (a.line ?? 0) - (b.line ?? 0));
      occurrences.set(pkg.purl, occ);
    }
  }

  const dependedOn = new Set<string>();
  for (const r of [...inv.relationships].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to))) {
    const from = byPurl.get(r.from);
    const to = byPurl.get(r.to);
    if (from === undefined || to === undefined || r.from === r.to) continue;
    from.dependencies.add(to.bomRef);
    dependedOn.add(r.to);
  }
  const roots = inv.packages.filter((p) => p.isRoot === true);
  const direct = (roots.length > 0 ? roots : inv.packages.filter((q) => !dependedOn.has(q.purl))).map((p) => p.purl).sort(cmp);
  for (const purl of direct) source.dependencies.add(byPurl.get(purl)!.bomRef);
  return { bom, occurrences };
}

function toComponent(pkg: Package): Models.Component {
  const { group, name } = splitName(pkg);
  const c = new Models.Component(
    pkg.isRoot === true ? Enums.ComponentType.Application : Enums.ComponentType.Library,
    name,
    {
      bomRef: pkg.purl,
      purl: pkg.purl,
      scope: SCOPE[pkg.scope],
      ...(group === undefined ? {} : { group }),
      ...(pkg.version === '' ? {} : { version: pkg.version }),
    },
  );
  for (const h of [...pkg.hashes].sort((a, b) => cmp(a.alg, b.alg))) c.hashes.set(HASH_ALG[h.alg], h.value.toLowerCase());
  for (const l of cdxLicenses(pkg.licenses)) c.licenses.add(l);
  const url = downloadUrl(pkg);
  if (url !== undefined) {
    c.externalReferences.add(new Models.ExternalReference(url, Enums.ExternalReferenceType.Distribution));
  }
  const props: [string, string][] = [];
  if (pkg.scope === 'dev') {
    if (pkg.type === 'npm') props.push([PROPERTY.npmDevelopment, 'true']);
    props.push([PROPERTY.development, 'true']);
  }
  if (pkg.foundBy !== '') props.push([PROPERTY.foundBy, pkg.foundBy]);
  sortedLocations(pkg).forEach((l, i) => {
    if (l.layer !== undefined) props.push([`${PROPERTY.locationPrefix}${i}:layer`, l.layer]);
  });
  for (const [k, v] of Object.entries(pkg.metadata ?? {})) props.push([PROPERTY.metadataPrefix + propertyNamePart(k), v]);
  props.sort(([a, x], [b, y]) => cmp(a, b) || cmp(x, y));
  for (const [k, v] of props) c.properties.add(new Models.Property(k, v));
  return c;
}

/** Locations in the order the occurrences are written (path, then line). */
function sortedLocations(pkg: Package): Package['locations'] {
  return [...pkg.locations].sort((a, b) => cmp(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
}

/** Group and name as CycloneDX tools of each ecosystem write them. */
function splitName(pkg: Package): { group?: string; name: string } {
  let parts: PurlParts;
  try {
    parts = parsePurl(pkg.purl);
  } catch {
    return { name: pkg.name };
  }
  switch (parts.type) {
    case 'npm':
    case 'maven':
    case 'composer':
      return parts.namespace === undefined ? { name: parts.name } : { group: parts.namespace, name: parts.name };
    default:
      return { name: pkg.name === '' ? parts.name : pkg.name };
  }
}

/** Property names: `:` only as a delimiter; alphanumerics, `-`, `_` and space otherwise. */
function propertyNamePart(key: string): string {
  const s = key.replace(/[^A-Za-z0-9_ -]+/g, '_');
  return s === '' ? '_' : s;
}

/** CycloneDX license choice for a package's declared licenses (see the module comment). */
export function cdxLicenses(raw: readonly string[]): Models.License[] {
  const unique = [...new Set(raw.map((s) => s.trim()).filter((s) => s !== ''))];
  const made = unique.map((s) => licenseFactory.makeFromString(s));
  if (made.length <= 1 || !made.some((l) => l instanceof Models.LicenseExpression)) return made;
  const parts = unique.map((s, i) => {
    const l = made[i];
    if (l instanceof Models.SpdxLicense) return l.id;
    if (l instanceof Models.LicenseExpression) return /\s/.test(l.expression) ? `(${l.expression})` : l.expression;
    return licenseRef(s);
  });
  return [new Models.LicenseExpression(parts.join(' AND '))];
}

/** `LicenseRef-` + the name reduced to SPDX idstring characters (SPDX 2.3 §10.1). */
export function licenseRef(name: string): string {
  const s = name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `LicenseRef-${s === '' ? 'unknown' : s}`;
}

type JsonBom = Serialize.JSON.Types.Normalized.Bom;
type XmlElement = Serialize.XML.Types.SimpleXml.Element;

/** The library's JSON serializer, plus `evidence.occurrences` on the normalized components. */
class JsonSerializer extends Serialize.JsonSerializer {
  readonly #occurrences: ReadonlyMap<string, readonly Occurrence[]>;
  readonly #withLine: boolean;

  constructor(v: VersionSpec, occurrences: ReadonlyMap<string, readonly Occurrence[]>) {
    super(new Serialize.JSON.Normalize.Factory(v.spec));
    this.#occurrences = occurrences;
    this.#withLine = v.occurrenceLine;
  }

  protected override _normalize(bom: Models.Bom, options?: Serialize.Types.NormalizerOptions): JsonBom {
    const n = super._normalize(bom, options);
    for (const c of n.components ?? []) {
      const ref = c['bom-ref'];
      const occ = ref === undefined ? undefined : this.#occurrences.get(ref);
      if (occ === undefined) continue;
      const evidence = (c.evidence ?? {}) as Record<string, unknown>;
      evidence.occurrences = occ.map((o) =>
        this.#withLine && o.line !== undefined ? { location: o.location, line: o.line } : { location: o.location },
      );
      (c as { evidence?: unknown }).evidence = evidence;
    }
    return n;
  }
}

/** The library's XML serializer, plus `<evidence><occurrences>` (last in the component sequence of the XSD). */
class XmlSerializer extends Serialize.XmlSerializer {
  readonly #occurrences: ReadonlyMap<string, readonly Occurrence[]>;
  readonly #withLine: boolean;

  constructor(v: VersionSpec, occurrences: ReadonlyMap<string, readonly Occurrence[]>) {
    super(new Serialize.XML.Normalize.Factory(v.spec));
    this.#occurrences = occurrences;
    this.#withLine = v.occurrenceLine;
  }

  protected override _normalize(bom: Models.Bom, options?: Serialize.Types.NormalizerOptions): XmlElement {
    const n = super._normalize(bom, options);
    this.#addOccurrences(n);
    return xmlSafe(n);
  }

  #addOccurrences(n: XmlElement): void {
    const components = childElements(n).find((e) => e.name === 'components');
    if (components === undefined) return;
    for (const c of childElements(components)) {
      const ref = c.attributes?.['bom-ref'];
      const occ = typeof ref === 'string' ? this.#occurrences.get(ref) : undefined;
      if (occ === undefined) continue;
      const children = [...childElements(c)];
      if (children.some((e) => e.name === 'evidence')) {
        throw new VouchError('SERIALIZE_ERROR', `component ${ref as string} already has evidence`);
      }
      children.push(
        el('evidence', [
          el(
            'occurrences',
            occ.map((o) =>
              el('occurrence', [
                el('location', o.location),
                ...(this.#withLine && o.line !== undefined ? [el('line', String(o.line))] : []),
              ]),
            ),
          ),
        ]),
      );
      c.children = children;
    }
  }
}

/** Characters XML 1.0 cannot carry at all (§2.2 Char), even escaped. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Names and paths come from untrusted files and may hold control characters that no XML
 * document can contain: replace them with U+FFFD rather than write a document nobody can parse.
 */
function xmlSafe(e: XmlElement): XmlElement {
  const text = (v: string | number): string | number => (typeof v === 'string' ? v.replace(NOT_XML_CHAR, '\uFFFD') : v);
  const attributes =
    e.attributes === undefined
      ? undefined
      : Object.fromEntries(Object.entries(e.attributes).map(([k, v]) => [k, v === undefined ? v : text(v)]));
  const ch = e.children;
  const children =
    ch === undefined || typeof ch === 'string' || typeof ch === 'number'
      ? ch === undefined
        ? undefined
        : text(ch)
      : [...ch].map((x) => (x.type === 'element' ? xmlSafe(x) : x));
  return { ...e, ...(attributes === undefined ? {} : { attributes }), ...(children === undefined ? {} : { children }) };
}

function el(name: string, children: XmlElement[] | string): XmlElement {
  return { type: 'element', name, children };
}

function childElements(e: XmlElement): XmlElement[] {
  const ch = e.children;
  if (ch === undefined || typeof ch === 'string' || typeof ch === 'number') return [];
  return [...ch].filter((x): x is XmlElement => x.type === 'element');
}

/**
 * `sortLists: false`: the library sorts with `String#localeCompare` in the process's default
 * locale, so the same BOM would come out in another order on a machine with another LANG
 * (da_DK sorts `aa` after `z`). buildBom adds every list in code-unit order instead, and the
 * library keeps insertion order.
 */
const SERIALIZE_OPTIONS = { sortLists: false, space: 2 } as const;

/** Serialize an inventory as CycloneDX. Throws SERIALIZE_ERROR. */
export function toCycloneDx(inv: Inventory, options: CycloneDxOptions = {}): string {
  const v = CYCLONEDX_VERSIONS[options.version ?? DEFAULT_CYCLONEDX_VERSION];
  const encoding = options.encoding ?? 'json';
  try {
    const { bom, occurrences } = buildBom(inv);
    const json = new JsonSerializer(v, occurrences);
    bom.serialNumber = inv.deterministic
      ? `urn:uuid:${uuidFromContent(json.serialize(bom, SERIALIZE_OPTIONS))}`
      : `urn:uuid:${randomUUID()}`;
    const serializer = encoding === 'json' ? json : new XmlSerializer(v, occurrences);
    const out = serializer.serialize(bom, SERIALIZE_OPTIONS);
    return out.endsWith('\n') ? out : `${out}\n`;
  } catch (err) {
    throw wrapError(err, 'SERIALIZE_ERROR', `cannot write CycloneDX ${v.spec.version} ${encoding}`);
  }
}

export function cycloneDxJson(inv: Inventory, version: CycloneDxVersion = DEFAULT_CYCLONEDX_VERSION): string {
  return toCycloneDx(inv, { version, encoding: 'json' });
}

export function cycloneDxXml(inv: Inventory, version: CycloneDxVersion = DEFAULT_CYCLONEDX_VERSION): string {
  return toCycloneDx(inv, { version, encoding: 'xml' });
}

/** RFC 9562 UUIDv8 from SHA-256 of the content (Appendix B.2): version 8, RFC variant. */
export function uuidFromContent(content: string): string {
  return contentUuid('vouch:cyclonedx:serial', content);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
