import type { ExitCode } from '../core/index.ts';

export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  readonly name: string;
  /** One line for `vouch --help`. */
  readonly summary: string;
  /** Full help: usage, flags and examples. */
  readonly help: string;
  run(argv: readonly string[], io: CommandIo): Promise<ExitCode>;
}
