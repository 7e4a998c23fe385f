import { RaunetError } from '@raunet/core';

/** Where a command writes: injectable so commands run in-process in tests. */
export interface CliIO {
  /** Writes to standard output (results, `--json` summaries). */
  stdout: (text: string) => void;
  /** Writes to standard error (progress, warnings, the one-line error message). */
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars redraw in place only then). @defaultValue false */
  isTTY?: boolean;
  /** Aborts long commands (train, demo) cleanly, e.g. on Ctrl-C. */
  signal?: AbortSignal;
}

/** A wrong command line: unknown command or flag, missing or malformed value. Exit code 2. */
export class CliUsageError extends RaunetError {
  constructor(message: string) {
    super(message, 'ERR_USAGE');
    this.name = 'CliUsageError';
  }
  /** True when `error` is a {@link CliUsageError}. */
  static override isInstance(error: unknown): error is CliUsageError {
    return RaunetError.isInstance(error) && error.name === 'CliUsageError';
  }
}
