/**
 * Debian control-file syntax (deb822: Debian Policy §5.1 "Syntax of control files"), shared by
 * the dpkg status database and machine-readable copyright files (DEP-5). Hand-written: the
 * format is a dozen lines of rules, and the npm parsers for it neither report line numbers nor
 * bound their input.
 *
 * - A paragraph is a run of fields; paragraphs are separated by empty lines (a line of only
 *   spaces and tabs counts as empty, as dpkg treats it).
 * - A field is `Name: value`; the name is printable US-ASCII without `:`, not starting with
 *   `#` or `-`, and matched case-insensitively. A line starting with a space or tab continues
 *   the previous field's value.
 * - `#` lines are comments in copyright files (and source control files), not in the status
 *   database: callers choose.
 * Anything else (a line without a colon, binary junk) is a FileParseError naming the line.
 */
import { FileParseError } from '../../generic/index.ts';

export interface Field {
  /** The value: the first line trimmed, continuation lines joined with `\n` (each trimmed). */
  readonly value: string;
  /** 1-based line of the field name. */
  readonly line: number;
}

export interface Paragraph {
  /** Lower-case field name → field; the first occurrence wins. */
  readonly fields: ReadonlyMap<string, Field>;
  /** 1-based line where the paragraph starts. */
  readonly line: number;
}

export interface Deb822Options {
  /** Treat lines starting with `#` as comments (copyright files). Default false (status files). */
  readonly comments?: boolean;
  /** Most paragraphs read before giving up (FileParseError). */
  readonly maxParagraphs: number;
}

const FIELD_NAME = /^[!-9;-~][!-9;-~]*$/;

export function parseDeb822(text: string, options: Deb822Options): Paragraph[] {
  if (text.includes('\0')) throw new FileParseError('binary data (NUL bytes) in a control file', lineOf(text, text.indexOf('\0')));
  const out: Paragraph[] = [];
  let fields = new Map<string, Field>();
  let start = 0;
  // The value of the field being read: first line, then continuation lines.
  let current: { name: string; line: number; parts: string[] } | undefined;
  const finishField = (): void => {
    if (current && !fields.has(current.name)) fields.set(current.name, { value: current.parts.join('\n').trim(), line: current.line });
    current = undefined;
  };
  const finishParagraph = (): void => {
    finishField();
    if (fields.size > 0) {
      if (out.length >= options.maxParagraphs) throw new FileParseError(`more than ${options.maxParagraphs} paragraphs`, start);
      out.push({ fields, line: start });
    }
    fields = new Map();
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    const lineNo = i + 1;
    if (/^[ \t]*$/.test(line)) {
      finishParagraph();
      continue;
    }
    if (options.comments === true && line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!current) throw new FileParseError('continuation line without a field before it', lineNo);
      current.parts.push(line.trim());
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!FIELD_NAME.test(name) || name.startsWith('#') || name.startsWith('-')) {
      throw new FileParseError(`not a field: ${JSON.stringify(line.slice(0, 60))}`, lineNo);
    }
    finishField();
    if (fields.size === 0) start = lineNo;
    current = { name: name.toLowerCase(), line: lineNo, parts: [line.slice(colon + 1).trim()] };
  }
  finishParagraph();
  return out;
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
