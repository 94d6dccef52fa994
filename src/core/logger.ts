/** Libraries never print: they take a Logger. Only cli/ writes to stdout/stderr. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
};

/** Progress reporting for long work; the CLI shows it on stderr only when stderr is a TTY. */
export interface Progress {
  update(message: string): void;
  done(): void;
}

export const noProgress: Progress = {
  update() {},
  done() {},
};
