import { CellKind, literalValue, type ScannedLead, type ScannedRows } from '../api/scanned-page.js';
import type { ColumnSet } from '../leads/column-set.js';
import { startsFormula } from '../leads/formula.js';
import type { ByteBuilder } from './byte-builder.js';
import { csvCellText, type CsvStyle } from './csv-text.js';

/**
 * The CSV records (as csvRecords writes them) and JSON objects (as the JSON
 * encoder writes them) of scanned leads, built by copying each value's
 * bytes from the page body. Only a string with an escape is decoded, and
 * written by the same code as a parsed lead's; a test holds the two paths
 * byte for byte equal. For writers that type each value (xlsx), the values
 * themselves, as parsing would give them.
 */

/** A first guess at the room a batch's output takes: about its page's size. */
export function scannedSize(leads: readonly ScannedLead[]): number {
  return leads[0]!.rows.body.length;
}

const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const CR = 0x0d;
const LF = 0x0a;

/** The records of `leads`, one page's; with `grow`, new columns are added first, as csvRecords does. */
export function scannedCsvRecords(leads: readonly ScannedLead[], columns: ColumnSet, grow: boolean, style: CsvStyle, out: ByteBuilder): void {
  if (grow) for (const lead of leads) columns.slotsOf(lead.rows.columns[lead.index]!, true);
  const width = columns.size;
  const delimiter = style.delimiter.charCodeAt(0);
  for (const lead of leads) {
    const { rows, index } = lead;
    const order = cellOrder(columns.slotsOf(rows.columns[index]!, grow), width);
    const first = rows.firstCell[index]!;
    for (let column = 0; column < width; column++) {
      if (column > 0) out.byte(delimiter);
      const cell = order[column]!;
      if (cell !== -1) csvCell(rows, first + cell, delimiter, style, out);
    }
    out.byte(CR);
    out.byte(LF);
  }
}

// cellOrder's last answer: consecutive leads share one slots array.
let lastSlots: readonly number[] | undefined;
let lastWidth = -1;
let lastOrder = new Int32Array(0);

/** For each output column, which of the lead's cells goes there (-1: none). */
function cellOrder(slots: readonly number[], width: number): Int32Array {
  if (slots === lastSlots && width === lastWidth) return lastOrder;
  const order = new Int32Array(width).fill(-1);
  for (let cell = 0; cell < slots.length; cell++) if (slots[cell]! >= 0) order[slots[cell]!] = cell;
  lastSlots = slots;
  lastWidth = width;
  lastOrder = order;
  return order;
}

function csvCell(rows: ScannedRows, cell: number, delimiter: number, style: CsvStyle, out: ByteBuilder): void {
  const { body, cells } = rows;
  const start = cells[cell * 3]!;
  const end = cells[cell * 3 + 1]!;
  switch (cells[cell * 3 + 2] as CellKind) {
    case CellKind.Null:
      return;
    case CellKind.Literal:
      out.copy(body, start, end);
      return;
    case CellKind.Escaped:
      out.text(csvCellText(JSON.parse(body.toString('utf8', start, end)) as string, style));
      return;
    case CellKind.Text:
      textCell(body, start, end, delimiter, style.escapeFormulas && start < end && startsFormula(body[start]!), out);
  }
}

/**
 * An unescaped JSON string's bytes as a CSV cell: after an apostrophe when
 * it looks like a formula, and in quotes when it holds the delimiter (it
 * cannot hold a quote, CR or LF), found while copying.
 */
function textCell(body: Buffer, start: number, end: number, delimiter: number, formula: boolean, out: ByteBuilder): void {
  const { buffer, at } = out.reserve(end - start + 3);
  let used = at;
  if (formula) buffer[used++] = APOSTROPHE;
  let holdsDelimiter = false;
  for (let i = start; i < end; i++) {
    const byte = body[i]!;
    if (byte === delimiter) holdsDelimiter = true;
    buffer[used++] = byte;
  }
  if (holdsDelimiter) {
    buffer.copyWithin(at + 1, at, used);
    buffer[at] = QUOTE;
    used++;
    buffer[used++] = QUOTE;
  }
  out.wrote(used);
}

const NULL = Buffer.from('null');

/** The lead as one flattened JSON object, as the JSON encoder writes a parsed one. */
export function scannedJsonObject(lead: ScannedLead, out: ByteBuilder): void {
  const { rows, index } = lead;
  const { body, cells } = rows;
  const keys = keyTexts(rows.columns[index]!);
  const first = rows.firstCell[index]!;
  out.byte(0x7b);
  for (let column = 0; column < keys.length; column++) {
    if (column > 0) out.byte(0x2c);
    const key = keys[column]!;
    out.copy(key, 0, key.length);
    const cell = (first + column) * 3;
    const start = cells[cell]!;
    const end = cells[cell + 1]!;
    switch (cells[cell + 2] as CellKind) {
      case CellKind.Null:
        out.copy(NULL, 0, NULL.length);
        break;
      case CellKind.Literal:
        out.copy(body, start, end);
        break;
      case CellKind.Escaped:
        // JSON.stringify writes some escapes otherwise (`\/` as `/`): written as a parsed value would be.
        out.text(JSON.stringify(JSON.parse(body.toString('utf8', start, end))));
        break;
      default:
        out.byte(QUOTE);
        out.copy(body, start, end);
        out.byte(QUOTE);
    }
  }
  out.byte(0x7d);
}

// keyTexts' last answer: consecutive leads share one columns array.
let lastColumns: readonly string[] | undefined;
let lastKeys: readonly Buffer[] = [];

/** Each column as a JSON key with its colon. */
function keyTexts(columns: readonly string[]): readonly Buffer[] {
  if (columns !== lastColumns) {
    lastKeys = columns.map((column) => Buffer.from(`${JSON.stringify(column)}:`));
    lastColumns = columns;
  }
  return lastKeys;
}

/** The lead's values in the set's column order (undefined where it has none), as toCells(flattenLead(lead)) gives a parsed lead's. */
export function scannedCells(lead: ScannedLead, columns: ColumnSet, grow: boolean): unknown[] {
  const { rows, index } = lead;
  const slots = columns.slotsOf(rows.columns[index]!, grow);
  const cells = new Array<unknown>(columns.size).fill(undefined);
  const first = rows.firstCell[index]!;
  for (let i = 0; i < slots.length; i++) if (slots[i]! >= 0) cells[slots[i]!] = cellValue(rows, first + i);
  return cells;
}

/** A cell's value as parseUtf8Json gives it: a number JavaScript cannot hold as written is an ExactNumber. */
function cellValue(rows: ScannedRows, cell: number): unknown {
  const { body, cells } = rows;
  const start = cells[cell * 3]!;
  const end = cells[cell * 3 + 1]!;
  switch (cells[cell * 3 + 2] as CellKind) {
    case CellKind.Null:
      return null;
    case CellKind.Text:
      return body.toString('utf8', start, end);
    case CellKind.Escaped:
      return JSON.parse(body.toString('utf8', start, end)) as string;
    case CellKind.Literal:
      return literalValue(body.toString('latin1', start, end));
  }
}
