/** Exit codes (README "Exit codes"): 0 ok, 1 a gate or verification failed, 2 usage, 3 runtime/I-O. */
export type ExitCode = 0 | 1 | 2 | 3;
