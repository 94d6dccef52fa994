/**
 * Existing SBOMs as scan input: CycloneDX 1.x JSON and SPDX 2.2/2.3 JSON → the Vouch inventory
 * (packages with purls and locations, depends-on relationships), so a third-party SBOM goes
 * through the same matching, suppression and reports as a scanned directory.
 *
 * Format is detected by content, not by file name: CycloneDX has `bomFormat: "CycloneDX"`
 * (CycloneDX 1.6 JSON schema, required property), SPDX 2.x has `spdxVersion: "SPDX-2.x"`
 * (SPDX 2.3 §6.1). SPDX 3 (JSON-LD, `@context` naming spdx.org/rdf/3.x) is recognised and
 * refused with a clear error. Real tools emit documents their schema rejects (trivy's SPDX
 * packages lack `downloadLocation`, syft's redacted goldens have non-UUID serials): the reader is
 * lenient about everything it does not use and strict about what it does (types, sizes, counts).
 *
 * Tool variants handled:
 * - CycloneDX components nested inside components (cdxgen, syft for archives), walked depth-first
 *   up to `maxDepth`; a component's purl is its package; `evidence.occurrences[].location` (1.5+),
 *   syft's `syft:location:<i>:path` and trivy's `aquasecurity:trivy:FilePath` properties give the
 *   locations, as does trivy's purl qualifier `file_path`; `dependencies[]` (ref → dependsOn) gives
 *   relationships through the bom-refs.
 * - SPDX packages' purls from `externalRefs` with `referenceType: purl` in category
 *   `PACKAGE-MANAGER` (2.3 §7.21; 2.2 spells it `PACKAGE_MANAGER`); relationships DEPENDS_ON and
 *   DEPENDENCY_OF (reversed); syft's `sourceInfo` ("... from ... file: /path") is not parsed.
 * A package without any location is placed at the SBOM file itself, so reports (SARIF) can still
 * point somewhere real.
 */
import { basename } from 'node:path';
import { VouchError, VOUCH_VERSION } from '../../core/index.ts';
import type { Inventory, Location, Package, PackageType, Relationship, Warning } from '../../formats/model/index.ts';
import { canonicalPurl, parsePurl } from '../../formats/purl/index.ts';

export type SbomFormat = 'cyclonedx' | 'spdx';

export interface SbomLimits {
  /** Largest SBOM read, in bytes. */
  readonly maxBytes: number;
  /** Most components/packages taken from one SBOM. */
  readonly maxPackages: number;
  /** Deepest nesting of CycloneDX components (and of JSON in general, checked before parsing). */
  readonly maxDepth: number;
}

export const DEFAULT_SBOM_LIMITS: SbomLimits = Object.freeze({ maxBytes: 256 * 1024 * 1024, maxPackages: 500_000, maxDepth: 64 });

