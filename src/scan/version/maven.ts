import { compareDigits, compareStrings, schemeFromParser, type VersionScheme } from './scheme.ts';

/**
 * Maven: the POM reference's "Version Order Specification"
 * (https://maven.apache.org/pom.html#version-order-specification), with the details Maven's
 * ComparableVersion adds (case-insensitive qualifiers, `cr` = `rc`, `ga`/`final`/`release` = "",
 * unknown qualifiers after known ones). Every string is a Maven version.
 *
 * Hand-written (a port of osv-scalibr semantic/version-maven.go) because mvncmp, the library we
 * tried first, disagrees with the native-tool oracle on 15 lines and is not even antisymmetric
 * on some (`1.5.9.RC1` vs `1.5.9-RC0` is "less" both ways); it also lacks the `ga` alias.
 */
interface Token {
  readonly prefix: string; // '' (first), '.' or '-'
  readonly value: string;
  readonly isNull: boolean;
}

const KEYWORDS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const isNumber = (s: string): boolean => /^\d+$/.test(s);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

// A raw token splits again wherever digits and non-digits meet ("1alpha2" → 1, alpha, 2).
function transitions(s: string): number[] {
  const out: number[] = [];
  for (let k = 1; k < s.length; k++) if (isDigit(s[k - 1]) !== isDigit(s[k])) out.push(k);
  out.push(s.length);
  return out;
}

function parse(version: string): Token[] {
  const tokens: Token[] = [];
  const raw = version.split(/([-.])/); // delimiters kept at odd indices
  for (let i = 0; i < raw.length; i += 2) {
    const part = raw[i] ?? '';
    let prefix = i === 0 ? '' : (raw[i - 1] ?? '');
    let prev = 0;
    const cuts = transitions(part);
    cuts.forEach((cut, j) => {
      if (j > 0) prefix = '-';
      let value = part.slice(prev, cut).toLowerCase() || '0';
      if (value === 'cr') value = 'rc';
      if (value === 'ga' || value === 'final' || value === 'release') value = '';
      // `a`, `b`, `m` directly followed by a number mean alpha, beta, milestone
      if (cut !== part.length) value = value === 'a' ? 'alpha' : value === 'b' ? 'beta' : value === 'm' ? 'milestone' : value;
      if (isNumber(value)) value = value.replace(/^0+(?=\d)/, '');
      tokens.push({ prefix, value, isNull: false });
      prev = cut;
    });
  }
  // Trim trailing "null" values (0, "", final, ga), then again before each hyphen, end to start.
  let i = tokens.length - 1;
  while (i > 0) {
    const v = tokens[i]?.value;
    if (v === '0' || v === '' || v === 'final' || v === 'ga') {
      tokens.splice(i, 1);
      i--;
      continue;
    }
    while (i >= 0 && tokens[i]?.prefix !== '-') i--;
    i--;
  }
  return tokens;
}

// Padding for the shorter version: 0 after '.', "" after '-' ("sp" is the one qualifier that
// sorts after an empty value, so it is padded with "").
function nullToken(other: Token): Token {
  if (other.prefix === '-') return { prefix: '-', value: '', isNull: true };
  return { prefix: other.prefix, value: other.value === 'sp' ? '' : '0', isNull: true };
}

// ".qualifier" < "-qualifier" < "-number" < ".number"
function prefixOrder(t: Token): number {
  const dash = t.prefix === '-';
  return isNumber(t.value) ? (dash ? 2 : 3) : dash ? 1 : 0;
}

function keywordIndex(value: string): number {
  const i = KEYWORDS.indexOf(value);
  return i < 0 ? KEYWORDS.length : i;
}

function tokenLess(v: Token, w: Token): boolean {
  if (v.prefix !== w.prefix) return prefixOrder(v) < prefixOrder(w);
  const vn = isNumber(v.value);
  const wn = isNumber(w.value);
  if (vn && wn) return compareDigits(v.value, w.value) < 0;
  // numbers sort after qualifiers, unless they are padding
  if (vn && !v.isNull) return false;
  if (wn && !w.isNull) return true;
  const vi = keywordIndex(v.value);
  const wi = keywordIndex(w.value);
  if (vi === KEYWORDS.length && wi === KEYWORDS.length) return compareStrings(v.value, w.value) < 0;
  return vi < wi;
}

function less(a: readonly Token[], b: readonly Token[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    const left = x ?? (y ? nullToken(y) : undefined);
    const right = y ?? (x ? nullToken(x) : undefined);
    if (!left || !right) return false;
    if (left.prefix === right.prefix && left.value === right.value) continue;
    return tokenLess(left, right);
  }
  return false;
}

function equal(a: readonly Token[], b: readonly Token[]): boolean {
  return a.length === b.length && a.every((t, i) => t.prefix === b[i]?.prefix && t.value === b[i]?.value);
}

function compareParsed(a: readonly Token[], b: readonly Token[]): number {
  if (equal(a, b)) return 0;
  return less(a, b) ? -1 : 1;
}

export const mavenScheme: VersionScheme = schemeFromParser('Maven', parse, compareParsed);
