import type { ChalkInstance } from 'chalk';
import { jsonText } from '../api/exact-json.js';
import type { Lead } from '../api/types.js';
import { useColor, type Env } from '../io.js';
import { BASE_COLUMNS, flattenLead } from '../leads/flatten.js';
import { escapeForTerminal } from '../leads/terminal.js';

const BASE = new Set<string>(BASE_COLUMNS);

/**
 * One terminal line for a lead: time, source, id, then its fields
 * (`name: value`, separated by ` · `). Every value comes from an anonymous
 * web visitor, so all of it, field names included, goes through
 * escapeForTerminal: no escape sequence, control or bidi override reaches
 * the terminal raw, and a value with a newline stays on the lead's line.
 */
export function formatPrettyLead(lead: Lead, chalk: ChalkInstance): string {
  const fields: string[] = [];
  for (const [column, value] of flattenLead(lead)) {
    if (BASE.has(column)) continue;
    fields.push(`${chalk.bold(safe(column))}: ${safe(value)}`);
  }
  const head = [chalk.dim(safe(lead.created_at)), chalk.cyan(safe(lead.source)), chalk.dim(safe(lead.id))].join('  ');
  return fields.length === 0 ? head : `${head}  ${fields.join(chalk.dim(' · '))}`;
}

/** The chalk level for lines on stdout (see useColor). */
export function stdoutColorLevel(io: { readonly env: Env; readonly stdoutIsTTY: boolean }): 0 | 1 {
  return useColor(io.env, io.stdoutIsTTY) ? 1 : 0;
}

function safe(value: unknown): string {
  if (value === undefined || value === null) return '-';
  return escapeForTerminal(typeof value === 'string' ? value : jsonText(value));
}
