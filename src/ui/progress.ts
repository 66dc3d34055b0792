import type { IO } from '../io.js';
import { stderrColor } from '../io.js';

/** Progress on stderr: a spinner on a TTY, nothing when piped or --quiet. */
export interface Progress {
  /** False when nothing of `update` would be shown: callers skip building the text. */
  readonly active: boolean;
  update(text: string): void;
  /** A line that must be seen (a warning), printed without breaking the spinner. */
  warn(text: string): void;
  /** Stops the spinner; prints `summary` when given (TTY only). */
  stop(summary?: string): void;
}

export interface ProgressOptions {
  quiet: boolean;
}

const SILENT: Progress = { active: false, update: () => undefined, warn: () => undefined, stop: () => undefined };

/** ora is loaded only when a spinner will really be shown. */
export async function createProgress(io: IO, options: ProgressOptions): Promise<Progress> {
  const color = stderrColor(io);
  const warnLine = (text: string): string => `robofy: ${color ? '\u001b[33mwarning\u001b[39m' : 'warning'}: ${text}\n`;
  if (options.quiet) return SILENT;
  if (!io.stderrIsTTY) {
    return { active: false, update: () => undefined, warn: (text) => void io.stderr.write(warnLine(text)), stop: () => undefined };
  }
  const [{ default: ora }, { Chalk }] = await Promise.all([import('ora'), import('chalk')]);
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const summaryLine = (summary: string): string => `${chalk.green('✓')} ${summary}\n`;
  // A terminal whose size was never set (a bare pty, some `docker exec -t`) reports 0 columns; ora then
  // counts the lines to clear by dividing by 0 and spins forever. No spinner there, only the lines.
  const columns = (io.stderr as { columns?: unknown }).columns;
  if (typeof columns !== 'number' || !(columns > 0)) {
    return {
      active: false,
      update: () => undefined,
      warn: (text) => void io.stderr.write(warnLine(text)),
      stop: (summary) => void (summary ? io.stderr.write(summaryLine(summary)) : undefined),
    };
  }
  const spinner = ora({ stream: io.stderr, isEnabled: true, discardStdin: false, color: color ? 'cyan' : false });
  spinner.start();
  return {
    active: true,
    update: (text) => {
      spinner.text = text;
    },
    warn: (text) => {
      spinner.clear();
      io.stderr.write(warnLine(text));
      spinner.render();
    },
    stop: (summary) => {
      spinner.stop();
      if (summary) io.stderr.write(summaryLine(summary));
    },
  };
}

export function plural(count: number, word: string, words = `${word}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? word : words}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
