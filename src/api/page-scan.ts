import { isUtf8 } from 'node:buffer';
import { BASE_COLUMNS, columnsOfNames } from '../leads/flatten.js';
import {
  COMPACT_ROW,
  controlFrom,
  escapedEnd,
  FIELD_KEYS,
  isNumberChar,
  NextMatch,
  NUMBER,
  ROW_KEYS,
  SIMPLE_ESCAPES,
} from './scan-syntax.js';
import { isExactNumber } from './exact-json.js';
import { readToken } from './leads-page.js';
import { CellKind, literalValue, ScannedLead, ScannedPage, type ScannedRows } from './scanned-page.js';
import type { Lead } from './types.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LOWER_F = 0x66;
const BACKSLASH_U = Buffer.from('\\u');
const LEAD_DATA_SLOT = -2;
const OTHER_KEY = -1;

/** Thrown inside the scan for anything it does not take on; the page is then parsed the ordinary way. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

/**
 * The page read from its bytes, or undefined when it is not the plain case
 * this reader takes on: valid UTF-8 with no `\u` escape, every row an object
 * with a usable string or integer id, base values and field values that are
 * strings, numbers, booleans or null, field names that are strings or null,
 * no key of the envelope, a row or a field given twice. Anything else,
 * including everything JSON.parse would reject, is left to parseUtf8Json
 * and parseLeadsPage, which then give the same leads or the same error as
 * always. The answer is all or nothing per page.
 */
