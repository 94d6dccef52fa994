/**
 * License normalisation: declared license strings become SPDX expressions where that can be
 * done without guessing, and stay as the raw name otherwise (serialisers then write a
 * license *name* instead of an id/expression).
 *
 * spdx-expression-parse validates; spdx-correct fixes spelling ("Apache 2.0" → Apache-2.0).
 * spdx-correct also *guesses* ("BSD" → BSD-2-Clause, "UNLICENSED" → Unlicense, which is the
 * opposite meaning), so names that are ambiguous or special are never passed to it.
 */
import spdxCorrect from 'spdx-correct';
import spdxParse from 'spdx-expression-parse';

/** Declared values that name no specific license; spdx-correct would guess. */
const NO_GUESS = new Set(
  ['bsd', 'gpl', 'lgpl', 'agpl', 'mpl', 'cc', 'unlicensed', 'proprietary', 'commercial', 'other', 'unknown', 'none', 'public domain', 'dual license']
);

const MAX_LICENSE_LENGTH = 512;

export function isSpdxExpression(s: string): boolean {
  try {
    spdxParse(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Normalise one declared license value. Returns undefined for empty values.
 * `MIT/Apache-2.0` and `MIT or Apache-2.0` (common in npm and Cargo metadata) become `MIT OR Apache-2.0`.
 */
export function normalizeLicense(raw: string): string | undefined {
  // A tree declares a few dozen distinct license strings thousands of times: remember them.
  if (cache.has(raw)) return cache.get(raw);
  const out = normalizeUncached(raw);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(raw, out);
  return out;
}

const MAX_CACHED = 10_000;
const cache = new Map<string, string | undefined>();

function normalizeUncached(raw: string): string | undefined {
  const s = raw.trim().replace(/\s+/g, ' ');
  if (s === '' || s.length > MAX_LICENSE_LENGTH) return s === '' ? undefined : s.slice(0, MAX_LICENSE_LENGTH);
  if (isSpdxExpression(s)) return canonical(s) ?? s;
  // A license URL of the SPDX list or OSI names its id; any other URL stays as written.
  const url = /^https?:\/\/(?:www\.)?(?:spdx\.org\/licenses|opensource\.org\/licenses?)\/([A-Za-z0-9.+-]+?)(?:\.html|\.php)?\/?$/.exec(s);
  if (url) return isSpdxExpression(url[1]!) ? (canonical(url[1]!) ?? url[1]) : s;
  if (s.includes('://')) return s;
  const parts = s.split(/\s*\/\s*|\s+or\s+/i);
  if (parts.length > 1 && parts.every((p) => p !== '')) {
    const fixed = parts.map(correctOne);
    if (fixed.every((p): p is string => p !== undefined)) return fixed.join(' OR ');
    return s;
  }
  return correctOne(s) ?? s;
}

/** Normalise a list, dropping empties and duplicates. */
export function normalizeLicenses(raw: readonly (string | undefined | null)[]): string[] {
  const out = new Set<string>();
  for (const r of raw) {
    if (typeof r !== 'string') continue;
    const n = normalizeLicense(r);
    if (n !== undefined) out.add(n);
  }
  return [...out];
}

function correctOne(s: string): string | undefined {
  if (s === '' || NO_GUESS.has(s.toLowerCase())) return undefined;
  if (isSpdxExpression(s)) return s;
  const c = spdxCorrect(s, { upgrade: true });
  return c !== null && versionsAgree(s, c) ? c : undefined;
}

/**
 * spdx-correct picks *a* version when the name has none or another one ("GNU Lesser General
 * Public License" → LGPL-2.1-only, "Eclipse Public License v2.0" → EPL-1.0). Accept a
 * correction only when every version in the id (trailing `.0`s aside) appears in the declared name.
 */
function versionsAgree(declared: string, id: string): boolean {
  const versions = (t: string): string[] => (t.match(/\d+(?:\.\d+)*/g) ?? []).map((v) => v.replace(/(?:\.0)+$/, ''));
  const have = new Set(versions(declared));
  return versions(id).every((v) => have.has(v));
}

type SpdxNode = { license: string; plus?: boolean; exception?: string } | { left: SpdxNode; conjunction: string; right: SpdxNode };

/**
 * Canonical spelling of a valid expression, rebuilt from its parse tree: conjunctions upper-case,
 * each license id fixed on its own (case, deprecated `+` and bare GPL ids upgraded). spdx-correct
 * is never given the whole expression: on `MIT or BSD-2-Clause` it returns a single license.
 */
function canonical(s: string): string | undefined {
  const render = (n: SpdxNode, parent?: string): string => {
    if ('license' in n) {
      const raw = `${n.license}${n.plus === true ? '+' : ''}`;
      const id = n.license.startsWith('LicenseRef-') || n.license.startsWith('DocumentRef-') ? n.license : (spdxCorrect(raw, { upgrade: true }) ?? raw);
      return n.exception === undefined ? id : `${id} WITH ${n.exception}`;
    }
    const op = n.conjunction.toUpperCase();
    const inner = `${render(n.left, op)} ${op} ${render(n.right, op)}`;
    return parent !== undefined && parent !== op ? `(${inner})` : inner;
  };
  try {
    const out = render(spdxParse(s));
    return isSpdxExpression(out) ? out : undefined;
  } catch {
    return undefined;
  }
}
