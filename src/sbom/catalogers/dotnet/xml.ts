/**
 * XML for packages.config and project files, through fast-xml-parser. XXE-safe: the parser
 * has no I/O (no external entities or DTDs are ever fetched), `processEntities: false` keeps
 * DOCTYPE-declared entities from expanding (no "billion laughs"), and a document declaring
 * an external entity is refused by the parser. Documents are validated first so malformed
 * XML is an error with its line.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FileParseError } from '../../generic/index.ts';

export function parseXmlDocument(text: string, arrayTags: ReadonlySet<string>): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new FileParseError(`malformed XML: ${valid.err.msg}`, valid.err.line);
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
    isArray: (name) => arrayTags.has(name),
  });
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch (err) {
    throw new FileParseError(`malformed XML: ${(err as Error).message}`, undefined, err);
  }
  if (typeof doc !== 'object' || doc === null) throw new FileParseError('malformed XML: no document element');
  return doc as Record<string, unknown>;
}

/** Attribute or element text of a parsed node, with the predefined entities decoded. */
export function xmlString(v: unknown): string | undefined {
  const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)['#text'] === 'string' ? ((v as Record<string, unknown>)['#text'] as string) : undefined;
  return s?.replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? _m).trim();
}
