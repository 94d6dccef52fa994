/**
 * A reader for go.mod files, after golang.org/x/mod/modfile (read.go for the lexer and
 * block grammar, rule.go for the directives). Written by hand because the go.mod grammar
 * has no maintained JavaScript parser: the only reference implementation is Go's own
 * golang.org/x/mod/modfile, and the npm packages that claim the format are regex line
 * matchers that miss quoted paths, `( )` blocks and `//` suffix comments.
 *
 * Reference: https://go.dev/ref/mod#go-mod-file (lexical elements, grammar, directives).
 * Like `modfile.Parse` (the strict parser the go command uses for the main module), unknown
 * directives, malformed versions and unterminated blocks are errors.
 */
import { FileParseError } from '../../generic/index.ts';

export interface ModRequire {
  readonly path: string;
  /** Canonical semantic version with its `v` (golang.org/x/mod/module.CanonicalVersion). */
  readonly version: string;
  /** The line carries a `// indirect` comment. */
  readonly indirect: boolean;
  readonly line: number;
}

export interface ModReplace {
  readonly oldPath: string;
  /** '' when the directive replaces every version of oldPath. */
  readonly oldVersion: string;
  readonly newPath: string;
  /** '' for a local directory replacement. */
  readonly newVersion: string;
  readonly local: boolean;
  readonly line: number;
}

export interface ModExclude {
  readonly path: string;
  readonly version: string;
  readonly line: number;
}

export interface ModFile {
  readonly module?: { readonly path: string; readonly line: number };
  /** The `go` directive's version, e.g. `1.21.0`. */
  readonly go?: string;
  /** The `toolchain` directive's name, e.g. `go1.21.3`. */
  readonly toolchain?: string;
  readonly requires: readonly ModRequire[];
  readonly replaces: readonly ModReplace[];
  readonly excludes: readonly ModExclude[];
}

/** One statement: its tokens (strings unquoted), its line and its suffix comment. */
interface Stmt {
  readonly verb: string;
  readonly args: readonly string[];
  readonly line: number;
  readonly comment: string | undefined;
}

type Token =
  | { readonly kind: 'ident' | 'string'; readonly text: string; readonly line: number }
  | { readonly kind: 'punct'; readonly text: string; readonly line: number }
  | { readonly kind: 'eol'; readonly line: number; readonly comment: string | undefined };
type Word = Exclude<Token, { kind: 'eol' }>;

/** Verbs that may open a `verb ( ... )` block (modfile rule.go parseToFile). */
const BLOCK_VERBS = new Set(['module', 'require', 'exclude', 'replace', 'retract', 'godebug', 'tool', 'ignore']);
const KNOWN_VERBS = new Set([...BLOCK_VERBS, 'go', 'toolchain']);

/** modfile.GoVersionRE. */
const GO_VERSION_RE = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
/** modfile.ToolchainRE. */
const TOOLCHAIN_RE = /^default$|^go1($|\.)/;

/** Most tokens one line may hold; real lines have at most five. */
const MAX_TOKENS_PER_LINE = 64;

/** Split the text into tokens, as modfile's readToken does. */
function* lex(text: string): Generator<Token> {
  let i = 0;
  let line = 1;
  let count = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\n') {
      yield { kind: 'eol', line, comment: undefined };
      line++;
      i++;
      count = 0;
      continue;
    }
    if (++count > MAX_TOKENS_PER_LINE) throw new FileParseError(`more than ${MAX_TOKENS_PER_LINE} tokens on one line`, line);
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      yield { kind: 'eol', line, comment: text.slice(i + 2, stop).trim() };
      if (end < 0) return;
      line++;
      i = end + 1;
      count = 0;
      continue;
    }
    if (text.startsWith('/*', i)) throw new FileParseError('mod files must use // comments (not /* */ comments)', line);
    if ('()[]{},'.includes(c)) {
      yield { kind: 'punct', text: c, line };
      i++;
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new FileParseError('unexpected EOF in string', line);
        const d = text[j]!;
        if (d === '\n') throw new FileParseError('unexpected newline in string', line);
        j++;
        if (d === c) break;
        if (d === '\\' && c === '"') {
          if (j >= n) throw new FileParseError('unexpected EOF in string', line);
          j++;
        }
      }
      yield { kind: 'string', text: unquote(text.slice(i, j), line), line };
      i = j;
      continue;
    }
    if (!isIdent(c)) throw new FileParseError(`unexpected input character ${JSON.stringify(c)}`, line);
    let j = i;
    while (j < n && isIdent(text[j]!) && !text.startsWith('//', j)) {
      if (text.startsWith('/*', j)) throw new FileParseError('mod files must use // comments (not /* */ comments)', line);
      j++;
    }
    yield { kind: 'ident', text: text.slice(i, j), line };
    i = j;
  }
  yield { kind: 'eol', line, comment: undefined };
}

