/**
 * Vouch's error base. Every error code is declared once here with its exit code and
 * a description; docs/errors.md lists the same codes and a test keeps both in sync
 * (house rule 4, after fastify's lib/errors.js).
 *
 * Exit codes (README "Exit codes"): 0 ok, 1 a gate or verification failed, 2 usage, 3 runtime/I-O.
 */

import { ADVISORIES_ERROR_CODES } from './error-codes/advisories.ts';
import { CA_ERROR_CODES } from './error-codes/ca.ts';
import type { ExitCode } from './error-codes/exit.ts';
import { LOG_ERROR_CODES } from './error-codes/log.ts';
import { REGISTRY_ERROR_CODES } from './error-codes/registry.ts';
import { SCAN_ERROR_CODES } from './error-codes/scan.ts';
import { SIGN_ERROR_CODES } from './error-codes/sign.ts';
import type { CodeSpec } from './error-codes/spec.ts';

export type { ExitCode } from './error-codes/exit.ts';
export type { CodeSpec } from './error-codes/spec.ts';

export const ERROR_CODES = {
  // usage (2)
  USAGE: { exit: 2, description: 'The command line is wrong: unknown flag, missing argument or bad value.' },
  UNKNOWN_COMMAND: { exit: 2, description: 'No such command; `vouch --help` lists them.' },
  UNKNOWN_FORMAT: { exit: 2, description: 'An output format named with `-o` is not one the command writes.' },
  BAD_TARGET: { exit: 2, description: 'The target is not a scheme Vouch knows (`dir:`, `file:`, ...) or is malformed.' },
  // runtime / I-O (3)
  TARGET_NOT_FOUND: { exit: 3, description: 'The target path does not exist or cannot be read.' },
  IO_ERROR: { exit: 3, description: 'Reading or writing a file failed.' },
  LIMIT_EXCEEDED: { exit: 3, description: 'An input is over a size, count or depth limit.' },
  PARSE_ERROR: { exit: 3, description: 'An input file is malformed (bad JSON, YAML, TOML or XML, or wrong types).' },
  PATH_ESCAPE: { exit: 3, description: 'A path or link would lead outside the target root.' },
  INVALID_PURL: { exit: 3, description: 'A package URL is malformed or violates its type rules.' },
  SERIALIZE_ERROR: { exit: 3, description: 'An SBOM could not be written in the asked format.' },
  DIGEST_MISMATCH: { exit: 3, description: 'Content read does not match its digest or declared size: never used.' },
  IMAGE_NOT_FOUND: { exit: 3, description: 'The image, manifest, blob or platform asked for does not exist in the source.' },
  IMAGE_INVALID: { exit: 3, description: 'An image manifest, index, config or layout is malformed or of an unsupported media type.' },
  UNSAFE_ARCHIVE: { exit: 3, description: 'A tar or layer is hostile or over a limit (path escape, huge header, decompression bomb).' },
  REGISTRY_ERROR: { exit: 3, description: 'The registry answered with an error, or could not be reached.' },
  REGISTRY_AUTH: { exit: 3, description: 'The registry refused the credentials, or none were found for it.' },
  INSECURE_REGISTRY: { exit: 2, description: 'Plain HTTP or unverified TLS to a registry that is not localhost needs `--insecure`.' },
  INTERNAL: { exit: 3, description: 'An unexpected error: a bug. Run with `--debug` and report it.' },
  // Each area's codes live in core/error-codes/<area>.ts.
  ...SCAN_ERROR_CODES,
  ...ADVISORIES_ERROR_CODES,
  ...SIGN_ERROR_CODES,
  ...LOG_ERROR_CODES,
  ...CA_ERROR_CODES,
  ...REGISTRY_ERROR_CODES,
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface VouchErrorOptions {
  readonly cause?: unknown;
  /** A line telling the user what to do next. */
  readonly hint?: string;
}

export class VouchError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly hint: string | undefined;

  constructor(code: C, message: string, options: VouchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VouchError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): ExitCode {
    return ERROR_CODES[this.code].exit;
  }
}

export function isVouchError(err: unknown): err is VouchError {
  return err instanceof VouchError;
}

/** Wrap at the boundary, keep the cause (house rule 3). A VouchError passes through unchanged. */
export function wrapError(err: unknown, code: ErrorCode, message: string): VouchError {
  if (err instanceof VouchError) return err as VouchError;
  const detail = err instanceof Error ? err.message : String(err);
  return new VouchError(code, `${message}: ${detail}`, { cause: err });
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof VouchError ? err.exitCode : 3;
}
