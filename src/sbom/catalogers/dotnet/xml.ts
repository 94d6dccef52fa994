/**
 * XML for packages.config and project files, through the shared XXE-safe parser of
 * src/sbom/generic/xml.ts (no external entities or DTDs fetched, DOCTYPE entities never
 * expanded, a document declaring an external entity refused, malformed XML an error with
 * its line). Strict XML: attributes without a value are malformed.
 */
import { parseXml } from '../../generic/index.ts';

export function parseXmlDocument(text: string, arrayTags: ReadonlySet<string>): Record<string, unknown> {
  return parseXml(text, arrayTags).root;
}

/** Attribute or element text of a parsed node, with the predefined entities decoded. */
export function xmlString(v: unknown): string | undefined {
  const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)['#text'] === 'string' ? ((v as Record<string, unknown>)['#text'] as string) : undefined;
  return s?.replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? _m).trim();
}
