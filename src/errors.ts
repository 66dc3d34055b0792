/** Exit codes are part of the CLI's contract: scripts and cron jobs branch on them. */
export const ExitCode = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  Auth: 3,
  NotFound: 4,
  Api: 5,
  Locked: 6,
  Interrupted: 130,
  BrokenPipe: 141,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the user should see as one line. `code` is stable for tests and
 * scripts; `exitCode` is what the process ends with.
 */
export class RobofyError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(message: string, options: { code: string; exitCode: ExitCode; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RobofyError';
    this.code = options.code;
    this.exitCode = options.exitCode;
  }
}

export class UsageError extends RobofyError {
  constructor(message: string) {
    super(message, { code: 'USAGE', exitCode: ExitCode.Usage });
    this.name = 'UsageError';
  }
}

export class InterruptedError extends RobofyError {
  constructor(signal: string) {
    super(`interrupted by ${signal}`, { code: 'INTERRUPTED', exitCode: ExitCode.Interrupted });
    this.name = 'InterruptedError';
  }
}

/** stdout was closed by its reader (`robofy ... | head`): end quietly, as a shell tool would on SIGPIPE. */
export class StdoutClosedError extends RobofyError {
  constructor() {
    super('stdout was closed', { code: 'EPIPE', exitCode: ExitCode.BrokenPipe });
    this.name = 'StdoutClosedError';
  }
}

/** The error that an aborted run should end with: the reason it was aborted with, or an interrupt. */
export function abortError(signal: AbortSignal): RobofyError {
  const reason: unknown = signal.reason;
  if (reason instanceof RobofyError) return reason;
  return new InterruptedError(typeof reason === 'string' ? reason : 'a signal');
}
