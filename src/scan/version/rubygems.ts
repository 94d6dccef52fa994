import * as gem from '@renovatebot/ruby-semver';
import { compareDigits, schemeFromParser, type VersionScheme } from './scheme.ts';

const NUMERIC = /^\d+(?:\.\d+)*$/;

// ruby-semver reads segments as JS numbers, so parts past 2^53 lose precision and compare
// equal. Ruby's Integers are unbounded: for all-numeric versions compare the segments as digit
// strings, padding the shorter with zeros (Gem::Version#<=>).
function compareNumeric(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = compareDigits(x[i] ?? '0', y[i] ?? '0');
    if (d !== 0) return d;
  }
  return 0;
}

/** RubyGems: `Gem::Version#<=>` via @renovatebot/ruby-semver, a port of rubygems' version.rb. */
export const rubygemsScheme: VersionScheme = schemeFromParser(
  'RubyGems',
  (v) => (gem.valid(v) === null ? undefined : v.trim()),
  (a, b) => {
    if (NUMERIC.test(a) && NUMERIC.test(b)) return compareNumeric(a, b);
    return gem.eq(a, b) ? 0 : gem.lt(a, b) ? -1 : 1;
  },
);
