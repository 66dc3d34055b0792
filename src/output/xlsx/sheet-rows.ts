import { isExactNumber, jsonText } from '../../api/exact-json.js';
import { scannedLeads } from '../../api/scanned-page.js';
import type { Lead } from '../../api/types.js';
import { toCells, type ColumnSet } from '../../leads/column-set.js';
import { flattenLead } from '../../leads/flatten.js';
import { scannedCells } from '../scanned-records.js';
import { columnLetters, DATE_STYLE, dateSerial, exactNumber, HEADER_STYLE, MAX_CELL_CHARS, textCell } from './cell-xml.js';

/** A value longer than a cell holds, cut to MAX_CELL_CHARS. */
export interface CutValue {
  lead: Lead;
  column: string;
  length: number;
}

/** Column widths follow the first this many values of each column. */
const WIDTH_SAMPLES = 100;
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
/** `yyyy-mm-dd hh:mm:ss` */
const DATE_TEXT_LENGTH = 19;
/** Room for the autofilter's drop-down button beside a header name. */
const FILTER_BUTTON = 3;

/**
 * Turns leads into worksheet rows: one typed cell per value (see the README:
 * text, numbers a spreadsheet holds exactly, booleans, created_at as a date;
 * null and empty text leave the cell out), and keeps the widths of the first
 * values of each column.
 */
export class SheetRows {
  readonly #columns: ColumnSet;
  readonly #grow: boolean;
  readonly #onCut: (cut: CutValue) => void;
  readonly #createdAt: number | undefined;
  readonly #letters: string[] = [];
  readonly #widest: number[] = [];
  readonly #samples: number[] = [];

  constructor(columns: ColumnSet, grow: boolean, onCut: (cut: CutValue) => void) {
    this.#columns = columns;
    this.#grow = grow;
    this.#onCut = onCut;
    this.#createdAt = columns.indexOf('created_at');
  }

  /** `<row>` elements for `leads`, numbered from `firstRow`. */
  encode(leads: readonly Lead[], firstRow: number): string {
    const scanned = scannedLeads(leads);
    let xml = '';
    for (let i = 0; i < leads.length; i++) {
      const lead = leads[i]!;
      const cells = scanned ? scannedCells(scanned[i]!, this.#columns, this.#grow) : toCells(flattenLead(lead), this.#columns, this.#grow);
      xml += this.#row(lead, cells, firstRow + i);
    }
    return xml;
  }

  /** Row 1: the column names, bold. */
  header(): string {
    let xml = '<row r="1">';
    this.#columns.names.forEach((name, i) => (xml += textCell(`${this.#letter(i)}1`, cut(name), HEADER_STYLE)));
    return `${xml}</row>`;
  }

  /** Width of each column, in characters. */
  widths(): number[] {
    return this.#columns.names.map((name, i) => {
      const widest = Math.max(Math.min(name.length, MAX_WIDTH) + FILTER_BUTTON, this.#widest[i] ?? 0);
      return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widest + 2));
    });
  }

  #row(lead: Lead, cells: readonly unknown[], number: number): string {
    const row = String(number);
    let xml = `<row r="${row}">`;
    for (let i = 0; i < cells.length; i++) {
      const value = cells[i];
      if (value === null || value === undefined || value === '') continue;
      xml += this.#cell(lead, i, value, this.#letter(i) + row);
    }
    return `${xml}</row>`;
  }

  #cell(lead: Lead, index: number, value: unknown, ref: string): string {
    if (typeof value === 'boolean') {
      this.#measure(index, 5);
      return `<c r="${ref}" t="b"><v>${value ? 1 : 0}</v></c>`;
    }
    if (typeof value === 'number' || isExactNumber(value)) {
      // The literal the API sent: a JS number's own text, or the text an ExactNumber kept.
      const literal = String(value);
      const number = exactNumber(literal);
      if (number === undefined) return this.#text(lead, index, literal, ref);
      this.#measure(index, number.length);
      return `<c r="${ref}"><v>${number}</v></c>`;
    }
    if (typeof value === 'string') {
      const serial = index === this.#createdAt ? dateSerial(value) : undefined;
      if (serial === undefined) return this.#text(lead, index, value, ref);
      this.#measure(index, DATE_TEXT_LENGTH);
      return `<c r="${ref}" s="${DATE_STYLE}"><v>${serial}</v></c>`;
    }
    return this.#text(lead, index, jsonText(value), ref);
  }

  #text(lead: Lead, index: number, text: string, ref: string): string {
    if (text.length > MAX_CELL_CHARS) this.#onCut({ lead, column: this.#columns.names[index]!, length: text.length });
    this.#measure(index, text.length);
    return textCell(ref, cut(text));
  }

  #measure(index: number, length: number): void {
    const samples = this.#samples[index] ?? 0;
    if (samples >= WIDTH_SAMPLES) return;
    this.#samples[index] = samples + 1;
    this.#widest[index] = Math.max(this.#widest[index] ?? 0, Math.min(length, MAX_WIDTH));
  }

  #letter(index: number): string {
    return (this.#letters[index] ??= columnLetters(index));
  }
}

/** Text cut to what a cell holds, never between the halves of a surrogate pair. */
function cut(text: string): string {
  if (text.length <= MAX_CELL_CHARS) return text;
  const last = text.charCodeAt(MAX_CELL_CHARS - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_CELL_CHARS - 1 : MAX_CELL_CHARS);
}
