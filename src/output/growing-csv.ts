import type { Lead } from '../api/types.js';
import { ColumnSet } from '../leads/column-set.js';
import { BASE_COLUMNS } from '../leads/flatten.js';
import { csvRecords, csvStart, LoneSurrogateCheck, type CsvStyle } from './csv-text.js';

export interface GrowingCsvOptions {
  /** Fixed columns (--columns): nothing is added. */
  columns?: readonly string[] | undefined;
  /** Without `columns`: the columns the header starts with (default the base columns). */
  firstColumns?: readonly string[] | undefined;
  /**
   * The stream already holds an earlier run's header with these columns (a
   * restarted `tail --state`): no byte-order mark or header again, and rows
   * keep that column order.
   */
  continues?: readonly string[] | undefined;
  header: boolean;
  /** Start the output with a UTF-8 byte-order mark. */
  bom: boolean;
  style: CsvStyle;
  /** Told about columns that appear after the header was written. */
  onNewColumns?: ((names: readonly string[], firstIndex: number) => void) | undefined;
  /** Told once when a value cannot be written as it is (a lone surrogate). */
  onWarning?: ((message: string) => void) | undefined;
}

/**
 * CSV for a stream that never ends (tail): the header is written once, with
 * the columns known then. A field that first appears later is appended as a
 * new last column, so no value is lost and earlier columns keep their place;
 * rows written before it are simply shorter. `onNewColumns` reports it.
 */
export class GrowingCsv {
  readonly #columns: ColumnSet;
  readonly #grow: boolean;
  readonly #options: GrowingCsvOptions;
  readonly #surrogates: LoneSurrogateCheck;
  #started = false;

  constructor(options: GrowingCsvOptions) {
    this.#options = options;
    this.#surrogates = new LoneSurrogateCheck(options.onWarning);
    this.#grow = options.columns === undefined;
    this.#columns = new ColumnSet(options.continues ?? options.columns ?? options.firstColumns ?? BASE_COLUMNS);
    this.#started = options.continues !== undefined;
  }

  /** The header's columns (with those added since), once the header is written; null before. */
  get columns(): readonly string[] | null {
    return this.#started ? this.#columns.names : null;
  }

  /**
   * The CSV text for these leads, with the byte-order mark and the header
   * (each when asked for) in front the first time there are any (an empty
   * batch writes nothing, so the header names the columns of the first leads).
   */
  encode(leads: readonly Lead[]): string {
    if (leads.length === 0) return '';
    const before = this.#columns.size;
    const { style } = this.#options;
    const records = csvRecords(leads, this.#columns, this.#grow, style);
    const width = this.#columns.size;
    this.#surrogates.check(leads, records);
    if (this.#started && width > before) this.#options.onNewColumns?.(this.#columns.names.slice(before), before);
    const start = this.#started ? '' : csvStart(this.#columns.names, this.#options.header, this.#options.bom, style);
    this.#started = true;
    return start + records;
  }
}
