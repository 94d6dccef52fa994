/**
 * Safe XML parsing shared by the catalogers that read XML (Java POMs, gradle verification
 * metadata, .NET packages.config and project files), through fast-xml-parser.
 *
 * XXE-safe by construction: fast-xml-parser never fetches external entities or DTDs (it has
 * no I/O at all), a document declaring an external entity is refused by the parser, and with
 * `processEntities: false` entities declared in a DOCTYPE are not expanded either, so neither
 * external-entity reads nor "billion laughs" expansion can happen. The DOCTYPE itself is
 * skipped, not interpreted. Decoding the predefined entities (XML 1.0 §4.6) on the values
 * actually read is left to the caller.
 *
 * Documents are validated first (XMLValidator) so that malformed input is a FileParseError
 * with a line number, not a half-parsed tree.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FileParseError } from './cataloger.ts';

export type XmlNode = Readonly<Record<string, unknown>>;

/** fast-xml-parser types its metadata key as `Symbol` (the wrapper type); it is a symbol. */
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

export interface ParsedXml {
  readonly root: XmlNode;
  /** 1-based line of a node's start tag (when parsed with lines). */
  lineOf(node: unknown): number | undefined;
}

export interface ParseXmlOptions {
  /** Record each element's position so `lineOf` can answer (costs memory). */
  readonly withLines?: boolean;
  /** Accept attributes without a value (`<a b>`), which strict XML rejects. */
  readonly allowBooleanAttributes?: boolean;
}

/**
 * Parse `text` as XML. `arrayTags` are element names that always come back as arrays (so
 * one `<dependency>` and several look the same). Throws FileParseError on malformed XML.
 */
export function parseXml(text: string, arrayTags: ReadonlySet<string>, options: ParseXmlOptions = {}): ParsedXml {
  const withLines = options.withLines ?? false;
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: options.allowBooleanAttributes ?? false });
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
  if (!isXmlNode(root)) throw new FileParseError('malformed XML: no document element');
  let lineStarts: number[] | undefined;
  return {
    root,
    lineOf(node) {
      if (!withLines || !isXmlNode(node)) return undefined;
      const meta = (node as Record<symbol, unknown>)[META];
      if (typeof meta !== 'object' || meta === null) return undefined;
      const index = (meta as { startIndex?: unknown }).startIndex;
      if (typeof index !== 'number') return undefined;
      lineStarts ??= computeLineStarts(text);
      return lineAt(lineStarts, index);
    },
  };
}

export function isXmlNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
