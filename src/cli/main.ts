/**
 * The `vouch` command: dispatch to one command module, turn errors into one line on
 * stderr and the documented exit code (README "Exit codes").
 */
import { ERROR_CODES, isVouchError, VOUCH_VERSION, VouchError, type ExitCode } from '../core/index.ts';
import type { CommandIo } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { colorsFor } from './ui.ts';

export { COMMANDS } from './commands/index.ts';

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Vouch ${VOUCH_VERSION}: software supply-chain security, offline.

Usage: vouch <command> [flags]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
  ${'version'.padEnd(width)}  Print the version

Global flags:
  -h, --help     help for vouch or a command (vouch <command> --help)
  -q, --quiet    no warnings or progress on stderr
      --debug    details and stack traces on stderr
      --version  print the version

Examples:
  vouch sbom .
  vouch sbom dir:. -o cyclonedx-json=sbom.cdx.json -o spdx-json=sbom.spdx.json
  vouch sbom registry:localhost:5000/app:1.0
  vouch db import Go-all.zip && vouch db status

Exit codes: 0 ok, 1 a gate or verification failed, 2 usage, 3 runtime or I/O error.
`;
}

export async function main(argv: readonly string[], io: CommandIo): Promise<ExitCode> {
  const debug = argv.includes('--debug');
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
      const target = first === 'help' ? rest[0] : undefined;
      const entry = target === undefined ? undefined : COMMANDS.find((c) => c.name === target);
      if (target !== undefined && !entry) throw unknownCommand(target);
      io.stdout.write(entry ? (await entry.load()).help : topHelp());
      return first === undefined ? 2 : 0;
    }
    if (first === '--version' || first === 'version') {
      io.stdout.write(`vouch ${VOUCH_VERSION}\n`);
      return 0;
    }
    const entry = COMMANDS.find((c) => c.name === first);
    if (!entry) throw unknownCommand(first);
    return await (await entry.load()).run(rest, io);
  } catch (err) {
    return report(err, io, debug);
  }
}

function unknownCommand(name: string): VouchError {
  return new VouchError('UNKNOWN_COMMAND', `unknown command "${name}"`, {
    hint: `commands: ${COMMANDS.map((c) => c.name).join(', ')}, version`,
  });
}

function report(err: unknown, io: CommandIo, debug: boolean): ExitCode {
  const c = colorsFor(io.stderr, io.env);
  if (isVouchError(err)) {
    io.stderr.write(`${c.red('error:')} ${err.message} [${err.code}]\n`);
    if (err.hint !== undefined) io.stderr.write(`hint: ${err.hint}\n`);
    if (debug && err.stack !== undefined) io.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  // An unexpected error is a bug: one line, details only with --debug.
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`${c.red('error:')} unexpected: ${message} [INTERNAL]\n`);
  io.stderr.write(debug && err instanceof Error && err.stack !== undefined ? `${err.stack}\n` : 'hint: run again with --debug and report it\n');
  return ERROR_CODES.INTERNAL.exit;
}
