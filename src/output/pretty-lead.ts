import type { ChalkInstance } from 'chalk';
import type { Lead } from '../api/types.js';
import { BASE_COLUMNS, flattenLead } from '../leads/flatten.js';
import { escapeForTerminal } from '../leads/terminal.js';

const BASE = new Set<string>(BASE_COLUMNS);

/**
 * One terminal line for a lead: time, source, id, then its fields. Every
 * value comes from an anonymous web visitor, so all of it goes through
 * escapeForTerminal: no escape sequence, control or bidi override reaches
 * the terminal raw.
 */
export function formatPrettyLead(lead: Lead, chalk: ChalkInstance): string {
  const fields: string[] = [];
  for (const [column, value] of flattenLead(lead)) {
    if (BASE.has(column)) continue;
    fields.push(`${chalk.bold(safe(column))}: ${safe(value)}`);
  }
  const head = [chalk.dim(safe(lead.created_at)), chalk.cyan(safe(lead.source)), chalk.dim(safe(lead.id))];
  return `${head.join('  ')}  ${fields.join(chalk.dim(' · '))}`;
}

function safe(value: unknown): string {
  if (value === undefined || value === null) return '-';
  return escapeForTerminal(typeof value === 'string' ? value : JSON.stringify(value));
}