/** modfile isIdent: printable, not space, not one of `()[]{},`. */
function isIdent(c: string): boolean {
  if ('()[]{},'.includes(c)) return false;
  return !/[\s\p{Cc}\p{Cf}\p{Co}]/u.test(c);
}

/** strconv.Unquote for the two quote forms go.mod allows. */
function unquote(s: string, line: number): string {
  if (s.startsWith('`')) return s.slice(1, -1);
  // Go's escapes are a superset of JSON's only in \a \b \f \v \x \NNN \U; module paths never need them.
  try {
    const v: unknown = JSON.parse(s);
    if (typeof v === 'string') return v;
  } catch {
    // fall through
  }
  throw new FileParseError(`invalid quoted string ${s}`, line);
}

/** Group tokens into statements, expanding `verb ( ... )` blocks (modfile parseStmt/parseLineBlock). */
function statements(text: string): Stmt[] {
  const out: Stmt[] = [];
  let cur: Word[] = [];
  let block: { verb: string; line: number } | undefined;
  for (const tok of lex(text)) {
    if (tok.kind !== 'eol') {
      cur.push(tok);
      continue;
    }
    const toks = cur;
    cur = [];
    if (toks.length === 0) continue;
    const first = toks[0]!;
    const texts = toks.map((t) => t.text);
    if (block) {
      if (first.kind === 'punct' && first.text === ')') {
        if (toks.length > 1) throw new FileParseError('syntax error (expected newline after closing paren)', first.line);
        block = undefined;
        continue;
      }
      out.push({ verb: block.verb, args: texts, line: first.line, comment: tok.comment });
      continue;
    }
    if (first.kind !== 'ident') throw new FileParseError(`syntax error: unexpected ${JSON.stringify(first.text)}`, first.line);
    const last = toks[toks.length - 1]!;
    if (toks.length === 2 && last.kind === 'punct' && last.text === '(') {
      if (!BLOCK_VERBS.has(first.text)) throw new FileParseError(`unknown block type: ${first.text}`, first.line);
      block = { verb: first.text, line: first.line };
      continue;
    }
    if (toks.length === 3 && texts[1] === '(' && texts[2] === ')') {
      if (!BLOCK_VERBS.has(first.text)) throw new FileParseError(`unknown block type: ${first.text}`, first.line);
      continue; // empty block
    }
    out.push({ verb: first.text, args: texts.slice(1), line: first.line, comment: tok.comment });
  }
  if (block) throw new FileParseError(`syntax error (unterminated block started at line ${block.line})`, block.line);
  return out;
}

/**
 * golang.org/x/mod/module.CanonicalVersion: a valid semantic version with its `v`, short
 * forms completed (`v1.2` → `v1.2.0`), build metadata dropped except `+incompatible`.
 * Returns undefined for anything that is not a semantic version.
 */
export function canonicalVersion(v: string): string | undefined {
  const m = /^v(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?)?)?$/.exec(v);
  if (!m) return undefined;
  const [, major, minor = '0', patch = '0', pre, build] = m;
  if (pre !== undefined && pre.split('.').some((id) => /^0\d+$/.test(id))) return undefined;
  return `v${major}.${minor}.${patch}${pre === undefined ? '' : `-${pre}`}${build === 'incompatible' ? '+incompatible' : ''}`;
}

/** modfile.IsDirectoryPath: a replacement that names a local directory rather than a module. */
export function isDirectoryPath(p: string): boolean {
  return (
    p === '.' ||
    p === '..' ||
    p.startsWith('./') ||
    p.startsWith('../') ||
    p.startsWith('/') ||
    p.startsWith('.\\') ||
    p.startsWith('..\\') ||
    p.startsWith('\\\\') ||
    /^[A-Za-z]:[\\/]/.test(p)
  );
}

