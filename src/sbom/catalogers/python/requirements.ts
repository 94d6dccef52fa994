/**
 * pip requirements files (https://pip.pypa.io/en/stable/reference/requirements-file-format/).
 *
 * Hand-written: there is no maintained JavaScript parser for this format. The line handling
 * follows pip's own `pip/_internal/req/req_file.py`: backslash continuations are joined
 * first, then `#` comments at the start of a line or after whitespace are removed, then each
 * line is a global option (`-r`, `-c`, `-e`, `-i`, ...) or a PEP 508 requirement followed by
 * per-requirement options (`--hash`, `--config-settings`, ...).
 *
 * Versions: only an exact pin (`==X` without a wildcard, or `===X`) is a version. Any other
 * requirement (`>=1.0`, `~=1.1`, `!=3.5`, none at all) is recorded with version '' and its
 * specifier in metadata — as osv-scalibr records unpinned names, but without guessing a
 * version from a range. A pin from a `-c` constraints file fills the version of an unpinned
 * requirement of the same name, since that is the version pip would install.
 *
 * `-r` and `-c` are followed relative to the including file, never outside the source root,
 * never over the network, each file at most once (include loops end), at bounded depth.
 */
import type { Hash, Warning } from '../../../formats/model/index.ts';
import type { ParseContext, ParseResult } from '../../generic/index.ts';
import { dirOf, joinPath } from '../../source/resolver.ts';
import { HashSet, isValidName, normalizeName, parseHashString, pypiPackage } from './common.ts';
import { formatSpecifiers, parseRequirement, pinnedVersion } from './pep508.ts';

export { REQUIREMENTS_GLOBS } from './globs.ts';

/** Deepest chain of `-r`/`-c` includes followed. */
export const MAX_INCLUDE_DEPTH = 16;
/** Most files read for one top-level requirements file (itself included). */
export const MAX_INCLUDED_FILES = 256;

export interface LogicalLine {
  /** 1-based number of the first physical line. */
  readonly line: number;
  readonly text: string;
}

const COMMENT_RE = /(^|\s+)#.*$/;
const ENV_VAR_RE = /\$\{[A-Z0-9_]+\}/;

/**
 * pip's `join_lines` + `ignore_comments`: a line ending in `\` continues on the next one
 * (unless it is a comment line); comments are removed after joining; blank lines dropped.
 */
export function logicalLines(text: string): LogicalLine[] {
  const joined: LogicalLine[] = [];
  let buf: string[] | undefined;
  let start = 0;
  const physical = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < physical.length; i++) {
    let line = physical[i]!;
    const isComment = /^\s*#/.test(line);
    if (!line.endsWith('\\') || isComment) {
      if (isComment) line = ` ${line}`;
      if (buf) {
        buf.push(line);
        joined.push({ line: start, text: buf.join('') });
        buf = undefined;
      } else joined.push({ line: i + 1, text: line });
    } else {
      if (!buf) {
        buf = [];
        start = i + 1;
      }
      buf.push(line.replace(/^\\+|\\+$/g, ''));
    }
  }
  if (buf) joined.push({ line: start, text: buf.join('') });
  const out: LogicalLine[] = [];
  for (const l of joined) {
    const t = l.text.replace(COMMENT_RE, '').trim();
    if (t !== '') out.push({ line: l.line, text: t });
  }
  return out;
}

interface Entry {
  readonly name: string;
  version: string;
  readonly pinned: boolean;
  readonly specifier: string;
  readonly extras: readonly string[];
  readonly marker: string | undefined;
  readonly url: string | undefined;
  readonly hashes: readonly Hash[];
  readonly path: string;
  readonly line: number;
  constraint?: string;
}

type Kind = 'requirements' | 'constraints';

