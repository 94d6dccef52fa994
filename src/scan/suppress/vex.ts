/**
 * VEX input: OpenVEX (v0.2.0, and the 0.0.x spelling with string products), CycloneDX VEX
 * (`vulnerabilities[].analysis`, CycloneDX 1.4+) and CSAF 2.0 VEX (`document.category: csaf_vex`),
 * read into one statement model.
 *
 * What suppresses (OpenVEX spec §Status Labels; CycloneDX 1.6 `impactAnalysisState`):
 * - `not_affected` with a justification or an impact statement (OpenVEX requires one of them;
 *   a bare `not_affected` is kept as a finding and reported as not applied);
 *   CycloneDX `not_affected` (with justification or detail) and `false_positive`.
 * - `fixed` (CycloneDX `resolved`).
 * `affected` and `under_investigation` (CycloneDX `exploitable`, `in_triage`) never suppress.
 *
 * Product matching (after grype's and trivy's VEX processors, whose fixtures the tests use):
 * a statement applies to a finding when one of its products is the finding's package (purl, version
 * optional, qualifiers ignored), or when the product is the scanned image (OCI purl with the image's
 * digest) or a package of the scan, and either has no subcomponents (the whole image) or lists the
 * finding's package among them. CycloneDX BOM-Links (`urn:cdx:<serial>/<version>#<ref>`) apply only
 * to the scanned SBOM with that serial number and version.
 */
import { VouchError } from '../../core/index.ts';
import { jsonDepthExceeds } from '../input/index.ts';
import { ociDigest, ociName, purlMatches } from './purl-match.ts';
import type { SuppressionContext, SuppressionTarget, VexProduct, VexStatement, VexStatus } from './types.ts';

export const MAX_VEX_BYTES = 64 * 1024 * 1024;
export const MAX_VEX_STATEMENTS = 200_000;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function bad(doc: string, message: string): VouchError {
  return new VouchError('VEX_INVALID', `${doc}: ${message}`, { hint: 'give an OpenVEX, CycloneDX VEX or CSAF VEX JSON document' });
}

function list(v: unknown, doc: string, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(doc, `${what} must be a list`);
  if (v.length > MAX_VEX_STATEMENTS) throw bad(doc, `more than ${MAX_VEX_STATEMENTS} ${what}`);
  return v;
}

/** An OpenVEX component: `{"@id": ..., identifiers: {purl}}` or (0.0.x) a plain string. */
function openVexId(c: unknown): string | undefined {
  if (typeof c === 'string') return str(c);
  if (!isObject(c)) return undefined;
  const ids = c.identifiers;
  return (isObject(ids) ? str(ids.purl) : undefined) ?? str(c['@id']);
}

const OPENVEX_STATUS = new Set<VexStatus>(['not_affected', 'affected', 'fixed', 'under_investigation']);

function readOpenVex(doc: Json, name: string): VexStatement[] {
  const out: VexStatement[] = [];
  for (const [i, s] of list(doc.statements, name, 'statements').entries()) {
    if (!isObject(s)) throw bad(name, `statement ${i + 1} is not an object`);
    const v = s.vulnerability;
    const ids: string[] = [];
    if (typeof v === 'string') ids.push(v);
    else if (isObject(v)) {
      const n = str(v.name);
      if (n !== undefined) ids.push(n);
      for (const a of list(v.aliases, name, 'aliases')) if (typeof a === 'string') ids.push(a);
    }
    if (ids.length === 0) throw bad(name, `statement ${i + 1} names no vulnerability`);
    const status = s.status;
    if (typeof status !== 'string' || !OPENVEX_STATUS.has(status as VexStatus)) throw bad(name, `statement ${i + 1}: unknown status ${JSON.stringify(status)}`);
    // 0.0.x: subcomponents at the statement level apply to every product.
    const shared = list(s.subcomponents, name, 'subcomponents').map(openVexId).filter((x): x is string => x !== undefined);
    const products: VexProduct[] = list(s.products, name, 'products').flatMap((p): VexProduct[] => {
      const id = openVexId(p);
      if (id === undefined) return [];
      const subs = isObject(p) ? list(p.subcomponents, name, 'subcomponents').map(openVexId).filter((x): x is string => x !== undefined) : [];
      return [{ id, subcomponents: [...subs, ...shared] }];
    });
    const justification = str(s.justification);
    const statement = str(s.impact_statement) ?? str(s.status_notes);
    out.push({
      ids,
      products,
      status: status as VexStatus,
      ...(justification === undefined ? {} : { justification }),
      ...(statement === undefined ? {} : { statement }),
      document: name,
    });
  }
  return out;
}

/** CycloneDX `analysis.state` → VEX status; `false_positive` counts as not affected. */
function cdxStatus(state: string | undefined): VexStatus | undefined {
  switch (state) {
    case 'resolved':
    case 'resolved_with_pedigree':
      return 'fixed';
    case 'not_affected':
    case 'false_positive':
      return 'not_affected';
    case 'exploitable':
      return 'affected';
    case 'in_triage':
      return 'under_investigation';
    default:
      return undefined;
  }
}

