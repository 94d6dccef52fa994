/**
 * The two small text formats inside a JAR that name what it is. Hand-written: each is a few
 * lines of spec and no maintained JS library reads them.
 */

/**
 * `java.util.Properties.load` format (as in META-INF/maven/<g>/<a>/pom.properties): `#`/`!`
 * comments, `key=value`, `key: value` or `key value`, backslash line continuation and
 * escapes (`\uXXXX`, `\t`, `\n`, ...). Keys and values are trimmed of leading whitespace.
 */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // An odd number of trailing backslashes continues the line.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    let sep = -1;
    for (let j = 0; j < line.length; j++) {
      const c = line[j]!;
      if (c === '\\') {
        j++;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') {
        sep = j;
        break;
      }
    }
    const rawKey = sep < 0 ? line : line.slice(0, sep);
    let rest = sep < 0 ? '' : line.slice(sep);
    rest = rest.replace(/^[ \t\f]*[=:]?[ \t\f]*/, '');
    out.set(unescape(rawKey), unescape(rest).trim());
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  });
}

/**
 * The main section of META-INF/MANIFEST.MF (JAR File Specification, "Manifest
 * Specification"): `Name: value` headers up to the first blank line, a line starting with a
 * single space continuing the previous value. Header names are case-insensitive; they are
 * returned as written in the spec's spelling when looked up through `get`.
 */
export class Manifest {
  private readonly headers = new Map<string, string>();

  constructor(text: string) {
    let last: string | undefined;
    for (const line of text.split(/\r\n|\r|\n/)) {
      if (line === '') break; // end of the main section
      if (line.startsWith(' ')) {
        if (last !== undefined) this.headers.set(last, this.headers.get(last)! + line.slice(1));
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      this.headers.set(last, line.slice(colon + 1).trim());
    }
  }

  get(name: string): string | undefined {
    const v = this.headers.get(name.toLowerCase())?.trim();
    return v === '' ? undefined : v;
  }
}
