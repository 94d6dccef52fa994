/**
 * Flag parsing on node:util parseArgs, with Vouch's conventions: every usage problem is a
 * USAGE error (exit 2) in one line, `-h/--help` everywhere, and the shared flags
 * `--quiet`, `--debug` and `-o FORMAT[=FILE]` (repeatable, as syft has it).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VouchError } from '../core/index.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  quiet: { type: 'boolean', short: 'q' },
  debug: { type: 'boolean' },
} as const satisfies OptionSpec;

export function parseCommandArgs<O extends OptionSpec>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new VouchError('USAGE', (err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), { cause: err });
  }
}

export interface OutputRequest {
  readonly format: string;
  /** undefined: stdout. */
  readonly file: string | undefined;
}

/** Parse repeatable `-o FORMAT[=FILE]` values; at most one may go to stdout. */
export function parseOutputs(values: readonly string[] | undefined, defaultFormat: string, known: readonly string[]): OutputRequest[] {
  const raw = values && values.length > 0 ? values : [defaultFormat];
  const out = raw.map((v): OutputRequest => {
    const eq = v.indexOf('=');
    const format = (eq < 0 ? v : v.slice(0, eq)).trim();
    const file = eq < 0 ? undefined : v.slice(eq + 1);
    if (file === '') throw new VouchError('USAGE', `-o ${v}: missing file name after "="`);
    if (!known.includes(format)) {
      throw new VouchError('UNKNOWN_FORMAT', `unknown output format "${format}"`, { hint: `formats: ${known.join(', ')}` });
    }
    return { format, file };
  });
  if (out.filter((o) => o.file === undefined).length > 1) {
    throw new VouchError('USAGE', 'only one output can go to stdout; give the others a file: -o FORMAT=FILE');
  }
  return out;
}
