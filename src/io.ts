import type { Readable, Writable } from 'node:stream';
import type { Dispatcher } from 'undici';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Everything a command touches outside itself. `bin/robofy.js` builds the
 * real one; tests build their own, so no command reads a global.
 */
export interface IO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly env: Env;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Aborted on SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** An HTTP dispatcher to use instead of the client's own (tests pass a MockAgent). */
  readonly dispatcher?: Dispatcher;
}

/** Colour on stderr only on a TTY, and never when NO_COLOR is set (https://no-color.org). */
export function stderrColor(io: IO): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stderrIsTTY && io.env.TERM !== 'dumb';
}