class RequirementsReader {
  readonly entries: Entry[] = [];
  /** normalised name → pinned version and where, from constraints files. */
  readonly pins = new Map<string, { version: string; path: string }>();
  readonly warnings: Warning[] = [];
  private readonly visited = new Set<string>();
  private readonly ctx: ParseContext;

  constructor(ctx: ParseContext) {
    this.ctx = ctx;
  }

  warn(path: string, line: number | undefined, message: string): void {
    this.warnings.push({ location: line === undefined ? { path } : { path, line }, message });
  }

  async read(path: string, kind: Kind, depth: number): Promise<void> {
    const key = `${kind}:${path}`;
    if (this.visited.has(key)) return;
    if (this.visited.size >= MAX_INCLUDED_FILES) {
      this.warn(path, undefined, `more than ${MAX_INCLUDED_FILES} included requirements files: not read`);
      return;
    }
    this.visited.add(key);
    const content = await this.ctx.readText(path);
    for (const l of logicalLines(content)) await this.readLine(path, kind, depth, l);
  }

  private async readLine(path: string, kind: Kind, depth: number, l: LogicalLine): Promise<void> {
    const { text, line } = l;
    if (ENV_VAR_RE.test(text)) {
      // pip expands ${VAR} from the environment at install time; a scan cannot know it.
      this.warn(path, line, 'uses an environment variable: skipped');
      return;
    }
    if (text.startsWith('-')) {
      const { option, value } = splitOption(text);
      switch (option) {
        case '-r':
        case '--requirement':
          await this.include(path, line, value, kind, depth);
          return;
        case '-c':
        case '--constraint':
          await this.include(path, line, value, 'constraints', depth);
          return;
        case '-e':
        case '--editable':
          if (kind === 'requirements') this.reference(path, line, value);
          return;
        default:
          return; // -i, --index-url, --extra-index-url, -f, --pre, --no-binary, ...: nothing to inventory
      }
    }
    const { args, options } = splitArgsOptions(text);
    const req = parseRequirement(args);
    if (!req) {
      if (looksLikePathOrUrl(args)) {
        if (kind === 'requirements') this.reference(path, line, args);
        return;
      }
      this.warn(path, line, `not a requirement: ${truncate(args)}`);
      return;
    }
    let version = pinnedVersion(req);
    if (version === undefined && req.url !== undefined) {
      const wheel = wheelNameVersion(req.url);
      if (wheel && normalizeName(wheel.name) === normalizeName(req.name)) version = wheel.version;
    }
    if (kind === 'constraints') {
      if (version !== undefined && !this.pins.has(normalizeName(req.name))) this.pins.set(normalizeName(req.name), { version, path });
      return;
    }
    this.entries.push({
      name: req.name,
      version: version ?? '',
      pinned: version !== undefined,
      specifier: formatSpecifiers(req.specifiers),
      extras: req.extras,
      marker: req.marker,
      url: req.url,
      hashes: hashOptions(options),
      path,
      line,
    });
  }

