import { jsonText } from '../api/exact-json.js';
import type { Lead } from '../api/types.js';
import type { ColumnSet } from '../leads/column-set.js';
import { leadColumns, leadValue } from '../leads/flatten.js';
import { escapeFormula } from '../leads/formula.js';

// A field holding a lone CR must be quoted too: the spool's padding scan
// takes every CR outside quotes for the start of a record delimiter.
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One RFC 4180 record with exactly `width` cells (a lead that lacks the
 * trailing columns gets empty cells), ended by CRLF. Fields are quoted only
 * when they hold a comma, a quote, a CR or an LF; the output is the same as
 * csv-stringify's with `record_delimiter: '\r\n', quote_record_delimiter:
 * true` (a test holds the two equal), at a fraction of its per-field cost,
 * which dominated a large export.
 */
export function csvRecord(cells: readonly unknown[], width: number, escapeFormulas: boolean): string {
  let text = '';
  for (let i = 0; i < width; i++) text += (i === 0 ? '' : ',') + csvField(csvCell(cells[i], escapeFormulas));
  return text + '\r\n';
}

/**
 * The records for a page of leads. With `grow`, columns new to `columns` are
 * added as the leads are read, and every row of the page gets the width
 * reached after its last lead.
 */
export function csvRecords(leads: readonly Lead[], columns: ColumnSet, grow: boolean, escapeFormulas: boolean): string {
  // Positions are cached per columns array, so this first pass is cheap.
  if (grow) for (const lead of leads) columns.slotsOf(leadColumns(lead), true);
  const width = columns.size;
  let text = '';
  for (const lead of leads) text += leadRecord(lead, columns.slotsOf(leadColumns(lead), grow), width, escapeFormulas);
  return text;
}

/** csvRecord of the lead's cells, read straight from the lead (flattenLead's values, placed by `slots`). */
function leadRecord(lead: Lead, slots: readonly number[], width: number, escapeFormulas: boolean): string {
  const cells = rowCells;
  cells.length = width;
  cells.fill(undefined);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (slot >= 0) cells[slot] = leadValue(lead, i);
  }
  return csvRecord(cells, width, escapeFormulas);
}

// Reused from lead to lead: a row's cells are encoded before the next row is read.
const rowCells: unknown[] = [];

/** The header record; column names are user data too, so they are formula-escaped alike. */
export function csvHeader(names: readonly string[], escapeFormulas: boolean): string {
  return csvRecord(names, names.length, escapeFormulas);
}

/** Strings as-is (formula-escaped on request), null/undefined empty, anything else its JSON text (numbers exactly as sent). */
function csvCell(value: unknown, escapeFormulas: boolean): string {
  if (typeof value === 'string') return escapeFormulas ? escapeFormula(value) : value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return jsonText(value);
  return String(value);
}

function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
