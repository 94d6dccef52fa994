/**
 * `vouch registry user|project|member|robot|audit ...`: the management subcommands, talking to a
 * running server's REST API. `registry.ts` dispatches to this table; add subcommands here.
 */
import type { ExitCode } from '../../core/index.ts';
import type { CommandIo } from '../command.ts';

export interface Subcommand {
  readonly summary: string;
  /** Help lines (usage, flags, examples) of this subcommand. */
  readonly help: string;
  run(argv: readonly string[], io: CommandIo): Promise<ExitCode>;
}

export const ADMIN_SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {};
