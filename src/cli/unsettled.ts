/**
 * A safety net for the `vouch` executable. When Node's event loop empties while the command's
 * promise is still pending (some await in the code waits for an event that will never come),
 * Node prints "Warning: Detected unsettled top-level await" and exits with 13, an exit code the
 * README does not document. 'beforeExit' is emitted first: we say what happened in our own
 * words and exit with 3, as for any other internal error (README "Exit codes").
 */

export const UNSETTLED_MESSAGE = 'error: internal: the operation stopped without finishing [INTERNAL]\n';
export const UNSETTLED_EXIT_CODE = 3;

/** The part of `process` the guard uses. */
export interface ExitingProcess {
  on(event: 'beforeExit', listener: () => void): unknown;
  off(event: 'beforeExit', listener: () => void): unknown;
  exit(code: number): never;
}

/**
 * Exit with UNSETTLED_EXIT_CODE and UNSETTLED_MESSAGE if `proc` is about to exit before the
 * returned `settled` is called (call it once the command's promise has settled).
 */
export function guardUnsettled(proc: ExitingProcess, stderr: { write(text: string): unknown }): () => void {
  const onBeforeExit = (): void => {
    stderr.write(UNSETTLED_MESSAGE);
    proc.exit(UNSETTLED_EXIT_CODE);
  };
  proc.on('beforeExit', onBeforeExit);
  return () => {
    proc.off('beforeExit', onBeforeExit);
  };
}
