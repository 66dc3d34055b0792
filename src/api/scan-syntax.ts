import { BASE_COLUMNS } from '../leads/flatten.js';

/**
 * What page-scan.ts reads JSON text with: one regular expression that
 * checks a whole compact row, and searches that find the next backslash or
 * control character in one pass per page.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A compact row's keys, with what comes before each: the base columns in flattenLead's order, then lead_data; then a field's. */
export const ROW_KEYS = [...BASE_COLUMNS, 'lead_data'].map((key, i) => `${i === 0 ? '{' : ','}"${key}":`);
export const FIELD_KEYS = ['{"field_name":', ',"field_type":', ',"field_value":'];
const STRING = String.raw`"[^"\\\x00-\x1f]*(?:\\["\\/bfnrt][^"\\\x00-\x1f]*)*"`;
const NUMBER_SYNTAX = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const SCALAR = String.raw`(?:${STRING}|null|true|false|${NUMBER_SYNTAX})`;
const FIELD = String.raw`\{"field_name":(?:${STRING}|null),"field_type":${STRING},"field_value":${SCALAR}\}`;
/** One compact row, checked whole: see #compactRow. */
export const COMPACT_ROW = new RegExp(
  ROW_KEYS.slice(0, BASE_COLUMNS.length).map((key) => escapeRegExp(key) + SCALAR).join('') +
    String.raw`,"lead_data":(?:null|\[(?:${FIELD}(?:,${FIELD})*)?\])\}`,
  'y',
);
// The escapes JSON has besides `\u` (pages holding one of those are not scanned).
export const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((char) => char.charCodeAt(0)));
export const NUMBER = new RegExp(`^${NUMBER_SYNTAX}$`);
const CONTROL = /[\x00-\x1f]/g;

/**
 * Where something next occurs in the page at or after a position, for
 * positions asked about mostly in increasing order: each occurrence is found
 * by one native search however often it is asked for, so a page costs about
 * one pass per kind of thing sought. `find` gives -1 for none.
 */
export class NextMatch {
  readonly #find: (from: number) => number;
  #from = Infinity;
  #found = -1;

  constructor(find: (from: number) => number) {
    this.#find = find;
  }

  /** The first occurrence at or after `position`; Infinity for none. */
  from(position: number): number {
    if (position < this.#from || this.#found < position) {
      this.#from = position;
      const found = this.#find(position);
      this.#found = found === -1 ? Infinity : found;
    }
    return this.#found;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[{}[\]\\]/g, '\\$&');
}

/** Where a well-formed string whose text starts at `start` and holds an escape ends: its closing quote. */
export function escapedEnd(text: string, start: number): number {
  let i = start;
  for (let code = text.charCodeAt(i); code !== QUOTE; code = text.charCodeAt(++i)) if (code === BACKSLASH) i++;
  return i;
}

export function isNumberChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2b || code === 0x2e || code === 0x45 || code === 0x65;
}

export function controlFrom(text: string, from: number): number {
  CONTROL.lastIndex = from;
  return CONTROL.exec(text)?.index ?? -1;
}
