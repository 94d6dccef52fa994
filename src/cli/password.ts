/**
 * Passwords for private keys: VOUCH_PASSWORD, then COSIGN_PASSWORD (set, even empty, wins), else
 * a prompt on the terminal with echo off. Never logged; never read from a pipe silently.
 */
import { VouchError } from '../core/index.ts';

export interface PasswordSource {
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: NodeJS.WriteStream;
  /** The terminal to read from (default: process.stdin). */
  readonly stdin?: NodeJS.ReadStream;
}

export function passwordFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.VOUCH_PASSWORD ?? env.COSIGN_PASSWORD;
}

/** Read a password: env first, then the terminal (twice when `confirm`). */
export async function readPassword(src: PasswordSource, options: { prompt: string; confirm?: boolean }): Promise<string> {
  const fromEnv = passwordFromEnv(src.env);
  if (fromEnv !== undefined) return fromEnv;
  const stdin = src.stdin ?? process.stdin;
  if (stdin.isTTY !== true || src.stderr.isTTY !== true) {
    throw new VouchError('PASSWORD_REQUIRED', 'a key password is needed and there is no terminal to ask on', { hint: 'set VOUCH_PASSWORD (or COSIGN_PASSWORD)' });
  }
  const first = await promptHidden(stdin, src.stderr, options.prompt);
  if (options.confirm === true) {
    const again = await promptHidden(stdin, src.stderr, 'Enter password again: ');
    if (again !== first) throw new VouchError('USAGE', 'the passwords do not match');
  }
  return first;
}

/** Raw-mode read with no echo; Ctrl-C aborts, Backspace edits. */
function promptHidden(stdin: NodeJS.ReadStream, out: NodeJS.WriteStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    out.write(prompt);
    let value = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const finish = (err?: Error): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      out.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new VouchError('USAGE', 'password entry aborted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (value.length < 4096) value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
