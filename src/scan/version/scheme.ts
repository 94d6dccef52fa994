/**
 * One version ordering per ecosystem, behind one interface.
 *
 * Behaviour on bad input (defined once here, tested in test/unit/scan/version):
 * `compare` never throws. A string the scheme cannot read (or one longer than
 * MAX_VERSION_LENGTH) is "invalid"; invalid versions sort before every valid one, and two
 * invalid versions compare by their UTF-16 code units. That keeps `compare` a total order, so
 * sorting never misbehaves, while matchers can ask `isValid` first and report the string.
 */
export interface VersionScheme {
  /** The OSV ecosystem family this scheme implements, e.g. `npm`, `Debian`, `RPM`. */
  readonly name: string;
  /** True when the scheme can read `version`. */
  isValid(version: string): boolean;
  /** Negative, zero or positive as `a` orders before, equal to or after `b` (always -1, 0 or 1). */
  compare(a: string, b: string): -1 | 0 | 1;
}

/** Parsed versions each scheme keeps (per process). */
const PARSE_MEMO_SIZE = 8192;

/** Version strings longer than this are treated as invalid (untrusted input is bounded). */
export const MAX_VERSION_LENGTH = 256;

/** Sign of a number as -1 | 0 | 1. */
export function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Plain code-unit string order (like Go's strings.Compare and C's strcmp on ASCII). */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare two strings of ASCII digits as unbounded non-negative integers. */
export function compareDigits(a: string, b: string): -1 | 0 | 1 {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return compareStrings(x, y);
}

/**
 * Build a scheme from a parser (undefined = invalid) and an order on parsed values, applying
 * the invalid-version rule above. `valid` lets a scheme that orders some malformed strings
 * itself (apk) still report them through `isValid`.
 */
export function schemeFromParser<T>(
  name: string,
  parse: (version: string) => T | undefined,
  compareParsed: (a: T, b: T) => number,
  valid: (parsed: T) => boolean = () => true,
): VersionScheme {
  // Parsing is pure and matching compares the same few strings (a package's version, each range's
  // events) many times: a bounded memo of parsed versions, cleared when full.
  const memo = new Map<string, T | undefined>();
  const read = (v: string): T | undefined => {
    if (v.length > MAX_VERSION_LENGTH) return undefined;
    if (memo.has(v)) return memo.get(v);
    const parsed = parse(v);
    if (memo.size >= PARSE_MEMO_SIZE) memo.clear();
    memo.set(v, parsed);
    return parsed;
  };
  return {
    name,
    isValid(v) {
      const parsed = read(v);
      return parsed !== undefined && valid(parsed);
    },
    compare(a, b) {
      const pa = read(a);
      const pb = read(b);
      if (pa === undefined || pb === undefined) {
        if (pa !== undefined) return 1;
        if (pb !== undefined) return -1;
        return compareStrings(a, b);
      }
      return sign(compareParsed(pa, pb));
    },
  };
}