export interface SbomInput {
  readonly format: SbomFormat;
  /** `specVersion` (CycloneDX) or the SPDX version (`SPDX-2.3`). */
  readonly specVersion: string;
  /** CycloneDX `serialNumber` (for BOM-Link VEX references) or the SPDX `documentNamespace`. */
  readonly serialNumber?: string;
  /** CycloneDX `version` (BOM-Link `urn:cdx:<serial>/<version>`), 1 when absent. */
  readonly bomVersion?: number;
  /** CycloneDX bom-ref → purl of the components that have one. */
  readonly bomRefs: ReadonlyMap<string, string>;
  readonly inventory: Inventory;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Nesting depth of JSON text, counted on the raw characters (strings skipped) so a hostile
 * `[[[[...` is refused before JSON.parse recurses into it.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Which SBOM format a parsed JSON document is, or undefined when it is none Vouch reads. */
export function detectSbomFormat(doc: unknown): SbomFormat | 'spdx3' | undefined {
  if (!isObject(doc)) return undefined;
  if (doc.bomFormat === 'CycloneDX') return 'cyclonedx';
  if (typeof doc.spdxVersion === 'string' && /^SPDX-2\.\d+$/.test(doc.spdxVersion)) return 'spdx';
  const ctx = doc['@context'];
  const ctxs = Array.isArray(ctx) ? ctx : [ctx];
  if (ctxs.some((c) => typeof c === 'string' && /spdx\.org\/rdf\/3\./.test(c))) return 'spdx3';
  return undefined;
}

/**
 * Does the start of a file look like an SBOM? The format's own marker must be there as a JSON
 * member (`"bomFormat": "CycloneDX"`, `"spdxVersion": "SPDX-2.x"`, an SPDX 3 `@context`), so a
 * lockfile that merely mentions one of these words is not taken for an SBOM. Writers put the
 * marker first; a document whose marker comes later can be named with `sbom:FILE`.
 */
export function looksLikeSbom(head: string): boolean {
  if (!/^\s*\{/.test(head)) return false;
  return /"bomFormat"\s*:\s*"CycloneDX"/.test(head) || /"spdxVersion"\s*:\s*"SPDX-\d/.test(head) || /"@context"\s*:\s*\[?\s*"https?:\/\/spdx\.org\/rdf\/3/.test(head);
}

const PACKAGE_TYPES = new Set<PackageType>(['npm', 'pypi', 'golang', 'cargo', 'gem', 'composer', 'maven', 'nuget', 'deb', 'apk', 'rpm', 'generic']);

interface Collected {
  purl: string;
  name: string;
  version: string;
  type: PackageType;
  locations: Map<string, Location>;
  licenses: Set<string>;
}

class Builder {
  readonly packages = new Map<string, Collected>();
  readonly relationships = new Map<string, Relationship>();
  readonly warnings: Warning[] = [];
  readonly #sbomPath: string;
  readonly #limits: SbomLimits;

  constructor(sbomPath: string, limits: SbomLimits) {
    this.#sbomPath = sbomPath;
    this.#limits = limits;
  }

  warn(message: string): void {
    if (this.warnings.length < 1000) this.warnings.push({ location: { path: this.#sbomPath }, message });
  }

  /** Add a package by purl; returns the canonical purl, or undefined when the purl is unusable. */
  add(rawPurl: string, name: string | undefined, version: string | undefined, locations: readonly Location[], licenses: readonly string[]): string | undefined {
    let purl: string;
    let type: string;
    let pname: string;
    let pversion: string | undefined;
    let namespace: string | undefined;
    let filePath: string | undefined;
    try {
      purl = canonicalPurl(rawPurl);
      const p = parsePurl(purl);
      type = p.type;
      pname = p.name;
      pversion = p.version;
      namespace = p.namespace;
      // trivy writes where it found a package as the purl qualifier `file_path`.
      filePath = p.qualifiers?.file_path;
    } catch (err) {
      this.warn(`package ${name ?? '?'}: purl ${JSON.stringify(rawPurl.slice(0, 200))} is not valid (${err instanceof Error ? err.message : String(err)}); skipped`);
      return undefined;
    }
    let pkg = this.packages.get(purl);
    if (pkg === undefined) {
      if (this.packages.size >= this.#limits.maxPackages) {
        throw new VouchError('LIMIT_EXCEEDED', `${this.#sbomPath}: more than ${this.#limits.maxPackages} packages`);
      }
      const fullName = name ?? (namespace === undefined ? pname : type === 'maven' ? `${namespace}:${pname}` : `${namespace}/${pname}`);
      pkg = {
        purl,
        name: fullName,
        version: pversion ?? version ?? '',
        type: PACKAGE_TYPES.has(type as PackageType) ? (type as PackageType) : 'generic',
        locations: new Map(),
        licenses: new Set(),
      };
      this.packages.set(purl, pkg);
    }
    const all = filePath === undefined || filePath === '' ? locations : [...locations, { path: cleanPath(filePath) }];
    for (const l of all) pkg.locations.set(`${l.path}\u0000${l.layer ?? ''}`, l);
    for (const l of licenses) pkg.licenses.add(l);
    return purl;
  }

  relate(from: string, to: string): void {
    if (from === to) return;
    this.relationships.set(`${from} ${to}`, { from, to, type: 'depends-on' });
  }

  inventory(name: string, timestamp: string): Inventory {
    const packages: Package[] = [...this.packages.values()]
      .sort((a, b) => cmp(a.purl, b.purl))
      .map((p) => ({
        name: p.name,
        version: p.version,
        type: p.type,
        purl: p.purl,
        licenses: [...p.licenses].sort(cmp),
        hashes: [],
        locations: p.locations.size > 0 ? [...p.locations.values()].sort((a, b) => cmp(a.path, b.path)) : [{ path: this.#sbomPath }],
        scope: 'required',
        foundBy: 'sbom',
      }));
    const relationships = [...this.relationships.values()]
      .filter((r) => this.packages.has(r.from) && this.packages.has(r.to))
      .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to));
    return {
      source: { kind: 'file', target: this.#sbomPath, name },
      packages,
      relationships,
      warnings: this.warnings,
      tool: { name: 'vouch', version: VOUCH_VERSION },
      timestamp,
      deterministic: false,
    };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cleanPath(p: string): string {
  return p.replace(/^\/+/, '');
}

/** CycloneDX component → locations: evidence.occurrences, syft and trivy properties. */
function cdxLocations(c: Json): Location[] {
  const out: Location[] = [];
  const evidence = c.evidence;
  if (isObject(evidence) && Array.isArray(evidence.occurrences)) {
    for (const o of evidence.occurrences.slice(0, 1000) as unknown[]) {
      if (!isObject(o)) continue;
      const path = str(o.location);
      if (path === undefined) continue;
      out.push(typeof o.line === 'number' && Number.isInteger(o.line) && o.line > 0 ? { path: cleanPath(path), line: o.line } : { path: cleanPath(path) });
    }
  }
  if (Array.isArray(c.properties)) {
    const layers = new Map<string, string>();
    const paths = new Map<string, string>();
    for (const p of c.properties.slice(0, 10_000) as unknown[]) {
      if (!isObject(p)) continue;
      const name = str(p.name);
      const value = str(p.value);
      if (name === undefined || value === undefined) continue;
      const syft = /^syft:location:(\d+):(path|layerID)$/.exec(name);
      if (syft) (syft[2] === 'path' ? paths : layers).set(syft[1]!, value);
      else if (name === 'aquasecurity:trivy:FilePath') out.push({ path: cleanPath(value) });
    }
    for (const [i, path] of paths) {
      const layer = layers.get(i);
      out.push(layer === undefined ? { path: cleanPath(path) } : { path: cleanPath(path), layer });
    }
  }
  return out;
}

function cdxLicenses(c: Json): string[] {
  if (!Array.isArray(c.licenses)) return [];
  const out: string[] = [];
  for (const l of c.licenses.slice(0, 100) as unknown[]) {
    if (!isObject(l)) continue;
    const expr = str(l.expression);
    if (expr !== undefined) out.push(expr);
    const lic = l.license;
    if (isObject(lic)) {
      const id = str(lic.id) ?? str(lic.name);
      if (id !== undefined) out.push(id);
    }
  }
  return out;
}

function readCycloneDx(doc: Json, path: string, limits: SbomLimits): SbomInput {
  const b = new Builder(path, limits);
  const bomRefs = new Map<string, string>();
  let seen = 0;
  const walk = (list: unknown, depth: number): void => {
    if (!Array.isArray(list)) return;
    if (depth > limits.maxDepth) throw new VouchError('LIMIT_EXCEEDED', `${path}: components nested deeper than ${limits.maxDepth}`);
    for (const c of list as unknown[]) {
      if (++seen > limits.maxPackages) throw new VouchError('LIMIT_EXCEEDED', `${path}: more than ${limits.maxPackages} components`);
      if (!isObject(c)) {
        b.warn('a component is not an object; skipped');
        continue;
      }
      const purl = str(c.purl);
      if (purl !== undefined) {
        const canonical = b.add(purl, undefined, str(c.version), cdxLocations(c), cdxLicenses(c));
        const ref = str(c['bom-ref']);
        if (canonical !== undefined && ref !== undefined) bomRefs.set(ref, canonical);
      }
      walk(c.components, depth + 1);
    }
  };
  const metadata = doc.metadata;
  const metaComponent = isObject(metadata) && isObject(metadata.component) ? metadata.component : undefined;
  walk(doc.components, 1);
  if (metaComponent !== undefined) walk(metaComponent.components, 2);
  if (Array.isArray(doc.dependencies)) {
    for (const d of doc.dependencies.slice(0, limits.maxPackages) as unknown[]) {
      if (!isObject(d)) continue;
      const from = bomRefs.get(str(d.ref) ?? '');
      if (from === undefined || !Array.isArray(d.dependsOn)) continue;
      for (const t of d.dependsOn.slice(0, 100_000) as unknown[]) {
        const to = bomRefs.get(typeof t === 'string' ? t : '');
        if (to !== undefined) b.relate(from, to);
      }
    }
  }
  const name = (metaComponent !== undefined ? str(metaComponent.name) : undefined) ?? basename(path);
  const ts = isObject(metadata) ? str(metadata.timestamp) : undefined;
  const serial = str(doc.serialNumber);
  const version = typeof doc.version === 'number' && Number.isInteger(doc.version) ? doc.version : 1;
  return {
    format: 'cyclonedx',
    specVersion: str(doc.specVersion) ?? 'unknown',
    ...(serial === undefined ? {} : { serialNumber: serial }),
    bomVersion: version,
    bomRefs,
    inventory: b.inventory(name, validTimestamp(ts)),
  };
}

function validTimestamp(ts: string | undefined): string {
  const d = ts === undefined ? NaN : Date.parse(ts);
  return (Number.isNaN(d) ? new Date() : new Date(d)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function readSpdx(doc: Json, path: string, limits: SbomLimits): SbomInput {
  const b = new Builder(path, limits);
  const byId = new Map<string, string>();
  const packages = Array.isArray(doc.packages) ? (doc.packages as unknown[]) : [];
  if (packages.length > limits.maxPackages) throw new VouchError('LIMIT_EXCEEDED', `${path}: more than ${limits.maxPackages} packages`);
  for (const p of packages) {
    if (!isObject(p)) {
      b.warn('a package is not an object; skipped');
      continue;
    }
    if (!Array.isArray(p.externalRefs)) continue;
    for (const r of p.externalRefs.slice(0, 1000) as unknown[]) {
      if (!isObject(r) || r.referenceType !== 'purl') continue;
      const cat = str(r.referenceCategory);
      if (cat !== undefined && cat !== 'PACKAGE-MANAGER' && cat !== 'PACKAGE_MANAGER') continue;
      const locator = str(r.referenceLocator);
      if (locator === undefined) continue;
      const licenses = [str(p.licenseConcluded), str(p.licenseDeclared)].filter((l): l is string => l !== undefined && l !== 'NOASSERTION' && l !== 'NONE');
      const purl = b.add(locator, str(p.name), str(p.versionInfo), [], licenses);
      const id = str(p.SPDXID);
      if (purl !== undefined && id !== undefined && !byId.has(id)) byId.set(id, purl);
    }
  }
  if (Array.isArray(doc.relationships)) {
    for (const r of doc.relationships.slice(0, limits.maxPackages * 4) as unknown[]) {
      if (!isObject(r)) continue;
      const a = byId.get(str(r.spdxElementId) ?? '');
      const z = byId.get(str(r.relatedSpdxElement) ?? '');
      if (a === undefined || z === undefined) continue;
      if (r.relationshipType === 'DEPENDS_ON') b.relate(a, z);
      else if (r.relationshipType === 'DEPENDENCY_OF') b.relate(z, a);
    }
  }
  const creation = doc.creationInfo;
  const ns = str(doc.documentNamespace);
  return {
    format: 'spdx',
    specVersion: str(doc.spdxVersion) ?? 'unknown',
    ...(ns === undefined ? {} : { serialNumber: ns }),
    bomRefs: new Map(),
    inventory: b.inventory(str(doc.name) ?? basename(path), validTimestamp(isObject(creation) ? str(creation.created) : undefined)),
  };
}

/**
 * Read an SBOM's text (CycloneDX or SPDX JSON) into an inventory. `path` names it in locations
 * and messages. Throws SBOM_INVALID (not JSON, not an SBOM Vouch reads) or LIMIT_EXCEEDED.
 */
export function readSbom(text: string, path: string, limits: Partial<SbomLimits> = {}): SbomInput {
  const lim: SbomLimits = { ...DEFAULT_SBOM_LIMITS, ...limits };
  if (Buffer.byteLength(text) > lim.maxBytes) throw new VouchError('LIMIT_EXCEEDED', `${path}: SBOM larger than ${lim.maxBytes} bytes`);
  if (jsonDepthExceeds(text, lim.maxDepth * 4)) throw new VouchError('LIMIT_EXCEEDED', `${path}: JSON nested deeper than ${lim.maxDepth * 4}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new VouchError('SBOM_INVALID', `${path}: not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const format = detectSbomFormat(doc);
  if (format === 'spdx3') {
    throw new VouchError('SBOM_INVALID', `${path}: SPDX 3 (JSON-LD) is not supported yet; use SPDX 2.2/2.3 or CycloneDX JSON`);
  }
  if (format === undefined) {
    throw new VouchError('SBOM_INVALID', `${path}: not a CycloneDX or SPDX 2.x JSON document (no bomFormat or spdxVersion)`);
  }
  return format === 'cyclonedx' ? readCycloneDx(doc as Json, path, lim) : readSpdx(doc as Json, path, lim);
}
