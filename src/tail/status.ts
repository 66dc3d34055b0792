import type { IO } from '../io.js';
import { stderrColor } from '../io.js';
import { startSpinner, warningLine } from '../ui/spinner.js';

/**
 * What tail says on stderr: a quiet status line (an ora spinner) when stderr
 * is a terminal, and one-line notes and warnings. Lead lines on stdout may go
 * to the same terminal, so `around` takes the status line away while they
 * are written: the two never share a line.
 */
export interface TailStatus {
  /** The status line's text; shown only on a terminal. */
  update(text: string): void;
  /** `robofy: warning: <text>` */
  warn(text: string): void;
  /** `robofy: <text>` */
  note(text: string): void;
  /** Runs `write` (printing leads on stdout) with the status line cleared, and draws it again after. */
  around(write: () => Promise<void>): Promise<void>;
  /** Removes the status line for good. */
  stop(): void;
}

export interface TailStatusOptions {
  quiet: boolean;
  /** --verbose writes a line per request on stderr: a spinner would be torn by them, so there is none. */
  verbose: boolean;
}

const SILENT: TailStatus = {
  update: () => undefined,
  warn: () => undefined,
  note: () => undefined,
  around: (write) => write(),
  stop: () => undefined,
};

export async function createTailStatus(io: IO, options: TailStatusOptions): Promise<TailStatus> {
  if (options.quiet) return SILENT;
  const color = stderrColor(io);
  const warnLine = (text: string): string => warningLine(text, color);
  const noteLine = (text: string): string => `robofy: ${text}\n`;
  const lines: TailStatus = {
    update: () => undefined,
    warn: (text) => void io.stderr.write(warnLine(text)),
    note: (text) => void io.stderr.write(noteLine(text)),
    around: (write) => write(),
    stop: () => undefined,
  };
  if (!io.stderrIsTTY || options.verbose) return lines;
  const spinner = await startSpinner(io, color);
  if (spinner === undefined) return lines;
  let stopped = false;
  const aside = (line: string): void => {
    if (stopped) {
      io.stderr.write(line);
      return;
    }
    spinner.clear();
    io.stderr.write(line);
    spinner.render();
  };
  return {
    update: (text) => {
      spinner.text = text;
    },
    warn: (text) => aside(warnLine(text)),
    note: (text) => aside(noteLine(text)),
    around: async (write) => {
      if (stopped) return write();
      spinner.clear();
      try {
        await write();
      } finally {
        if (!stopped) spinner.render();
      }
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      spinner.stop();
    },
  };
}
