import { jsonText } from '../api/exact-json.js';
import type { Lead } from '../api/types.js';
import type { ColumnSet } from '../leads/column-set.js';
import { leadColumns, leadValue } from '../leads/flatten.js';
import { escapeFormula } from '../leads/formula.js';

/** The field separators `--delimiter` offers: comma, semicolon (Excel in many European locales), tab, pipe. */
export type CsvDelimiter = ',' | ';' | '\t' | '|';

/** How CSV text is written: the separator, and whether formula-like cells get a leading `'`. */
export interface CsvStyle {
  readonly delimiter: CsvDelimiter;
  readonly escapeFormulas: boolean;
}

/** U+FEFF, written as EF BB BF: how Excel on Windows knows a CSV is UTF-8. */
export const UTF8_BOM = '\uFEFF';

// A field holding a lone CR must be quoted too: the spool's padding scan
// takes every CR outside quotes for the start of a record delimiter.
const NEEDS_QUOTES: Readonly<Record<CsvDelimiter, RegExp>> = {
  ',': /[",\r\n]/,
  ';': /[";\r\n]/,
  '\t': /["\t\r\n]/,
  '|': /["|\r\n]/,
};

/**
 * One RFC 4180 record with exactly `width` cells (a lead that lacks the
 * trailing columns gets empty cells), ended by CRLF. Fields are quoted only
 * when they hold the delimiter, a quote, a CR or an LF; with a comma the output is the same as
 * csv-stringify's with `record_delimiter: '\r\n', quote_record_delimiter:
 * true` (a test holds the two equal), at a fraction of its per-field cost,
 * which dominated a large export.
 */
export function csvRecord(cells: readonly unknown[], width: number, style: CsvStyle): string {
  const { delimiter, escapeFormulas } = style;
  const needsQuotes = NEEDS_QUOTES[delimiter];
  let text = '';
  for (let i = 0; i < width; i++) text += (i === 0 ? '' : delimiter) + csvField(csvCell(cells[i], escapeFormulas), needsQuotes);
  return text + '\r\n';
}

/**
 * The records for a page of leads. With `grow`, columns new to `columns` are
 * added as the leads are read, and every row of the page gets the width
 * reached after its last lead.
 */
export function csvRecords(leads: readonly Lead[], columns: ColumnSet, grow: boolean, style: CsvStyle): string {
  // Positions are cached per columns array, so this first pass is cheap.
  if (grow) for (const lead of leads) columns.slotsOf(leadColumns(lead), true);
  const width = columns.size;
  let text = '';
  for (const lead of leads) text += leadRecord(lead, columns.slotsOf(leadColumns(lead), grow), width, style);
  return text;
}

/** csvRecord of the lead's cells, read straight from the lead (flattenLead's values, placed by `slots`). */
function leadRecord(lead: Lead, slots: readonly number[], width: number, style: CsvStyle): string {
  const cells = rowCells;
  cells.length = width;
  cells.fill(undefined);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (slot >= 0) cells[slot] = leadValue(lead, i);
  }
  return csvRecord(cells, width, style);
}

// Reused from lead to lead: a row's cells are encoded before the next row is read.
const rowCells: unknown[] = [];

/** The header record; column names are user data too, so they are formula-escaped alike. */
export function csvHeader(names: readonly string[], style: CsvStyle): string {
  return csvRecord(names, names.length, style);
}

/** What a CSV output starts with: the byte-order mark and the header, each when asked for. */
export function csvStart(names: readonly string[], header: boolean, bom: boolean, style: CsvStyle): string {
  return (bom ? UTF8_BOM : '') + (header ? csvHeader(names, style) : '');
}

/** One cell's text as csvRecord writes it, quoted when it must be. */
export function csvCellText(value: unknown, style: CsvStyle): string {
  return csvField(csvCell(value, style.escapeFormulas), NEEDS_QUOTES[style.delimiter]);
}

/** Strings as-is (formula-escaped on request), null/undefined empty, anything else its JSON text (numbers exactly as sent). */
function csvCell(value: unknown, escapeFormulas: boolean): string {
  if (typeof value === 'string') return escapeFormulas ? escapeFormula(value) : value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return jsonText(value);
  return String(value);
}

/**
 * A lone UTF-16 surrogate (a `\ud83d` escape with no partner, legal in JSON)
 * has no UTF-8 form: the writer puts U+FFFD in its place. This tells the user
 * so, once per output, naming the first lead it happened to.
 */
export class LoneSurrogateCheck {
  readonly #warn: ((message: string) => void) | undefined;
  readonly #output: string;
  #warned = false;

  /** `output` names what the U+FFFD is written to (`CSV`, `workbook`). */
  constructor(warn: ((message: string) => void) | undefined, output = 'CSV') {
    this.#warn = warn;
    this.#output = output;
  }

  /** Checks a page's text (a native scan); only a page that fails is searched for the lead. */
  check(leads: readonly Lead[], text: string): void {
    if (this.#warned || isWellFormed(text)) return;
    const lead = leads.find(holdsLoneSurrogate);
    if (lead === undefined) return;
    this.#warned = true;
    this.#warn?.(
      `lead ${JSON.stringify(String(lead.id))} holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which UTF-8 cannot carry: ` +
        `written to the ${this.#output} as U+FFFD (JSONL and JSON keep the escape)`,
    );
  }
}

function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return !isWellFormed(value);
  return typeof value === 'object' && value !== null && Object.values(value).some(holdsLoneSurrogate);
}

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 typings.
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

function csvField(text: string, needsQuotes: RegExp): string {
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
