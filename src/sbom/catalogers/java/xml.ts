/**
 * Safe XML reading for the Java catalogers (POM, gradle verification metadata, the POM
 * embedded in a JAR), through fast-xml-parser.
 *
 * XXE-safe by construction: fast-xml-parser never fetches external entities or DTDs (it has
 * no I/O at all), and with `processEntities: false` entities declared in a DOCTYPE are not
 * expanded either, so neither external-entity reads nor "billion laughs" expansion can
 * happen. The DOCTYPE itself is skipped, not interpreted. Only the five predefined XML
 * entities and numeric character references are decoded, by `decodeXmlText` below, on the
 * values we actually read (XML 1.0 §4.6 "Predefined Entities", §4.1 character references).
 *
 * The parsing itself (validation, parser set-up, errors with their line) is the shared
 * `parseXml` of src/sbom/generic/xml.ts.
 */
import { isXmlNode, parseXml as parseXmlDoc, type ParsedXml, type XmlNode } from '../../generic/index.ts';

export type { ParsedXml, XmlNode };

/**
 * Parse `text` as XML (the shared XXE-safe parser; attributes without a value are accepted).
 * `arrayTags` are element names that always come back as arrays (so one `<dependency>` and
 * several look the same). Throws FileParseError on malformed XML.
 */
export function parseXml(text: string, arrayTags: ReadonlySet<string>, withLines = false): ParsedXml {
  return parseXmlDoc(text, arrayTags, { withLines, allowBooleanAttributes: true });
}

export const isNode = isXmlNode;

/** The first child element `name` of `node` (an element repeated by mistake counts once). */
export function child(node: unknown, name: string): unknown {
  if (!isNode(node) || !Object.hasOwn(node, name)) return undefined;
  const v = node[name];
  return Array.isArray(v) ? (v as unknown[])[0] : v;
}

/** All child elements `name` of `node`, as element nodes (text-only elements are dropped). */
export function children(node: unknown, name: string): XmlNode[] {
  if (!isNode(node) || !Object.hasOwn(node, name)) return [];
  const v = node[name];
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  return list.filter(isNode);
}

/** The text content of an element (or attribute) value; undefined when absent or not text. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return decodeXmlText(v);
  if (isNode(v) && typeof v['#text'] === 'string') return decodeXmlText(v['#text']);
  if (isNode(v) && Object.keys(v).length === 0) return '';
  return undefined;
}

/** Text of child element `name`, trimmed; undefined when absent. */
export function childText(node: unknown, name: string): string | undefined {
  return text(child(node, name))?.trim();
}

/** Attribute `name` of an element, as text. */
export function attr(node: unknown, name: string): string | undefined {
  if (!isNode(node)) return undefined;
  const v = node[`@_${name}`];
  return typeof v === 'string' ? decodeXmlText(v) : undefined;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decode the predefined entities and character references; anything else is left as written. */
export function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}
