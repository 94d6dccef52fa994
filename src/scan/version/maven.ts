import { createRequire } from 'node:module';
import { schemeFromParser, type VersionScheme } from './scheme.ts';

// mvncmp is CommonJS without type declarations: load it once and check its shape.
const loaded: unknown = createRequire(import.meta.url)('mvncmp');
function isComparator(m: unknown): m is { compare(a: string, b: string): number } {
  return typeof m === 'object' && m !== null && 'compare' in m && typeof m.compare === 'function';
}
if (!isComparator(loaded)) throw new Error('mvncmp does not export compare()');
const mvn = loaded;

/**
 * Maven: ComparableVersion ordering (maven-artifact; "Version Order Specification" in the POM
 * reference) via mvncmp, a port of ComparableVersion. Every string is a Maven version.
 */
export const mavenScheme: VersionScheme = schemeFromParser(
  'Maven',
  (v) => v,
  (a, b) => mvn.compare(a, b),
);
