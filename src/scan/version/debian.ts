import { compareDigits, schemeFromParser, type VersionScheme } from './scheme.ts';

/**
 * Debian: dpkg's version order (Debian Policy §5.6.12 "Version"; deb-version(7); dpkg
 * lib/dpkg/version.c `dpkg_version_compare`, `verrevcmp`).
 *
 * Hand-written because the one npm library (deb-version-compare) disagrees with
 * `dpkg --compare-versions` on two oracle lines (FIELD-NOTES).
 *
 * `[epoch:]upstream[-revision]`: epoch compares as a number; upstream, then revision, compare by
 * alternating non-digit runs (character by character: `~` first, then end of string, then
 * letters, then other characters, by ASCII) and digit runs (numerically). A missing revision
 * compares like `0`. Validity follows dpkg's parseversion: numeric epoch, non-empty upstream,
 * non-empty revision after a `-`, and only [A-Za-z0-9.+~-] (plus `:` with an epoch) in upstream,
 * [A-Za-z0-9.+~] in the revision.
 */
interface DebianVersion {
  readonly epoch: string;
  readonly upstream: string;
  readonly revision: string;
}

function parse(input: string): DebianVersion | undefined {
  const version = input.trim();
  const colon = version.indexOf(':');
  const epoch = colon < 0 ? '0' : version.slice(0, colon);
  const rest = colon < 0 ? version : version.slice(colon + 1);
  if (!/^\d+$/.test(epoch)) return undefined;
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen < 0 ? rest : rest.slice(0, hyphen);
  const revision = hyphen < 0 ? '0' : rest.slice(hyphen + 1);
  if (upstream === '' || revision === '') return undefined;
  if (!/^[A-Za-z0-9.+~:-]+$/.test(upstream) || !/^[A-Za-z0-9.+~]+$/.test(revision)) return undefined;
  return { epoch, upstream, revision };
}

// dpkg `order()`: `~` < end of part < letters < everything else (by ASCII + 256).
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

// dpkg `verrevcmp`.
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const d = order(a[i]) - order(b[j]);
      if (d !== 0) return d;
      i++;
      j++;
    }
    const si = i;
    const sj = j;
    while (isDigit(a[i])) i++;
    while (isDigit(b[j])) j++;
    const d = compareDigits(a.slice(si, i), b.slice(sj, j));
    if (d !== 0) return d;
  }
  return 0;
}

function compareParsed(a: DebianVersion, b: DebianVersion): number {
  return compareDigits(a.epoch, b.epoch) || verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

export const debianScheme: VersionScheme = schemeFromParser('Debian', parse, compareParsed);
