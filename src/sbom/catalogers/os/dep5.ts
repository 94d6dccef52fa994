/**
 * Licenses from a Debian machine-readable copyright file (DEP-5, "copyright-format 1.0":
 * https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/).
 *
 * Only files in that format are read (the first paragraph has a `Format:` field); free-form
 * copyright files name no license in a form a program can trust. The package's licenses are
 * the `License:` short names of its `Files:` paragraphs (first line of the field; the rest is
 * the license text). Short names are mapped to SPDX where the mapping is unambiguous (§7
 * "License specification": `GPL-2+` → GPL-2.0-or-later, `Expat` → MIT, ...), and `or`/`and`
 * become `OR`/`AND`. This is conservative on purpose: if any Files paragraph's license cannot
 * be mapped (`public-domain`, `Artistic` without a version, `with ... exception`, comma
 * precedence), the package gets no license at all rather than a partial list that would look
 * complete.
 */
import { isSpdxExpression, normalizeLicense } from '../../generic/index.ts';
import { parseDeb822 } from './deb822.ts';

/** Copyright files bigger than this are not read for licenses (the largest in Debian are ~1 MiB). */
export const MAX_COPYRIGHT_BYTES = 4 * 1024 * 1024;
const MAX_PARAGRAPHS = 20_000;

/** DEP-5 §7 short names whose SPDX id is spelled differently (case aside). */
const DEP5_NAMES: Readonly<Record<string, string>> = {
  expat: 'MIT',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'bsd-4-clause': 'BSD-4-Clause',
  zlib: 'Zlib',
  'python-2.0': 'Python-2.0',
  'zope-1.1': 'ZPL-1.1',
  'zope-2.0': 'ZPL-2.0',
  'zope-2.1': 'ZPL-2.1',
  'efl-1': 'EFL-1.0',
  'efl-2': 'EFL-2.0',
  w3c: 'W3C',
  'qpl-1.0': 'QPL-1.0',
  'lppl-1.3c': 'LPPL-1.3c',
};

/** The versioned GNU families: `GPL-2`, `GPL-2+`, `LGPL-2.1+`, `AGPL-3`, `GFDL-1.3+`. */
const GNU = /^(gpl|lgpl|agpl|gfdl)-(\d)(?:\.(\d))?(\+)?$/i;

/** One DEP-5 short name → an SPDX license id, or undefined when that is not unambiguous. */
export function dep5ToSpdx(shortName: string): string | undefined {
  const s = shortName.trim();
  const lower = s.toLowerCase();
  const gnu = GNU.exec(s);
  if (gnu) {
    const family = gnu[1]!.toUpperCase();
    const version = `${gnu[2]}.${gnu[3] ?? '0'}`;
    const id = `${family}-${version}-${gnu[4] === '+' ? 'or-later' : 'only'}`;
    return isSpdxExpression(id) ? id : undefined;
  }
  const mapped = DEP5_NAMES[lower];
  if (mapped !== undefined) return mapped;
  // Otherwise only a name that already is an SPDX license id (any case), not a deprecated
  // bare GNU id (caught above) and not an expression.
  if (!/^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(s) || s.endsWith('+')) return undefined;
  const n = normalizeLicense(s);
  return n !== undefined && n.toLowerCase() === lower && isSpdxExpression(n) ? n : undefined;
}

/** A DEP-5 license expression (`GPL-2+ or Artistic-2.0`) → SPDX, or undefined. */
export function dep5ExpressionToSpdx(expr: string): string | undefined {
  const s = expr.trim();
  if (s === '' || s.includes(',') || /\bwith\b/i.test(s)) return undefined;
  const ors = s.split(/\s+or\s+/i);
  const ands = s.split(/\s+and\s+/i);
  if (ors.length > 1 && ands.length > 1) return undefined; // mixed without commas: leave it
  const parts = ors.length > 1 ? ors : ands;
  const ids = parts.map(dep5ToSpdx);
  if (!ids.every((x): x is string => x !== undefined)) return undefined;
  if (ids.length === 1) return ids[0];
  return ids.join(ors.length > 1 ? ' OR ' : ' AND ');
}

/** Licenses of a copyright file, or [] when it is not DEP-5 or any license is not mappable. */
export function licensesFromCopyright(text: string): string[] {
  let paragraphs;
  try {
    paragraphs = parseDeb822(text, { comments: true, maxParagraphs: MAX_PARAGRAPHS });
  } catch {
    return []; // not control-file syntax: a free-form copyright file
  }
  const header = paragraphs[0];
  if (!header?.fields.has('format') && !header?.fields.has('format-specification')) return [];
  const out = new Set<string>();
  let any = false;
  for (const p of paragraphs) {
    if (!p.fields.has('files')) continue;
    const license = p.fields.get('license')?.value.split('\n', 1)[0];
    if (license === undefined || license === '') continue;
    any = true;
    const spdx = dep5ExpressionToSpdx(license);
    if (spdx === undefined) return [];
    out.add(spdx);
  }
  return any ? [...out] : [];
}
