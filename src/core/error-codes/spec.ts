import type { ExitCode } from './exit.ts';

export interface CodeSpec {
  readonly exit: ExitCode;
  readonly description: string;
}
