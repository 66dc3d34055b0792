import type { LeadsQuery } from '../api/paginate.js';
import { UsageError } from '../errors.js';
import type { CsvDelimiter } from '../output/csv-text.js';

/** A whole number in range, or undefined when the option was not given. */
export function parseCount(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const number = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(number) || number < min) {
    throw new UsageError(`${name} must be a whole number of at least ${min}, got "${String(value)}"`);
  }
  return number;
}

/** Seconds as given on the command line (fractions allowed), in milliseconds. */
export function parseSeconds(name: string, value: unknown, min: number): number {
  const text = String(value).trim();
  const number = Number(text);
  if (text === '' || !Number.isFinite(number) || number < min) {
    throw new UsageError(`${name} must be a number of seconds of at least ${min}, got "${String(value)}"`);
  }
  return Math.round(number * 1000);
}

export function parseProjectId(value: unknown): number {
  const id = parseCount('--project', value, 0);
  if (id === undefined) throw new UsageError('--project is required (or set ROBOFY_PROJECT, or `robofy config set project <id>`)');
  return id;
}

export function parseChatbotId(value: unknown): string {
  if (value === undefined) throw new UsageError('--chatbot is required (or set ROBOFY_CHATBOT, or `robofy config set chatbot <id>`)');
  const id = typeof value === 'string' ? value.trim() : '';
  if (id === '') throw new UsageError('--chatbot must not be empty');
  return id;
}

/** `--columns a,b,c`: names trimmed, empties rejected, repeats rejected. */
export function parseColumns(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const names = String(value)
    .split(',')
    .map((name) => name.trim());
  if (names.some((name) => name === '')) throw new UsageError(`--columns has an empty name: "${String(value)}"`);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) throw new UsageError(`--columns names "${repeated}" twice`);
  return names;
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `--profile`, kept as typed (an empty name is an error, not "no profile"). */
export function profileFlag(raw: Record<string, unknown>): string | undefined {
  return typeof raw.profile === 'string' ? raw.profile : undefined;
}

/** What every `leads` command takes: which listing, and how to reach the API. */
export interface LeadsCommandOptions {
  query: LeadsQuery;
  retries: number;
  timeoutMs: number;
  quiet: boolean;
  verbose: boolean;
}

export function parseLeadsCommandOptions(raw: Record<string, unknown>): LeadsCommandOptions {
  return {
    query: {
      projectId: parseProjectId(raw.project),
      chatbotId: parseChatbotId(raw.chatbot),
      sessionId: optionalString(raw.session),
    },
    retries: parseCount('--retries', raw.retries, 0) ?? 5,
    timeoutMs: parseSeconds('--timeout', raw.timeout ?? 30, 0.1),
    quiet: raw.quiet === true,
    verbose: raw.verbose === true,
  };
}

/** `--delimiter`: `,` `;` `tab` (or a literal tab) `|`; undefined when not given. */
export function parseDelimiter(value: unknown): CsvDelimiter | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (text === 'tab' || text === '\t') return '\t';
  if (text === ',' || text === ';' || text === '|') return text;
  throw new UsageError(`--delimiter must be one of , ; tab |, got ${JSON.stringify(text)}`);
}

/** `--bom` and `--delimiter` shape CSV text: with another format they are a mistake, not a no-op. */
export function checkCsvOnlyOptions(raw: Record<string, unknown>, format: string): void {
  if (format === 'csv') return;
  const given = [raw.bom === true ? '--bom' : '', raw.delimiter !== undefined ? '--delimiter' : ''].filter((name) => name !== '');
  if (given.length === 0) return;
  throw new UsageError(`${given.join(' and ')} ${given.length > 1 ? 'work' : 'works'} with --format csv, not ${format}`);
}
