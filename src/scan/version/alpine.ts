import { compareDigits, compareStrings, schemeFromParser, type VersionScheme } from './scheme.ts';

/**
 * Alpine: apk-tools version order (apk-tools src/version.c; apk-package(5) "pkgver").
 *
 * Hand-written because no npm library implements apk's rules. Grammar:
 * `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`. Numbers compare numerically,
 * except that after the first one a part with a leading zero compares as a string (apk treats
 * `1.01` like a decimal fraction); a letter sorts after no letter; suffixes order
 * `_alpha` < `_beta` < `_pre` < `_rc` < (none) < `_cvs` < `_svn` < `_git` < `_hg` < `_p`;
 * the commit hash is ignored; then `-rN`. Text left over makes the version invalid: two invalid
 * versions compare as strings, and a valid version sorts after an otherwise equal invalid one
 * (following osv-scalibr, which agrees with `apk version -t` on the whole oracle).
 */
interface AlpineVersion {
  readonly original: string;
  readonly invalid: boolean;
  readonly numbers: readonly string[];
  readonly letter: string;
  readonly suffixes: readonly { readonly weight: number; readonly number: string }[];
  readonly build: string;
  readonly remainder: string;
}

const SUFFIXES = ['alpha', 'beta', 'pre', 'rc', '', 'cvs', 'svn', 'git', 'hg', 'p'];
const NO_SUFFIX = { weight: SUFFIXES.indexOf(''), number: '0' };

function parse(original: string): AlpineVersion {
  let rest = original;
  const numbersMatch = /^(?:\d+\.?)*/.exec(rest)?.[0] ?? '';
  const numbers: string[] = [];
  for (const d of numbersMatch.split('.')) {
    if (d === '') break; // apk accepts a dot not followed by a digit
    numbers.push(d);
  }
  rest = rest.slice(numbersMatch.length);
  const letter = /^[a-z]/.test(rest) ? rest.slice(0, 1) : '';
  rest = rest.slice(letter.length);
  const suffixes: { weight: number; number: string }[] = [];
  for (let m = /^_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)/.exec(rest); m; m = /^_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)/.exec(rest)) {
    suffixes.push({ weight: SUFFIXES.indexOf(m[1] ?? ''), number: m[2] || '0' });
    rest = rest.slice(m[0].length);
  }
  const hash = /^~[0-9a-f]+/.exec(rest)?.[0] ?? '';
  rest = rest.slice(hash.length);
  let build = '0';
  let invalid = false;
  if (rest !== '') {
    const m = /^-r(\d*)/.exec(rest);
    if (m) {
      build = m[1] || '0';
      rest = rest.slice(m[0].length);
    } else {
      invalid = true;
    }
  }
  return { original, invalid, numbers, letter, suffixes, build, remainder: rest };
}

function compareNumber(a: string | undefined, b: string | undefined, index: number): number {
  const x = a ?? '0';
  const y = b ?? '0';
  // version.c: after the first part, a leading zero means compare as a fraction (string order).
  if (index !== 0 && a !== undefined && b !== undefined && (x.startsWith('0') || y.startsWith('0'))) return compareStrings(x, y);
  return compareDigits(x, y);
}

function compareParsed(a: AlpineVersion, b: AlpineVersion): number {
  if (a.invalid && b.invalid) return compareStrings(a.original, b.original);
  for (let i = 0; i < Math.max(a.numbers.length, b.numbers.length); i++) {
    const d = compareNumber(a.numbers[i], b.numbers[i], i);
    if (d !== 0) return d;
  }
  if (a.letter !== b.letter) return a.letter === '' ? -1 : b.letter === '' ? 1 : compareStrings(a.letter, b.letter);
  for (let i = 0; i < Math.max(a.suffixes.length, b.suffixes.length); i++) {
    const x = a.suffixes[i] ?? NO_SUFFIX;
    const y = b.suffixes[i] ?? NO_SUFFIX;
    const d = x.weight - y.weight || compareDigits(x.number, y.number);
    if (d !== 0) return d;
  }
  const d = compareDigits(a.build, b.build);
  if (d !== 0) return d;
  if (a.remainder === '' && b.remainder !== '') return 1;
  if (a.remainder !== '' && b.remainder === '') return -1;
  return 0;
}

export const alpineScheme: VersionScheme = schemeFromParser('Alpine', parse, compareParsed, (v) => !v.invalid);