/** `urn:cdx:<serial>/<version>#<ref>` (CycloneDX BOM-Link, 1.6 `bomLinkElementType`). */
function parseBomLink(ref: string): { serial: string; version: number; ref: string } | undefined {
  const m = /^urn:cdx:([0-9a-f-]{36})\/(\d+)#(.+)$/i.exec(ref);
  if (!m) return undefined;
  let inner = m[3]!;
  try {
    inner = decodeURIComponent(inner);
  } catch {
    /* keep as written */
  }
  return { serial: `urn:uuid:${m[1]!.toLowerCase()}`, version: Number(m[2]), ref: inner };
}

function readCycloneDxVex(doc: Json, name: string): VexStatement[] {
  // bom-refs of the document's own components (a BOM with embedded VEX) → purl.
  const refs = new Map<string, string>();
  const walk = (cs: unknown, depth: number): void => {
    if (!Array.isArray(cs) || depth > 64) return;
    for (const c of cs as unknown[]) {
      if (!isObject(c)) continue;
      const r = str(c['bom-ref']);
      const p = str(c.purl);
      if (r !== undefined && p !== undefined) refs.set(r, p);
      walk(c.components, depth + 1);
    }
  };
  walk(doc.components, 0);
  const out: VexStatement[] = [];
  for (const [i, v] of list(doc.vulnerabilities, name, 'vulnerabilities').entries()) {
    if (!isObject(v)) throw bad(name, `vulnerability ${i + 1} is not an object`);
    const id = str(v.id);
    if (id === undefined) throw bad(name, `vulnerability ${i + 1} has no id`);
    const ids = [id];
    for (const r of list(v.references, name, 'references')) if (isObject(r) && str(r.id) !== undefined) ids.push(str(r.id)!);
    const analysis = isObject(v.analysis) ? v.analysis : undefined;
    const status = cdxStatus(analysis === undefined ? undefined : str(analysis.state));
    if (status === undefined) continue; // no analysis: an inventory of findings, not a VEX statement
    const products: VexProduct[] = list(v.affects, name, 'affects').flatMap((a): VexProduct[] => {
      const ref = isObject(a) ? str(a.ref) : undefined;
      if (ref === undefined) return [];
      const link = parseBomLink(ref);
      if (link !== undefined) return [{ id: link.ref, subcomponents: [], bomLink: { serial: link.serial, version: link.version } }];
      return [{ id: refs.get(ref) ?? ref, subcomponents: [] }];
    });
    const justification = analysis === undefined ? undefined : str(analysis.state) === 'false_positive' ? 'false_positive' : str(analysis.justification);
    const statement = analysis === undefined ? undefined : str(analysis.detail);
    out.push({
      ids,
      products,
      status,
      ...(justification === undefined ? {} : { justification }),
      ...(statement === undefined ? {} : { statement }),
      document: name,
    });
  }
  return out;
}

/**
 * CSAF 2.0 VEX (OASIS CSAF 2.0 §3.1.5 product_tree, §3.2.3.9 product_status, §3.2.3.5 flags,
 * §3.2.3.13 threats): products by `product_identification_helper.purl` from the branches and
 * `full_product_names`; a relationship (§3.1.5.3: `product_reference` is a component of
 * `relates_to_product_reference`) is a product with that subcomponent. `known_not_affected` →
 * not_affected (justification from a flag naming the product, else an impact threat's details as the
 * statement), `fixed`/`first_fixed` → fixed, `known_affected` → affected, `under_investigation`.
 */
