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
 * Documents are validated first (XMLValidator) so that malformed input is an error with a
 * line number, not a half-parsed tree.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FileParseError } from '../../generic/index.ts';

export type XmlNode = Readonly<Record<string, unknown>>;

/** fast-xml-parser types its metadata key as `Symbol` (the wrapper type); it is a symbol. */
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

export interface ParsedXml {
  readonly root: XmlNode;
  /** 1-based line of a node's start tag (when parsed with lines). */
  lineOf(node: unknown): number | undefined;
}

/**
 * Parse `text` as XML. `arrayTags` are element names that always come back as arrays (so
 * one `<dependency>` and several look the same). Throws FileParseError on malformed XML.
 */
export function parseXml(text: string, arrayTags: ReadonlySet<string>, withLines = false): ParsedXml {
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (valid !== true) {
    throw new FileParseError(`malformed XML: ${valid.err.msg}`, valid.err.line);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: false,
    htmlEntities: false,
    removeNSPrefix: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    captureMetaData: withLines,
    isArray: (name) => arrayTags.has(name),
  });
  let root: unknown;
  try {
    root = parser.parse(text);
  } catch (err) {
    throw new FileParseError(`malformed XML: ${(err as Error).message}`, undefined, err);
  }
  if (!isNode(root)) throw new FileParseError('malformed XML: no document element');
  let lineStarts: number[] | undefined;
  return {
    root,
    lineOf(node) {
      if (!withLines || !isNode(node)) return undefined;
      const meta = (node as Record<symbol, unknown>)[META];
      if (typeof meta !== 'object' || meta === null) return undefined;
      const index = (meta as { startIndex?: unknown }).startIndex;
      if (typeof index !== 'number') return undefined;
      lineStarts ??= computeLineStarts(text);
      return lineAt(lineStarts, index);
    },
  };
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: readonly number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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