  private async include(from: string, line: number, target: string, kind: Kind, depth: number): Promise<void> {
    if (target === '') {
      this.warn(from, line, 'include without a file name');
      return;
    }
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) {
      this.warn(from, line, `remote include ${truncate(target)}: not fetched`);
      return;
    }
    if (target.startsWith('/') || /^[A-Za-z]:[\\/]/.test(target)) {
      this.warn(from, line, `absolute include ${truncate(target)}: outside the source, not followed`);
      return;
    }
    const path = joinPath(dirOf(from), target);
    if (path === undefined) {
      this.warn(from, line, `include ${truncate(target)} leads outside the source root: not followed`);
      return;
    }
    if (depth + 1 > MAX_INCLUDE_DEPTH) {
      this.warn(from, line, `includes nested deeper than ${MAX_INCLUDE_DEPTH}: ${truncate(target)} not read`);
      return;
    }
    if (!this.ctx.resolver.get(path)) {
      this.warn(from, line, `included file ${truncate(target)} not found`);
      return;
    }
    try {
      await this.read(path, kind, depth + 1);
    } catch (err) {
      this.warn(from, line, `cannot read included file ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** A URL or local path (`-e`, a bare wheel URL): inventoried only when it names the project. */
  private reference(path: string, line: number, value: string): void {
    const egg = /[#&]egg=([^&\s]+)/.exec(value)?.[1];
    const wheel = wheelNameVersion(value);
    const name = wheel?.name ?? (egg !== undefined && isValidName(egg) ? egg : undefined);
    if (name === undefined) return; // `-e .`, a directory or sdist URL: no name to report
    this.entries.push({
      name,
      version: wheel?.version ?? '',
      pinned: wheel !== undefined,
      specifier: '',
      extras: [],
      marker: undefined,
      url: value,
      hashes: [],
      path,
      line,
    });
  }
}

/** `-r file`, `-rfile`, `--requirement file`, `--requirement=file`. */
function splitOption(text: string): { option: string; value: string } {
  let option: string;
  let rest: string;
  if (text.startsWith('--')) {
    const m = /^(--[A-Za-z0-9-]+)(.*)$/.exec(text);
    option = m?.[1] ?? text;
    rest = (m?.[2] ?? '').replace(/^\s*=?/, '');
  } else {
    option = text.slice(0, 2);
    rest = text.slice(2);
  }
  return { option, value: rest.trim().replace(/^(['"])(.*)\1$/, '$2') };
}

/** pip's `break_args_options`: the requirement ends at the first token starting with `-`. */
function splitArgsOptions(text: string): { args: string; options: string[] } {
  const tokens = text.split(/\s+/);
  const i = tokens.findIndex((t) => t.startsWith('-'));
  if (i < 0) return { args: text, options: [] };
  return { args: tokens.slice(0, i).join(' '), options: tokens.slice(i) };
}

/** `--hash=alg:hex` and `--hash alg:hex`; malformed values are ignored. */
function hashOptions(options: readonly string[]): Hash[] {
  const set = new HashSet();
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    if (o.startsWith('--hash=')) set.add(parseHashString(o.slice('--hash='.length)));
    else if (o === '--hash') set.add(parseHashString(options[++i]));
  }
  return set.values();
}

function looksLikePathOrUrl(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s) || /^(\.|\/|~|[A-Za-z]:[\\/])/.test(s) || s.includes('/') || s.includes('\\');
}

/**
 * Name and version from a wheel file name at the end of a URL or path: PEP 427
 * `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, where `-` in the name is
 * escaped as `_`, so the split is unambiguous. (Sdist names are not: they are not used.)
 */
export function wheelNameVersion(ref: string): { name: string; version: string } | undefined {
  const base = ref.split(/[?#]/)[0]!.split('/').pop() ?? '';
  if (!base.toLowerCase().endsWith('.whl')) return undefined;
  const parts = base.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts as [string, string];
  return isValidName(name) && /^[0-9]/.test(version) ? { name, version } : undefined;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export async function parseRequirementsTxt(path: string, ctx: ParseContext): Promise<ParseResult> {
  const reader = new RequirementsReader(ctx);
  await reader.read(path, 'requirements', 0);
  const packages = reader.entries.map((e) => {
    let version = e.version;
    let constraint: string | undefined;
    if (!e.pinned) {
      const pin = reader.pins.get(normalizeName(e.name));
      if (pin) {
        version = pin.version;
        constraint = pin.path;
      }
    }
    return pypiPackage({
      name: e.name,
      version,
      path: e.path,
      line: e.line,
      hashes: e.hashes,
      metadata: {
        specifier: e.specifier === `==${e.version}` || e.specifier === `===${e.version}` ? undefined : e.specifier,
        extras: e.extras.join(','),
        markers: e.marker,
        url: e.url,
        constraintsFile: constraint,
      },
    });
  });
  return { packages, warnings: reader.warnings };
}
