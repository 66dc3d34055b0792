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

/**
 * Colour only on a TTY (and not TERM=dumb), never when NO_COLOR is set
 * (https://no-color.org); FORCE_COLOR turns it on anywhere, or off with 0/false.
 */
export function useColor(env: Env, isTTY: boolean): boolean {
  const { NO_COLOR, FORCE_COLOR, TERM } = env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  if (FORCE_COLOR !== undefined && FORCE_COLOR !== '') return FORCE_COLOR !== '0' && FORCE_COLOR !== 'false';
  return isTTY && TERM !== 'dumb';
}

export function stderrColor(io: IO): boolean {
  return useColor(io.env, io.stderrIsTTY);
}