function version(s: Stmt, v: string | undefined): string {
  const cv = v === undefined ? undefined : canonicalVersion(v);
  if (cv === undefined) throw new FileParseError(`${s.verb}: invalid version ${JSON.stringify(v ?? '')}: must be of the form v1.2.3`, s.line);
  return cv;
}

/** modfile isIndirect: the suffix comment is `indirect` or starts with `indirect;`. */
function isIndirect(comment: string | undefined): boolean {
  if (comment === undefined) return false;
  return comment === 'indirect' || comment.startsWith('indirect;');
}

/** Parse a go.mod text. Throws FileParseError with the line on malformed input. */
export function parseModFile(text: string): ModFile {
  let module: ModFile['module'];
  let go: string | undefined;
  let toolchain: string | undefined;
  const requires: ModRequire[] = [];
  const replaces: ModReplace[] = [];
  const excludes: ModExclude[] = [];

  for (const s of statements(text)) {
    if (!KNOWN_VERBS.has(s.verb)) throw new FileParseError(`unknown directive: ${s.verb}`, s.line);
    const a = s.args;
    switch (s.verb) {
      case 'module':
        if (module) throw new FileParseError('repeated module statement', s.line);
        if (a.length !== 1 || a[0] === '') throw new FileParseError('usage: module module/path', s.line);
        module = { path: a[0]!, line: s.line };
        break;
      case 'go':
        if (go !== undefined) throw new FileParseError('repeated go statement', s.line);
        if (a.length !== 1 || !GO_VERSION_RE.test(a[0]!)) {
          throw new FileParseError(`invalid go version ${JSON.stringify(a.join(' '))}: must match format 1.23.0`, s.line);
        }
        go = a[0]!;
        break;
      case 'toolchain':
        if (toolchain !== undefined) throw new FileParseError('repeated toolchain statement', s.line);
        if (a.length !== 1 || !TOOLCHAIN_RE.test(a[0]!)) {
          throw new FileParseError(`invalid toolchain version ${JSON.stringify(a.join(' '))}: must match format go1.23.0 or default`, s.line);
        }
        toolchain = a[0]!;
        break;
      case 'require':
        if (a.length !== 2) throw new FileParseError('usage: require module/path v1.2.3', s.line);
        requires.push({ path: a[0]!, version: version(s, a[1]), indirect: isIndirect(s.comment), line: s.line });
        break;
      case 'exclude':
        if (a.length !== 2) throw new FileParseError('usage: exclude module/path v1.2.3', s.line);
        excludes.push({ path: a[0]!, version: version(s, a[1]), line: s.line });
        break;
      case 'replace':
        replaces.push(parseReplace(s));
        break;
      default:
        // retract, godebug, tool, ignore: nothing an inventory needs.
        if (a.length === 0) throw new FileParseError(`usage: ${s.verb} needs an argument`, s.line);
    }
  }
  return {
    ...(module ? { module } : {}),
    ...(go !== undefined ? { go } : {}),
    ...(toolchain !== undefined ? { toolchain } : {}),
    requires,
    replaces,
    excludes,
  };
}

/** `replace old [v] => new [v]` (modfile parseReplace). */
function parseReplace(s: Stmt): ModReplace {
  const a = s.args;
  const usage = 'usage: replace module/path [v1.2.3] => other/module v1.4 or replace module/path [v1.2.3] => ../local/directory';
  let arrow: number;
  if (a.length >= 2 && a[1] === '=>') arrow = 1;
  else if (a.length >= 3 && a[2] === '=>') arrow = 2;
  else throw new FileParseError(usage, s.line);
  if (a.length < arrow + 2 || a.length > arrow + 3) throw new FileParseError(usage, s.line);
  const oldPath = a[0]!;
  const oldVersion = arrow === 2 ? version(s, a[1]) : '';
  const newPath = a[arrow + 1]!;
  const local = isDirectoryPath(newPath);
  if (a.length === arrow + 2) {
    if (!local) throw new FileParseError('replacement module without version must be directory path (rooted or starting with ./ or ../)', s.line);
    return { oldPath, oldVersion, newPath, newVersion: '', local, line: s.line };
  }
  if (local) throw new FileParseError('replacement module directory path must not have version', s.line);
  return { oldPath, oldVersion, newPath, newVersion: version(s, a[arrow + 2]), local, line: s.line };
}
