import { compareDigits, schemeFromParser, type VersionScheme } from './scheme.ts';

/**
 * Packagist (Composer): PHP's `version_compare` on the string after Composer-style trimming of
 * a leading `v`/`V` (php-src ext/standard/versioning.c; composer/semver VersionParser).
 *
 * Hand-written because no npm library implements version_compare with Composer's handling.
 * version_compare canonicalises `-`, `_`, `+` to `.` and puts a `.` between every digit/non-digit
 * change, then compares part by part: numbers numerically; special words by the order
 * `dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` < `#` (a number) < `pl`/`p`; any other word
 * counts as lowest. When one side runs out, a following number makes it newer, otherwise the
 * rest is compared against `#`. Every string is valid (as in PHP).
 */
function canonicalize(version: string): string[] {
  return version
    .replace(/^[vV]/, '')
    .replace(/[-_+]/g, '.')
    .replace(/([^\d.])(\d)/g, '$1.$2')
    .replace(/(\d)([^\d.])/g, '$1.$2')
    .split('.');
}

const SPECIALS = ['dev', 'a', 'b', 'rc', '#', 'p'];
// php-src `compare_special_version_forms`: prefix match, `alpha`→a, `beta`→b, `pl`→p, `RC`→rc.
function weigh(part: string): number {
  if (part.startsWith('RC')) return 3;
  const i = SPECIALS.findIndex((s) => part.startsWith(s));
  return i < 0 ? 0 : i;
}

const isNumber = (s: string): boolean => /^\d+$/.test(s);

function compareParts(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    const nx = isNumber(x);
    const ny = isNumber(y);
    const d = nx && ny ? compareDigits(x, y) : weigh(nx ? '#' : x) - weigh(ny ? '#' : y);
    if (d !== 0) return d;
  }
  if (a.length > b.length) return isNumber(a[n] ?? '') ? 1 : compareParts(a.slice(n), ['#']);
  if (a.length < b.length) return isNumber(b[n] ?? '') ? -1 : compareParts(['#'], b.slice(n));
  return 0;
}

export const packagistScheme: VersionScheme = schemeFromParser('Packagist', canonicalize, compareParts);