export function scanPage(body: Buffer): ScannedPage | undefined {
  if (body.includes(BACKSLASH_U) || !isUtf8(body)) return undefined;
  try {
    return new Scanner(body).page();
  } catch (error) {
    // A RangeError: values nested deeper than the scan's recursion goes, which JSON.parse copes with.
    if (error === NOT_PLAIN || error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * Reads the body through its Latin-1 view (one character per byte, so
 * offsets are byte offsets) to use the engine's own string search. A row
 * as the API writes it is checked by one regular expression and then only
 * walked (#compactRow); any other is read token by token, where a string
 * ends at the next quote unless a backslash comes first, and holds no raw
 * control character (JSON.parse refuses those).
 */
class Scanner {
  readonly #body: Buffer;
  readonly #text: string;
  #at = 0;
  // The next backslash and the next control character, each found once (see NextMatch).
  readonly #backslash: NextMatch;
  readonly #control: NextMatch;
  // (start, end, kind) of every cell so far; -1 kinds are places not filled yet.
  readonly #cells: number[] = [];
  readonly #firstCell: number[] = [];
  readonly #columns: (readonly string[])[] = [];
  readonly #ids: (string | number)[] = [];
  readonly #createdAt: unknown[] = [];
  // The envelope's members read so far, by path: the rows (read into the fields above) and the token's two places.
  readonly #found = new Map<string, unknown>();
  // The lead's and its predecessor's field names as (start, end, kind), to see that a lead has its predecessor's form.
  #names: number[] = [];
  #previousNames: number[] = [];

  constructor(body: Buffer) {
    this.#body = body;
    this.#text = body.toString('latin1');
    const text = this.#text;
    this.#backslash = new NextMatch((from) => text.indexOf('\\', from));
    // Only rows that are not compact look for control characters.
    this.#control = new NextMatch((from) => controlFrom(text, from));
  }

  page(): ScannedPage {
    this.#object((key) => key === 'data' && this.#once('data', () => this.#object((inData) => this.#dataMember(inData))));
    this.#space();
    if (this.#at !== this.#text.length || !this.#found.has('data.report.rows')) throw NOT_PLAIN;
    this.#firstCell.push(this.#cells.length / 3);
    const scanned: ScannedRows = {
      body: copyOf(this.#body),
      cells: Int32Array.from(this.#cells),
      firstCell: Int32Array.from(this.#firstCell),
      columns: this.#columns,
    };
    const rows = this.#ids.map((id, index) => new ScannedLead(id, this.#createdAt[index], scanned, index) as unknown as Lead);
    const token = readToken(this.#found.get('data.report.next_page_token'), 'data.report') ?? readToken(this.#found.get('data.next_page_token'), 'data');
    return new ScannedPage(rows, token);
  }

  #dataMember(key: string): boolean {
    if (key === 'next_page_token') return this.#once('data.next_page_token', () => this.#tokenValue());
    return key === 'report' && this.#once('data.report', () => this.#object((inReport) => this.#reportMember(inReport)));
  }

  #reportMember(key: string): boolean {
    if (key === 'next_page_token') return this.#once('data.report.next_page_token', () => this.#tokenValue());
    return key === 'rows' && this.#once('data.report.rows', () => this.#rowArray());
  }

  /** Reads the value of the envelope member `path` into #found; a key given twice is JSON.parse's last one, not taken on here. */
  #once(path: string, read: () => unknown): true {
    if (this.#found.has(path)) throw NOT_PLAIN;
    this.#found.set(path, read());
    return true;
  }

  #rowArray(): void {
    this.#list(() => this.#row());
  }

  /** One row: its five base cells first (in place, whatever the key order), then one per field. */
  #row(): void {
    const cells = this.#cells;
    const first = cells.length;
    this.#firstCell.push(first / 3);
    for (let i = 0; i < BASE_COLUMNS.length; i++) cells.push(0, 0, -1);
    const previous = this.#previousNames;
    this.#previousNames = this.#names;
    this.#names = previous;
    previous.length = 0;
    if (!this.#compactRow(first)) this.#anyRow(first);
    for (let i = first + 2; i < first + BASE_COLUMNS.length * 3; i += 3) if (cells[i] === -1) cells[i] = CellKind.Null;
    this.#columns.push(this.#sameForm() ? this.#columns.at(-1)! : columnsOfNames(this.#decodedNames()));
    this.#ids.push(this.#id(first));
    this.#createdAt.push(this.#valueOf(first + 3));
  }

  /**
   * A row as the API writes one: compact, with the five base keys and
   * lead_data in flattenLead's order and each field as `field_name`,
   * `field_type`, `field_value`. COMPACT_ROW checks all of it, value syntax
   * included, in one native match; the walk after it only notes where the
   * values are. False, with nothing read, for any other row.
   */
  #compactRow(first: number): boolean {
    COMPACT_ROW.lastIndex = this.#at;
    if (!COMPACT_ROW.test(this.#text)) return false;
    const text = this.#text;
    const cells = this.#cells;
    const names = this.#names;
    let at = this.#at + ROW_KEYS[0]!.length;
    for (let i = 0; i < BASE_COLUMNS.length; i++) at = this.#walkValue(at, cells, first + i * 3) + ROW_KEYS[i + 1]!.length;
    if (text.charCodeAt(at) === LOWER_N) at += 'null'.length;
    else if (text.charCodeAt(at + 1) === CLOSE_BRACKET) at += '[]'.length;
    else {
      // At `[`, then at each `,` between fields.
      do {
        names.push(0, 0, 0);
        at = this.#walkValue(at + 1 + FIELD_KEYS[0]!.length, names, names.length - 3);
        at = this.#walkValue(at + FIELD_KEYS[1]!.length, SKIPPED, 0);
        cells.push(0, 0, 0);
        at = this.#walkValue(at + FIELD_KEYS[2]!.length, cells, cells.length - 3) + 1;
      } while (text.charCodeAt(at) === COMMA);
      at++;
    }
    // Past the row's `}`, where the match ended; if the walk misread the row, the parser reads the page (tests require the scan).
    if (++at !== COMPACT_ROW.lastIndex) throw NOT_PLAIN;
    this.#at = at;
    return true;
  }

  /** Notes where the (well-formed) value at `at` lies, as #scalar does; returns where it ends. */
  #walkValue(at: number, into: number[], offset: number): number {
    const text = this.#text;
    const code = text.charCodeAt(at);
    let end: number;
    let kind: CellKind = CellKind.Literal;
    if (code === QUOTE) {
      end = text.indexOf('"', at + 1);
      if (this.#backslash.from(at + 1) > end) {
        into[offset] = at + 1;
        into[offset + 1] = end;
        into[offset + 2] = CellKind.Text;
        return end + 1;
      }
      end = escapedEnd(text, at + 1) + 1;
      kind = CellKind.Escaped;
    } else if (code === LOWER_N) {
      into[offset + 2] = CellKind.Null;
      return at + 'null'.length;
    } else if (code === LOWER_T) end = at + 'true'.length;
    else if (code === LOWER_F) end = at + 'false'.length;
    else for (end = at; isNumberChar(text.charCodeAt(end)); end++);
    into[offset] = at;
    into[offset + 1] = end;
    into[offset + 2] = kind;
    return end;
  }

  #anyRow(first: number): void {
    const cells = this.#cells;
    let fieldsSeen = false;
    // Written out rather than through #members: this loop and #anyField's run for every lead and field.
    this.#expect(OPEN_BRACE);
    for (let more = this.#peek() !== CLOSE_BRACE; more; more = this.#more(CLOSE_BRACE)) {
      const start = this.#keyStart();
      const end = this.#keyEnd(start);
      const slot = this.#baseSlot(start, end);
      if (slot >= 0) {
        if (cells[first + slot * 3 + 2] !== -1) throw NOT_PLAIN;
        this.#scalar(cells, first + slot * 3);
      } else if (slot === LEAD_DATA_SLOT) {
        if (fieldsSeen) throw NOT_PLAIN;
        fieldsSeen = true;
        this.#fields();
      } else this.#skipValue();
    }
    this.#at++;
  }

  /** The lead_data array: a cell for each field's value, and its name noted. */
  #fields(): void {
    if (this.#text.charCodeAt(this.#at) === LOWER_N) {
      this.#word('null');
      return;
    }
    this.#expect(OPEN_BRACKET);
    for (let more = this.#peek() !== CLOSE_BRACKET; more; more = this.#more(CLOSE_BRACKET)) this.#anyField();
    this.#at++;
  }

  #anyField(): void {
    const cells = this.#cells;
    const value = cells.length;
    cells.push(0, 0, -1);
    const names = this.#names;
    const name = names.length;
    names.push(0, 0, -1);
    this.#expect(OPEN_BRACE);
    for (let more = this.#peek() !== CLOSE_BRACE; more; more = this.#more(CLOSE_BRACE)) {
      const start = this.#keyStart();
      const end = this.#keyEnd(start);
      if (this.#keyIs(start, end, 'field_value')) {
        if (cells[value + 2] !== -1) throw NOT_PLAIN;
        this.#scalar(cells, value);
      } else if (this.#keyIs(start, end, 'field_name')) {
        if (names[name + 2] !== -1) throw NOT_PLAIN;
        this.#scalar(names, name);
        // A number or boolean name is written with String(name): not taken on here.
        if (names[name + 2] === CellKind.Literal) throw NOT_PLAIN;
      } else this.#skipValue();
    }
    this.#at++;
    if (cells[value + 2] === -1) cells[value + 2] = CellKind.Null;
    if (names[name + 2] === -1) names[name + 2] = CellKind.Null;
  }

  /** True when this lead's field names are, byte for byte, its predecessor's on this page. */
  #sameForm(): boolean {
    const names = this.#names;
    const previous = this.#previousNames;
    if (this.#columns.length === 0 || names.length !== previous.length) return false;
    const text = this.#text;
    for (let i = 0; i < names.length; i += 3) {
      const start = names[i]!;
      const length = names[i + 1]! - start;
      const before = previous[i]!;
      if (names[i + 2] !== previous[i + 2] || previous[i + 1]! - before !== length) return false;
      for (let j = 0; j < length; j++) if (text.charCodeAt(start + j) !== text.charCodeAt(before + j)) return false;
    }
    return true;
  }

  /** The field names as flattenLead reads them: a string, or undefined for an absent or null one. */
  #decodedNames(): (string | undefined)[] {
    const names = this.#names;
    const decoded: (string | undefined)[] = [];
    for (let i = 0; i < names.length; i += 3) {
      const kind = names[i + 2] as CellKind;
      decoded.push(kind === CellKind.Null ? undefined : this.#string(names[i]!, names[i + 1]!, kind));
    }
    return decoded;
  }

  /** The id as checkRow takes it: a non-empty string, or a number JavaScript holds exactly. */
  #id(cell: number): string | number {
    const id = this.#value(this.#cells, cell);
    if ((typeof id === 'string' && id !== '') || typeof id === 'number') return id;
    throw NOT_PLAIN;
  }

  /** A base value as JSON.parse gives it, for what reads created_at; not an ExactNumber. */
  #valueOf(cell: number): unknown {
    const value = this.#value(this.#cells, cell);
    if (isExactNumber(value)) throw NOT_PLAIN;
    return value;
  }

  /** The value of the cell at `at` in `cells`, as parseUtf8Json gives it. */
  #value(cells: readonly number[], at: number): unknown {
    const start = cells[at]!;
    const end = cells[at + 1]!;
    const kind = cells[at + 2] as CellKind;
    if (kind === CellKind.Null) return null;
    return kind === CellKind.Literal ? literalValue(this.#text.slice(start, end)) : this.#string(start, end, kind);
  }

  #string(start: number, end: number, kind: CellKind): string {
    const text = this.#body.toString('utf8', start, end);
    return kind === CellKind.Escaped ? (JSON.parse(text) as string) : text;
  }

  /** Which base column a row key names (its index), LEAD_DATA_SLOT for lead_data, OTHER_KEY for the rest. */
  #baseSlot(start: number, end: number): number {
    for (let i = 0; i < BASE_COLUMNS.length; i++) if (this.#keyIs(start, end, BASE_COLUMNS[i]!)) return i;
    return this.#keyIs(start, end, 'lead_data') ? LEAD_DATA_SLOT : OTHER_KEY;
  }

  #keyIs(start: number, end: number, name: string): boolean {
    return end - start === name.length && this.#text.startsWith(name, start);
  }

  /** An object of named members: `member` reads the value of a key whose text is start..end (see #keyEnd), or skips it. */
  #members(member: (start: number, end: number) => void): void {
    this.#expect(OPEN_BRACE);
    for (let more = this.#peek() !== CLOSE_BRACE; more; more = this.#more(CLOSE_BRACE)) {
      const start = this.#keyStart();
      member(start, this.#keyEnd(start));
    }
    this.#at++;
  }

  /** After a member or an element: true at a comma (consumed), false at `close` (left in place). */
  #more(close: number): boolean {
    const next = this.#peek();
    if (next === COMMA) {
      this.#at++;
      return true;
    }
    if (next !== close) throw NOT_PLAIN;
    return false;
  }

  /** Where the key at the cursor starts, past its opening quote. */
  #keyStart(): number {
    this.#space();
    return this.#at + 1;
  }

  /** Reads the key and its colon; where its text ends. An escaped key gets an empty range: no name matches it, so it is skipped. */
  #keyEnd(start: number): number {
    const kind = this.#stringEnd();
    const end = kind === CellKind.Escaped ? start : this.#at - 1;
    this.#expect(COLON);
    this.#space();
    return end;
  }

  /** The envelope's objects: `member` is given each key's text and reads its value, or returns false to have it skipped. */
  #object(member: (key: string) => boolean): void {
    this.#members((start, end) => {
      if (start === end || !member(this.#text.slice(start, end))) this.#skipValue();
    });
  }

  /** An array: `item` reads each element. */
  #list(item: () => void): void {
    this.#expect(OPEN_BRACKET);
    for (let more = this.#peek() !== CLOSE_BRACKET; more; more = this.#more(CLOSE_BRACKET)) {
      this.#space();
      item();
    }
    this.#at++;
  }

  /** Reads a string, number, boolean or null into `into` at `offset` as (start, end, kind). */
  #scalar(into: number[], offset: number): void {
    const code = this.#text.charCodeAt(this.#at);
    const start = this.#at;
    if (code === QUOTE) {
      const kind = this.#stringEnd();
      const escaped = kind === CellKind.Escaped;
      into[offset] = escaped ? start : start + 1;
      into[offset + 1] = escaped ? this.#at : this.#at - 1;
      into[offset + 2] = kind;
      return;
    }
    if (code === LOWER_N) {
      this.#word('null');
      into[offset + 2] = CellKind.Null;
      return;
    }
    if (code === LOWER_T) this.#word('true');
    else if (code === LOWER_F) this.#word('false');
    else this.#number();
    into[offset] = start;
    into[offset + 1] = this.#at;
    into[offset + 2] = CellKind.Literal;
  }

  /** A page token's value for readToken, which would refuse a boolean: that page is left to the parser, whose error it is. */
  #tokenValue(): unknown {
    const cell = [0, 0, 0];
    this.#scalar(cell, 0);
    const value = this.#value(cell, 0);
    if (typeof value === 'boolean') throw NOT_PLAIN;
    return value;
  }

  /**
   * With the cursor on an opening quote, moves past the closing one; says
   * whether the string had escapes. The next backslash and the next control
   * character are searched for only once the cursor has passed the last ones
   * found, so a page costs one pass of each search in all.
   */
  #stringEnd(): CellKind {
    if (this.#text.charCodeAt(this.#at) !== QUOTE) throw NOT_PLAIN;
    const end = this.#plainEnd(this.#at + 1);
    if (end === -1) return this.#escapedStringEnd();
    this.#at = end + 1;
    return CellKind.Text;
  }

  /** Where the string whose text starts at `start` ends (its closing quote), or -1 if it has an escape. */
  #plainEnd(start: number): number {
    const text = this.#text;
    const end = text.indexOf('"', start);
    if (end === -1) throw NOT_PLAIN;
    if (this.#backslash.from(start) < end) return -1;
    if (this.#control.from(start) < end) throw NOT_PLAIN;
    return end;
  }

  #escapedStringEnd(): CellKind {
    const text = this.#text;
    for (let i = this.#at + 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) {
        this.#at = i + 1;
        return CellKind.Escaped;
      }
      if (code < 0x20) throw NOT_PLAIN;
      if (code === BACKSLASH && !SIMPLE_ESCAPES.has(text.charCodeAt(++i))) throw NOT_PLAIN;
    }
    throw NOT_PLAIN;
  }

  #number(): void {
    const text = this.#text;
    const start = this.#at;
    let i = start;
    while (isNumberChar(text.charCodeAt(i))) i++;
    if (i === start || !NUMBER.test(text.slice(start, i))) throw NOT_PLAIN;
    this.#at = i;
  }

  #word(word: string): void {
    if (!this.#text.startsWith(word, this.#at)) throw NOT_PLAIN;
    this.#at += word.length;
  }

  /** Any JSON value, not kept: keys the leads do not use. */
  #skipValue(): void {
    const code = this.#text.charCodeAt(this.#at);
    if (code === OPEN_BRACE) this.#members(() => this.#skipValue());
    else if (code === OPEN_BRACKET) this.#list(() => this.#skipValue());
    else this.#scalar(SKIPPED, 0);
  }

  #expect(code: number): void {
    if (this.#next() !== code) throw NOT_PLAIN;
  }

  /** The next character that is not white space, consumed. */
  #next(): number {
    this.#space();
    return this.#text.charCodeAt(this.#at++);
  }

  /** The next character that is not white space, left in place. */
  #peek(): number {
    this.#space();
    return this.#text.charCodeAt(this.#at);
  }

  #space(): void {
    const text = this.#text;
    let at = this.#at;
    for (let code = text.charCodeAt(at); code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09; code = text.charCodeAt(++at));
    this.#at = at;
  }
}

const SKIPPED = [0, 0, 0];

/** The caller's buffer may be reused once it has been read: the cells point into a copy (a plain memory copy, unlike Buffer.from). */
function copyOf(body: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(body.length);
  body.copy(copy);
  return copy;
}

