/**
 * PEP 508 dependency specifiers (https://peps.python.org/pep-0508/), as found in
 * requirements.txt lines, pyproject.toml `dependencies`, pdm.lock `dependencies` and
 * METADATA `Requires-Dist`.
 *
 * Hand-written: npm has no maintained PEP 508 parser (the few packages there are unmaintained
 * ports without markers or URLs), and Vouch needs only the structure — name, extras,
 * specifiers, URL and the marker as text — not marker evaluation or version ordering.
 */

export interface Specifier {
  /** `===`, `==`, `~=`, `!=`, `<=`, `>=`, `<` or `>`. */
  readonly op: string;
  readonly version: string;
}

export interface Requirement {
  /** As written. */
  readonly name: string;
  readonly extras: readonly string[];
  readonly specifiers: readonly Specifier[];
  /** Direct reference (`name @ url`). */
  readonly url?: string;
  /** Environment marker text after `;`, unevaluated. */
  readonly marker?: string;
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;
const OPERATOR = /^(===|==|~=|!=|<=|>=|<|>)/;
/** PEP 440 version characters, plus `*` for prefix matching; `===` takes any non-space run. */
const VERSION = /^[A-Za-z0-9._*+!-]+/;
const ARBITRARY = /^[^\s,;()#]+/;
const EXTRA = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/**
 * Parse one requirement. Returns undefined when the text is not a requirement.
 *
 * Tolerated beyond PEP 508, because real files have them and pip-era tools accept them:
 * the legacy parenthesised form `name (>=1.0)` of METADATA, a `#comment` glued to the version
 * (`Jinja2==3.0.0#comment`), and a URL after the version (`name == 1.0 @ git+https://...`).
 */
export function parseRequirement(input: string): Requirement | undefined {
  let s = input.trim();
  const nameMatch = NAME.exec(s);
  if (!nameMatch) return undefined;
  const name = nameMatch[0];
  s = s.slice(name.length).trimStart();

  let extras: string[] = [];
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return undefined;
    const inner = s.slice(1, end).trim();
    extras = inner === '' ? [] : inner.split(',').map((e) => e.trim());
    if (extras.some((e) => !EXTRA.test(e))) return undefined;
    s = s.slice(end + 1).trimStart();
  }

  let url: string | undefined;
  const specifiers: Specifier[] = [];
  if (s.startsWith('@')) {
    const r = readUrl(s);
    if (!r) return undefined;
    url = r.url;
    s = r.rest;
  } else {
    let paren = false;
    if (s.startsWith('(')) {
      paren = true;
      s = s.slice(1).trimStart();
    }
    for (;;) {
      const op = OPERATOR.exec(s);
      if (!op) break;
      s = s.slice(op[0].length).trimStart();
      const v = (op[0] === '===' ? ARBITRARY : VERSION).exec(s);
      if (!v) return undefined;
      specifiers.push({ op: op[0], version: v[0] });
      s = s.slice(v[0].length).trimStart();
      if (!s.startsWith(',')) break;
      s = s.slice(1).trimStart();
    }
    if (paren) {
      if (!s.startsWith(')')) return undefined;
      s = s.slice(1).trimStart();
    }
    if (s.startsWith('@') && specifiers.length > 0) {
      const r = readUrl(s);
      if (!r) return undefined;
      url = r.url;
      s = r.rest;
    }
  }

  let marker: string | undefined;
  if (s.startsWith(';')) {
    marker = s.slice(1).trim();
    s = '';
  }
  if (s !== '' && !s.startsWith('#')) return undefined;
  return { name, extras, specifiers, ...(url !== undefined ? { url } : {}), ...(marker ? { marker } : {}) };
}

/** `@ <url>`; PEP 508 requires whitespace between the URL and a following `;`. */
function readUrl(s: string): { url: string; rest: string } | undefined {
  const t = s.slice(1).trimStart();
  const m = /^\S+/.exec(t);
  if (!m) return undefined;
  return { url: m[0], rest: t.slice(m[0].length).trimStart() };
}

/**
 * The version a requirement pins, if it pins exactly one: `==X` without a wildcard, or `===X`
 * (https://peps.python.org/pep-0440/#version-matching). Ranges (`>=`, `~=`, ...) pin nothing.
 */
export function pinnedVersion(req: Requirement): string | undefined {
  for (const s of req.specifiers) {
    if (s.op === '===' || (s.op === '==' && !s.version.includes('*'))) return s.version;
  }
  return undefined;
}

export function formatSpecifiers(specs: readonly Specifier[]): string {
  return specs.map((s) => `${s.op}${s.version}`).join(',');
}

/** True when a marker makes the requirement depend on an extra being requested (`extra == "socks"`). */
export function markerNeedsExtra(marker: string | undefined): boolean {
  return marker !== undefined && /\bextra\s*==/.test(marker);
}
