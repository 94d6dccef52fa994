import * as pep440 from '@renovatebot/pep440';
import { compareStrings, schemeFromParser, type VersionScheme } from './scheme.ts';

/**
 * PyPI: PEP 440 ordering (packaging.version) via @renovatebot/pep440.
 *
 * Strings PEP 440 cannot read (`1.0-SNAPSHOT`, `2004d`, `0.9.x`...) are *legacy* versions.
 * packaging < 22 ordered them with `LegacyVersion` (pkg_resources' `parse_version`): they sort
 * before every PEP 440 version, and among themselves by setuptools' legacy key
 * (http://peak.telecommunity.com/DevCenter/setuptools#specifying-your-project-s-version).
 * We keep that rule, as osv-scalibr does, so no PyPI string is "invalid".
 */
type Parsed = { readonly kind: 'pep440'; readonly raw: string } | { readonly kind: 'legacy'; readonly key: string };

// setuptools' legacy key: split into digit runs, letter runs, `.` and `-`; pad numbers so they
// compare as strings; rename pre/preview/rc → c and dev → @ so they sort before final; drop
// trailing zeros and `final-` markers before a letter part.
function legacyPart(part: string): string {
  const renamed = part === 'pre' || part === 'preview' || part === 'rc' ? 'c' : part === '-' ? 'final-' : part === 'dev' ? '@' : part;
  return /^[0-9]/.test(renamed) ? renamed.padStart(8, '0') : `*${renamed}`;
}

function legacyKey(version: string): string {
  const parts: string[] = [];
  const found = version.toLowerCase().match(/\d+|[a-z]+|\.|-/g) ?? [];
  for (const raw of [...found, 'final']) {
    if (raw === '.') continue;
    const part = legacyPart(raw);
    if (part.startsWith('*')) {
      if (part < '*final') while (parts.at(-1) === '*final-') parts.pop();
      while (parts.at(-1) === '00000000') parts.pop();
    }
    parts.push(part);
  }
  return parts.join('');
}

function parse(version: string): Parsed {
  return pep440.valid(version) !== null ? { kind: 'pep440', raw: version } : { kind: 'legacy', key: legacyKey(version) };
}

function compareParsed(a: Parsed, b: Parsed): number {
  if (a.kind === 'pep440' && b.kind === 'pep440') return pep440.compare(a.raw, b.raw);
  if (a.kind === 'legacy' && b.kind === 'legacy') return compareStrings(a.key, b.key);
  return a.kind === 'legacy' ? -1 : 1;
}

export const pypiScheme: VersionScheme = schemeFromParser('PyPI', parse, compareParsed);
