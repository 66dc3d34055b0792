import { parseLeadTime } from '../../leads/time.js';

/** The most characters one cell holds (Excel's limit, in UTF-16 units). */
export const MAX_CELL_CHARS = 32_767;

/** Indexes into styles.xml's cellXfs (see package-parts.ts). */
export const HEADER_STYLE = 1;
export const DATE_STYLE = 2;

/** Excel keeps 15 significant digits; a number with more would be shown, and saved back, altered. */
const MAX_SIGNIFICANT_DIGITS = 15;

const MS_PER_DAY = 86_400_000;
/** Excel's serial day number of 1970-01-01 (1900 date system). */
const UNIX_EPOCH_SERIAL = 25_569;
/** 1900-03-01 to 9999-12-31: before March 1900 Excel's serials are off by its 1900 leap-year bug. */
const FIRST_DATE_SERIAL = 61;
const LAST_DATE_SERIAL = 2_958_466;

/** 0 → A, 25 → Z, 26 → AA, 16383 → XFD. */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
// What an XML element cannot hold (C0 controls but tab and LF; U+FFFE, U+FFFF), CR (an XML parser would
// read it as LF), and the underscore of a literal `_xHHHH_` (a reader would take it for an escape).
const NEEDS_ESCAPE = /[&<>\u0000-\u0008\u000B-\u001F\uFFFE\uFFFF]|_(?=x[0-9A-Fa-f]{4}_)/g;

/**
 * Text as the content of an OOXML `<t>` element: `& < >` as entities, and
 * what XML cannot carry as the `_xHHHH_` escape spreadsheets decode (a
 * literal `_x0041_` in the value becomes `_x005F_x0041_`, so it reads back
 * as itself). Lone surrogates become U+FFFD when the text is encoded as UTF-8.
 */
export function xmlText(text: string): string {
  return text.replace(NEEDS_ESCAPE, (match) => ENTITIES[match] ?? `_x${match.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/** An inline text cell; `style` 0 is the default. */
export function textCell(ref: string, text: string, style = 0): string {
  // Leading or trailing whitespace is kept only when the element says so.
  const space = text.trim() === text ? '' : ' xml:space="preserve"';
  return `<c r="${ref}"${style === 0 ? '' : ` s="${style}"`} t="inlineStr"><is><t${space}>${xmlText(text)}</t></is></c>`;
}

/**
 * The shortest text of the number a JSON literal names, when a spreadsheet
 * can hold it exactly: a finite double of the same value, at most 15
 * significant digits, not minus zero. Otherwise undefined: the cell is text.
 */
export function exactNumber(literal: string): string | undefined {
  const number = Number(literal);
  if (!Number.isFinite(number) || (number === 0 && literal.trimStart().startsWith('-'))) return undefined;
  const shortest = String(number);
  const key = decimalKey(shortest);
  if (key === undefined || key.digits.length > MAX_SIGNIFICANT_DIGITS) return undefined;
  const given = decimalKey(literal);
  return given !== undefined && given.sign === key.sign && given.digits === key.digits && given.exponent === key.exponent ? shortest : undefined;
}

interface DecimalKey {
  sign: string;
  /** Significant digits, no leading or trailing zeros ('' for zero). */
  digits: string;
  /** Power of ten of the first significant digit. */
  exponent: number;
}

function decimalKey(text: string): DecimalKey | undefined {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const all = whole + fraction;
  const first = all.search(/[1-9]/);
  if (first === -1) return { sign: '', digits: '', exponent: 0 };
  return { sign, digits: all.slice(first).replace(/0+$/, ''), exponent: whole.length - first - 1 + Number(exponent) };
}

/** A created_at text as an Excel date serial (UTC), or undefined when it is no date Excel can show. */
export function dateSerial(value: unknown): number | undefined {
  const ms = parseLeadTime(value);
  if (ms === undefined) return undefined;
  const serial = ms / MS_PER_DAY + UNIX_EPOCH_SERIAL;
  return serial >= FIRST_DATE_SERIAL && serial < LAST_DATE_SERIAL ? serial : undefined;
}
