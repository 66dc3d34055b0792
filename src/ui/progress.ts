import type { IO } from '../io.js';
import { stderrColor } from '../io.js';
import { startSpinner, warningLine } from './spinner.js';

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

export async function createProgress(io: IO, options: ProgressOptions): Promise<Progress> {
  const color = stderrColor(io);
  const warn = (text: string): void => void io.stderr.write(warningLine(text, color));
  if (options.quiet) return SILENT;
  if (!io.stderrIsTTY) return { active: false, update: () => undefined, warn, stop: () => undefined };
  const [spinner, { Chalk }] = await Promise.all([startSpinner(io, color), import('chalk')]);
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const summaryLine = (summary: string): string => `${chalk.green('✓')} ${summary}\n`;
  if (spinner === undefined) {
    return { active: false, update: () => undefined, warn, stop: (summary) => void (summary ? io.stderr.write(summaryLine(summary)) : undefined) };
  }
  return {
    active: true,
    update: (text) => {
      spinner.text = text;
    },
    warn: (text) => {
      spinner.clear();
      warn(text);
      spinner.render();
    },
    stop: (summary) => {
      spinner.stop();
      if (summary) io.stderr.write(summaryLine(summary));
    },
  };
}

export function plural(count: number, word: string, words = `${word}s`): string {
  return `${thousands(count)} ${count === 1 ? word : words}`;
}

/** 1234567 as `1,234,567`, as toLocaleString('en-US') writes it, without the ~25 ms it takes to set up Intl. */
function thousands(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `, 3 retries` for a summary line, or nothing when there were none. */
export function retriesText(retries: number): string {
  return retries > 0 ? `, ${plural(retries, 'retry', 'retries')}` : '';
}
