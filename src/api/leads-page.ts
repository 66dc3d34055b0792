import type { Lead, LeadsPage } from './types.js';
import { isRecord, MalformedResponseError } from './errors.js';
import { isExactNumber, jsonText } from './exact-json.js';
import { heldInvalidUtf8 } from './utf8-json.js';

/**
 * Reads one page of the list-leads endpoint, whatever documented shape it
 * comes in. The vendor's page puts `next_page_token` inside `data.report` in
 * its example and directly under `data` in its schema, and says an exhausted
 * cursor "may be empty or null": read both places, and treat missing, null
 * and "" as the end. Rows are checked, not copied, so `--raw` writes them
 * exactly as they came.
 */
export function parseLeadsPage(body: unknown): LeadsPage {
  if (!isRecord(body)) throw new MalformedResponseError(`expected a JSON object, got ${describe(body)}`);
  const data = body.data;
  if (!isRecord(data)) throw new MalformedResponseError(`expected a "data" object, got ${describe(data)}`);
  const report = data.report;
  if (!isRecord(report)) throw new MalformedResponseError(`expected "data.report" to be an object, got ${describe(report)}`);
  const rows = report.rows;
  if (!Array.isArray(rows)) throw new MalformedResponseError(`expected "data.report.rows" to be an array, got ${describe(rows)}`);
  for (let index = 0; index < rows.length; index++) checkRow(rows[index], index);
  return {
    rows: rows as Lead[],
    nextPageToken: readToken(report.next_page_token, 'data.report') ?? readToken(data.next_page_token, 'data'),
    ...(heldInvalidUtf8(body) ? { invalidUtf8: true as const } : {}),
  };
}

/**
 * A check of every page read that warns once, on the first page whose body
 * held bytes that are not UTF-8, naming the first lead with a U+FFFD where
 * they were. Decoding them as U+FFFD (and saying so) keeps every other value;
 * failing would lose them all.
 */
export function invalidUtf8Check(warn: (message: string) => void): (page: LeadsPage) => void {
  let warned = false;
  return (page) => {
    if (warned || page.invalidUtf8 !== true) return;
    warned = true;
    const lead = page.rows.find((row) => jsonText(row).includes('\uFFFD'));
    const where = lead === undefined ? 'around the leads' : `in lead ${JSON.stringify(String(lead.id))}`;
    warn(`the API sent bytes that are not UTF-8 ${where}: written as U+FFFD (the replacement character)`);
  };
}

const TOKEN_KEY = Buffer.from('"next_page_token"');
const QUOTE = 0x22;
const COLON = 0x3a;
const BACKSLASH = 0x5c;

/**
 * The next page's token read straight from a page's bytes, so the next
 * request need not wait for the page to be parsed. Only when that is
 * certain: the key appears once (a `"next_page_token"` followed by `:` can
 * only be a key: a quote inside a string is escaped), and its value is a
 * plain printable ASCII string. Otherwise undefined, and parseLeadsPage,
 * which reads both documented places, has the last word either way.
 */
export function peekNextPageToken(body: Buffer): string | undefined {
  const at = body.indexOf(TOKEN_KEY);
  if (at === -1 || body.indexOf(TOKEN_KEY, at + 1) !== -1) return undefined;
  let start = skipSpace(body, at + TOKEN_KEY.length);
  if (body[start] !== COLON) return undefined;
  start = skipSpace(body, start + 1);
  if (body[start] !== QUOTE) return undefined;
  const end = body.indexOf(QUOTE, start + 1);
  if (end <= start + 1) return undefined;
  for (let i = start + 1; i < end; i++) {
    const byte = body[i]!;
    if (byte < 0x20 || byte >= 0x7f || byte === BACKSLASH) return undefined;
  }
  return body.toString('latin1', start + 1, end);
}

function skipSpace(body: Buffer, from: number): number {
  let i = from;
  while (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09) i++;
  return i;
}

function checkRow(row: unknown, index: number): void {
  if (!isRecord(row)) throw new MalformedResponseError(`row ${index + 1} is ${describe(row)}, not an object`);
  const id = row.id;
  if (!((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id)) || isExactNumber(id))) {
    throw new MalformedResponseError(`row ${index + 1} has no usable "id" (got ${describe(id)})`);
  }
  const fields = row.lead_data;
  if (fields === undefined || fields === null) return;
  if (!Array.isArray(fields)) {
    throw new MalformedResponseError(`lead ${String(id)}: "lead_data" is ${describe(fields)}, not an array`);
  }
  for (const field of fields) {
    if (!isRecord(field)) throw new MalformedResponseError(`lead ${String(id)}: a lead_data entry is ${describe(field)}, not an object`);
  }
}

/** A `next_page_token` value: missing, null and "" end the listing; a number is its text. */
export function readToken(value: unknown, where: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || isExactNumber(value)) return String(value);
  throw new MalformedResponseError(`"${where}.next_page_token" is ${describe(value)}, not a string`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