function readCsaf(doc: Json, name: string): VexStatement[] {
  const purls = new Map<string, string>();
  const composite = new Map<string, VexProduct>();
  const addProduct = (p: unknown): void => {
    if (!isObject(p)) return;
    const id = str(p.product_id);
    const helper = p.product_identification_helper;
    const purl = isObject(helper) ? str(helper.purl) : undefined;
    if (id !== undefined && purl !== undefined) purls.set(id, purl);
  };
  let visited = 0;
  const walk = (branches: unknown, depth: number): void => {
    if (depth > 32) throw bad(name, 'product_tree branches nested deeper than 32');
    for (const b of list(branches, name, 'branches')) {
      if (++visited > MAX_VEX_STATEMENTS) throw bad(name, `more than ${MAX_VEX_STATEMENTS} product tree nodes`);
      if (!isObject(b)) continue;
      addProduct(b.product);
      walk(b.branches, depth + 1);
    }
  };
  const tree = isObject(doc.product_tree) ? doc.product_tree : {};
  walk(tree.branches, 0);
  for (const p of list(tree.full_product_names, name, 'full_product_names')) addProduct(p);
  for (const r of list(tree.relationships, name, 'relationships')) {
    if (!isObject(r) || !isObject(r.full_product_name)) continue;
    const id = str(r.full_product_name.product_id);
    const component = purls.get(str(r.product_reference) ?? '');
    const parent = purls.get(str(r.relates_to_product_reference) ?? '');
    if (id !== undefined && component !== undefined && parent !== undefined) composite.set(id, { id: parent, subcomponents: [component] });
  }
  const productOf = (id: string): VexProduct | undefined => composite.get(id) ?? (purls.has(id) ? { id: purls.get(id)!, subcomponents: [] } : undefined);
  const out: VexStatement[] = [];
  const STATUS: Record<string, VexStatus> = { known_not_affected: 'not_affected', fixed: 'fixed', first_fixed: 'fixed', known_affected: 'affected', first_affected: 'affected', last_affected: 'affected', under_investigation: 'under_investigation' };
  for (const [i, v] of list(doc.vulnerabilities, name, 'vulnerabilities').entries()) {
    if (!isObject(v)) throw bad(name, `vulnerability ${i + 1} is not an object`);
    const ids = [str(v.cve), ...list(v.ids, name, 'ids').map((x) => (isObject(x) ? str(x.text) : undefined))].filter((x): x is string => x !== undefined);
    if (ids.length === 0) continue;
    const flags = list(v.flags, name, 'flags').filter(isObject);
    const threats = list(v.threats, name, 'threats').filter((t) => isObject(t) && t.category === 'impact') as Json[];
    const status = isObject(v.product_status) ? v.product_status : {};
    for (const [key, st] of Object.entries(STATUS)) {
      for (const pid of list(status[key], name, `product_status.${key}`)) {
        if (typeof pid !== 'string') continue;
        const product = productOf(pid);
        if (product === undefined) continue;
        const names = (x: Json): boolean => !Array.isArray(x.product_ids) || (x.product_ids as unknown[]).includes(pid);
        const justification = st === 'not_affected' ? str(flags.find(names)?.label) : undefined;
        const statement = str(threats.find(names)?.details);
        out.push({ ids, products: [product], status: st, ...(justification === undefined ? {} : { justification }), ...(statement === undefined ? {} : { statement }), document: name });
      }
    }
  }
  return out;
}

/** Parse one VEX document's text. Throws VEX_INVALID for anything that is not OpenVEX, CycloneDX VEX or CSAF VEX. */
export function parseVex(text: string, name: string): VexStatement[] {
  if (Buffer.byteLength(text) > MAX_VEX_BYTES) throw bad(name, `larger than ${MAX_VEX_BYTES} bytes`);
  if (jsonDepthExceeds(text, 128)) throw bad(name, 'JSON nested too deeply');
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw bad(name, `unable to load VEX: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObject(doc)) throw bad(name, 'unable to load VEX: not a JSON object');
  const ctx = doc['@context'];
  if (typeof ctx === 'string' && ctx.startsWith('https://openvex.dev/ns')) return readOpenVex(doc, name);
  if (doc.bomFormat === 'CycloneDX') return readCycloneDxVex(doc, name);
  const document = doc.document;
  if (isObject(document) && document.category === 'csaf_vex') return readCsaf(doc, name);
  throw bad(name, 'unable to load VEX: neither OpenVEX (@context https://openvex.dev/ns/...), CycloneDX (bomFormat) nor CSAF VEX (document.category csaf_vex)');
}

/** Does a statement's product list cover this finding's package in this scan? */
export function vexApplies(s: VexStatement, f: SuppressionTarget, ctx: SuppressionContext): boolean {
  const ids = new Set([f.id, ...f.aliases].map((x) => x.toUpperCase()));
  if (!s.ids.some((id) => ids.has(id.toUpperCase()))) return false;
  const subjects = new Set((ctx.subjectDigests ?? []).map((d) => d.toLowerCase()));
  const names = new Set((ctx.subjectNames ?? []).map((n) => n.toLowerCase()));
  return s.products.some((p) => {
    if (p.bomLink !== undefined && (ctx.bomSerial?.toLowerCase() !== p.bomLink.serial || (ctx.bomVersion ?? 1) !== p.bomLink.version)) return false;
    if (purlMatches(p.id, f.purl)) return true;
    // The scanned image: an OCI purl with its digest, or (trivy's reading) without a version, by repository name.
    const name = ociName(p.id);
    const digest = ociDigest(p.id);
    const isImage = name !== undefined && (digest !== undefined ? subjects.has(digest) : names.has(name));
    const isSubject = isImage || (name === undefined && [...(ctx.packagePurls ?? [])].some((q) => purlMatches(p.id, q)));
    if (!isSubject) return false;
    return p.subcomponents.length === 0 ? isImage : p.subcomponents.some((c) => purlMatches(c, f.purl));
  });
}

/** Does this statement suppress (rather than merely describe)? */
export function vexSuppresses(s: VexStatement): boolean {
  return s.status === 'fixed' || (s.status === 'not_affected' && (s.justification !== undefined || s.statement !== undefined));
}
