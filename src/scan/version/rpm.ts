import { compareStrings, schemeFromParser, type VersionScheme } from './scheme.ts';

/**
 * RPM-based distributions (Red Hat, AlmaLinux, Rocky Linux, openSUSE, SUSE, Mageia, openEuler...):
 * `[epoch:]version[-release]` compared part by part with rpmvercmp (rpm rpmio/rpmvercmp.c;
 * rpm-version(7); https://docs.fedoraproject.org/en-US/packaging-guidelines/Versioning/).
 *
 * Hand-written because no npm library implements rpmvercmp with `~` and `^`. Every string is
 * valid, as for rpm. The epoch is the text before the first `:` when it is all digits (else
 * there is no epoch: 0); the release is everything after the first `-` of the rest.
 */
interface RpmVersion {
  readonly epoch: string;
  readonly version: string;
  readonly release: string;
}

function parse(str: string): RpmVersion {
  const colon = str.indexOf(':');
  const hasEpoch = colon >= 0 && /^\d*$/.test(str.slice(0, colon));
  const epoch = hasEpoch && colon > 0 ? str.slice(0, colon) : '0';
  const vr = hasEpoch ? str.slice(colon + 1) : str;
  const hyphen = vr.indexOf('-');
  return hyphen < 0 ? { epoch, version: vr, release: '' } : { epoch, version: vr.slice(0, hyphen), release: vr.slice(hyphen) };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/** rpmvercmp(a, b). */
export function rpmvercmp(a: string, b: string): number {
  if (a === '' && b !== '') return -1;
  if (a !== '' && b === '') return 1;
  let i = 0;
  let j = 0;
  for (;;) {
    // 1. skip separators (anything but alnum, `~`, `^`)
    while (i < a.length && !isDigit(a[i]) && !isAlpha(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isDigit(b[j]) && !isAlpha(b[j]) && b[j] !== '~' && b[j] !== '^') j++;
    // 2–3. `~` sorts before everything, even the end of the string
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // 4–5. `^` sorts after the end of the string but before anything else
    if (a[i] === '^' || b[j] === '^') {
      if (i === a.length) return -1;
      if (j === b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    // 6. stop when either string is used up
    if (i >= a.length || j >= b.length) break;
    // 7. take the next run of digits, or of letters, from both
    const numeric = isDigit(a[i]);
    const same = numeric ? isDigit : isAlpha;
    const si = i;
    const sj = j;
    while (i < a.length && same(a[i])) i++;
    while (j < b.length && same(b[j])) j++;
    let x = a.slice(si, i);
    let y = b.slice(sj, j);
    // 8. a number is newer than letters
    if (y === '') return numeric ? 1 : -1;
    // 9. numbers: longer (without leading zeros) wins
    if (numeric) {
      x = x.replace(/^0+/, '');
      y = y.replace(/^0+/, '');
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
    }
    // 10. strcmp
    const d = compareStrings(x, y);
    if (d !== 0) return d;
  }
  // whatever is left over wins
  const al = a.length - i;
  const bl = b.length - j;
  return al > bl ? 1 : al < bl ? -1 : 0;
}

function compareParsed(a: RpmVersion, b: RpmVersion): number {
  return rpmvercmp(a.epoch, b.epoch) || rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

export const rpmScheme: VersionScheme = schemeFromParser('RPM', parse, compareParsed);
