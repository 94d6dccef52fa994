/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1, §11.2), hand-written because the header's
 * grammar is ambiguous enough that a split on commas breaks real headers
 * (`Bearer realm="https://a/token",service="a,b"` has a comma inside a quoted string, and a
 * comma separates both parameters and challenges):
 *
 *   WWW-Authenticate = 1#challenge
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 *   token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *   quoted-string    = DQUOTE *( qdtext / quoted-pair ) DQUOTE
 *
 * After a comma, a token followed by `=` (and then not by `=`, `,` or the end) is a parameter
 * of the current challenge; any other token starts a new challenge. Several header lines come
 * joined with ", " (fetch's Headers.get), which the list grammar already covers.
 *
 * Lenient where registries are: parameter names and schemes are case-insensitive (stored lower
 * case); an unquoted value may hold characters outside `token` (`realm=https://x/token`) up to
 * the next comma or space; empty list elements are skipped; a repeated parameter keeps its first
 * value. Malformed input never throws: what cannot be read ends the parse, and what was read is
 * returned (a registry we cannot understand then fails with REGISTRY_AUTH at the caller).
 */

export interface Challenge {
  /** Lower case: `bearer`, `basic`, ... */
  readonly scheme: string;
  /** Parameters by lower-case name (`realm`, `service`, `scope`, `error`). */
  readonly params: Readonly<Record<string, string>>;
  /** A token68 given instead of parameters (`Negotiate abc==`). */
  readonly token68?: string;
}

/** Longer headers are cut here before parsing (registries send a few hundred bytes). */
export const MAX_CHALLENGE_HEADER_LENGTH = 16 * 1024;
const MAX_CHALLENGES = 16;
const MAX_PARAMS = 32;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

class Scanner {
  pos = 0;
  readonly s: string;
  constructor(s: string) {
    this.s = s;
  }
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(offset = 0): string {
    return this.s.charAt(this.pos + offset);
  }
  /** Skip spaces and tabs (OWS/BWS); returns whether any were skipped. */
  ws(): boolean {
    const start = this.pos;
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
    return this.pos > start;
  }
  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  /** After the opening quote has been seen. Returns undefined when the string never closes. */
  quoted(): string | undefined {
    this.pos++; // the opening DQUOTE
    let out = '';
    while (!this.done) {
      const c = this.peek();
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\' && this.pos + 1 < this.s.length) {
        out += this.peek(1);
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
    return undefined;
  }
  /** A lenient unquoted value: up to a comma or white space. */
  bare(): string {
    const start = this.pos;
    while (!this.done && this.peek() !== ',' && this.peek() !== ' ' && this.peek() !== '\t') this.pos++;
    return this.s.slice(start, this.pos);
  }
  /** Skip to just after the next comma (or the end). */
  skipElement(): void {
    while (!this.done && this.peek() !== ',') this.pos++;
    if (!this.done) this.pos++;
  }
}

/**
 * Whether the scanner, positioned on a token, sees `token BWS "=" BWS` followed by a value (an
 * auth-param) rather than a token68 with `=` padding or a new challenge's scheme.
 */
function looksLikeParam(sc: Scanner): boolean {
  let i = sc.pos;
  const s = sc.s;
  while (i < s.length && TCHAR.test(s.charAt(i))) i++;
  if (i === sc.pos) return false;
  while (s.charAt(i) === ' ' || s.charAt(i) === '\t') i++;
  if (s.charAt(i) !== '=') return false;
  i++;
  while (s.charAt(i) === ' ' || s.charAt(i) === '\t') i++;
  const next = s.charAt(i);
  return next !== '' && next !== '=' && next !== ',';
}

/** Parse a `WWW-Authenticate` header value into its challenges, in order. Never throws. */
export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  if (typeof header !== 'string' || header.length === 0) return [];
  const sc = new Scanner(header.slice(0, MAX_CHALLENGE_HEADER_LENGTH));
  const out: Challenge[] = [];
  let current: { scheme: string; params: Record<string, string>; token68?: string } | undefined;

  const finish = (): void => {
    if (current !== undefined && out.length < MAX_CHALLENGES) {
      out.push(
        current.token68 === undefined
          ? { scheme: current.scheme, params: Object.freeze(current.params) }
          : { scheme: current.scheme, params: Object.freeze(current.params), token68: current.token68 },
      );
    }
    current = undefined;
  };

  while (!sc.done) {
    sc.ws();
    if (sc.peek() === ',') {
      sc.pos++;
      continue;
    }
    if (sc.done) break;

    if (current !== undefined && looksLikeParam(sc)) {
      // auth-param of the current challenge
      const name = sc.token().toLowerCase();
      sc.ws();
      sc.pos++; // '='
      sc.ws();
      let value: string | undefined;
      if (sc.peek() === '"') {
        value = sc.quoted();
        if (value === undefined) break; // unterminated quoted-string: stop here
      } else {
        value = sc.bare();
      }
      if (!Object.hasOwn(current.params, name) && Object.keys(current.params).length < MAX_PARAMS) {
        current.params[name] = value;
      }
      sc.ws();
      if (!sc.done && sc.peek() !== ',') sc.skipElement();
      continue;
    }

    // A new challenge: auth-scheme [ 1*SP ( token68 / #auth-param ) ]
    const scheme = sc.token();
    if (scheme === '') {
      sc.skipElement();
      continue;
    }
    finish();
    current = { scheme: scheme.toLowerCase(), params: Object.create(null) as Record<string, string> };
    if (!sc.ws() || sc.done || sc.peek() === ',') continue;
    if (looksLikeParam(sc)) continue; // the loop reads the parameters
    // token68
    const start = sc.pos;
    while (!sc.done && TOKEN68_CHAR.test(sc.peek())) sc.pos++;
    while (sc.peek() === '=') sc.pos++;
    if (sc.pos > start) current.token68 = header.slice(start, sc.pos);
    sc.ws();
    if (!sc.done && sc.peek() !== ',') sc.skipElement();
  }
  finish();
  return out;
}
