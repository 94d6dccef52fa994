/**
 * The CLI's only contact with the terminal: results go to stdout, diagnostics to stderr,
 * progress only when stderr is a terminal, colour only on a TTY (and never with NO_COLOR).
 */
import type { Logger, Progress } from '../core/index.ts';

export interface UiOptions {
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly stderr?: NodeJS.WriteStream;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Ui {
  readonly logger: Logger;
  readonly progress: Progress;
  readonly color: Colors;
  /** A one-line warning on stderr (suppressed by --quiet). */
  warn(message: string): void;
  /** A one-line error on stderr (never suppressed). */
  error(message: string): void;
}

export interface Colors {
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const paint = (code: number) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const plain: Colors = { red: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };
const ansi: Colors = { red: paint(31), yellow: paint(33), dim: paint(2), bold: paint(1) };

export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Colors {
  const wanted = stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return wanted || (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') ? ansi : plain;
}

export function createUi(options: UiOptions): Ui {
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const color = colorsFor(stderr, env);
  const tty = stderr.isTTY === true;
  let progressShown = false;
  const clearProgress = (): void => {
    if (progressShown) {
      stderr.write('\r\u001b[2K');
      progressShown = false;
    }
  };
  const line = (s: string): void => {
    clearProgress();
    stderr.write(`${s}\n`);
  };
  return {
    color,
    logger: {
      debug: (m) => {
        if (options.debug) line(color.dim(`debug: ${m}`));
      },
      info: (m) => {
        if (!options.quiet) line(m);
      },
      warn: (m) => {
        if (!options.quiet) line(`${color.yellow('warning:')} ${m}`);
      },
    },
    progress: {
      update: (m) => {
        if (!tty || options.quiet) return;
        const width = Math.max(20, (stderr.columns ?? 80) - 2);
        stderr.write(`\r\u001b[2K${color.dim(m.length > width ? `${m.slice(0, width - 1)}…` : m)}`);
        progressShown = true;
      },
      done: clearProgress,
    },
    warn: (m) => {
      if (!options.quiet) line(`${color.yellow('warning:')} ${m}`);
    },
    error: (m) => line(`${color.red('error:')} ${m}`),
  };
}
