import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { LeadsQuery } from '../api/paginate.js';
import { UsageError } from '../errors.js';
import type { CsvDelimiter } from '../output/csv-text.js';
import { parseChatbotList, parseChatbotsFile, uniqueChatbots, type ChatbotRef } from '../leads/chatbot-list.js';

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

/**
 * `-c` as repeated on the command line (an array), or a stored or
 * environment setting (a string), which may hold a list: `12/abc,31/xyz`.
 */
function parseChatbots(raw: Record<string, unknown>, listed: readonly ChatbotRef[]): ChatbotRef[] {
  const values = Array.isArray(raw.chatbot)
    ? raw.chatbot.map(String)
    : typeof raw.chatbot === 'string'
      ? raw.chatbot.split(/[,\s]+/).filter((value) => value !== '')
      : [];
  const project = parseCount('--project', raw.project, 0);
  const chatbots = uniqueChatbots([...parseChatbotList(values, project), ...listed]);
  if (chatbots.length === 0) {
    throw new UsageError(
      '--chatbot is required (or set ROBOFY_CHATBOT, or `robofy config set chatbot <id>`); several: -c PROJECT/CHATBOT repeated, or --chatbots-from FILE',
    );
  }
  return chatbots;
}

/** `--chatbots-from FILE` (`-` is stdin): the chatbots it lists, or none when the option was not given. */
export async function readChatbotsFrom(value: unknown, stdin: Readable): Promise<ChatbotRef[]> {
  const path = optionalString(value);
  if (path === undefined) return [];
  let content: string;
  try {
    content = path === '-' ? await text(stdin) : await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --chatbots-from ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseChatbotsFile(content, path === '-' ? 'stdin' : path);
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
  /** The first chatbot's listing: with one chatbot, the only one. */
  query: LeadsQuery;
  /** Every chatbot's listing, in the order given, each named once. */
  queries: LeadsQuery[];
  retries: number;
  timeoutMs: number;
  quiet: boolean;
  verbose: boolean;
}

/** `listed`: the chatbots of `--chatbots-from`, read beforehand (readChatbotsFrom); they come after the `-c` ones. */
export function parseLeadsCommandOptions(raw: Record<string, unknown>, listed: readonly ChatbotRef[] = []): LeadsCommandOptions {
  const sessionId = optionalString(raw.session);
  const chatbots = parseChatbots(raw, listed);
  if (sessionId !== undefined && chatbots.length > 1) throw new UsageError('--session goes with one chatbot: a session belongs to one');
  const queries = chatbots.map((ref): LeadsQuery => ({ ...ref, sessionId }));
  return {
    query: queries[0]!,
    queries,
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
