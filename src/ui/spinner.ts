import type { Ora } from 'ora';
import type { IO } from '../io.js';
import { escapeForTerminal } from '../leads/terminal.js';

/**
 * `robofy: warning: <text>`, the word in yellow when stderr takes colour.
 * Warnings quote lead ids and values the API sent, so controls in them are
 * shown as escapes rather than sent to the terminal.
 */
export function warningLine(text: string, color: boolean): string {
  return `robofy: ${color ? '\u001b[33mwarning\u001b[39m' : 'warning'}: ${escapeForTerminal(text)}\n`;
}

/**
 * A started ora spinner on stderr, or undefined where none can be drawn. A
 * terminal whose size was never set (a bare pty, some `docker exec -t`)
 * reports 0 columns; ora then counts the lines to clear by dividing by 0 and
 * spins forever. ora is loaded only when a spinner will really be shown.
 */
export async function startSpinner(io: IO, color: boolean): Promise<Ora | undefined> {
  const columns = (io.stderr as { columns?: unknown }).columns;
  if (typeof columns !== 'number' || !(columns > 0)) return undefined;
  const { default: ora } = await import('ora');
  return ora({ stream: io.stderr, isEnabled: true, discardStdin: false, color: color ? 'cyan' : false }).start();
}
