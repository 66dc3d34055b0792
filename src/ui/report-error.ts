import { inspect } from 'node:util';
import type { IO } from '../io.js';
import { stderrColor } from '../io.js';
import { ExitCode, RobofyError } from '../errors.js';
import { escapeForTerminal } from '../leads/terminal.js';

/**
 * Prints an error as one line (the whole story only with --verbose) and
 * returns the exit code it maps to. A broken stdout pipe is reported by no one.
 */
export function reportError(error: unknown, io: IO, verbose: boolean): number {
  if ((error as { code?: unknown } | null)?.code === 'EPIPE') return ExitCode.BrokenPipe;
  const known = error instanceof RobofyError;
  const exitCode = known ? error.exitCode : ExitCode.Internal;
  if (exitCode === ExitCode.BrokenPipe) return exitCode;
  const message = known ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  const label = stderrColor(io) ? '\u001b[31merror\u001b[39m' : 'error';
  // Messages quote what the API sent (a lead id, a field name): its controls are shown as escapes, not obeyed.
  let text = `robofy: ${label}: ${escapeForTerminal(message)}\n`;
  if (verbose && error instanceof Error) text += `${inspect(error, { depth: 4 }).split('\n').map(escapeForTerminal).join('\n')}\n`;
  else if (!known) text += 'robofy: run again with --verbose for details\n';
  io.stderr.write(text);
  return exitCode;
}
