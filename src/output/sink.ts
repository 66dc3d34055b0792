import type { Writable } from 'node:stream';
import type { Lead } from '../api/types.js';
import { createCsvSink } from './csv-sink.js';
import type { CsvDelimiter } from './csv-text.js';
import { JSON_ARRAY, JSONL, JsonSink } from './json-sink.js';

export interface LeadSink {
  /** Writes one page of leads (already filtered and deduplicated). May return a promise for backpressure. */
  writeLeads(leads: readonly Lead[]): Promise<void> | void;
  /** Flushes everything; after this the output is complete. */
  finish(): Promise<void>;
  /** Releases temp files; used on failure. Never throws. */
  abort(): Promise<void>;
  /** How many leads were written so far. */
  readonly count: number;
  /** CSV and xlsx: the columns of the header, in order (known once finished); null for JSON formats. */
  readonly columns: readonly string[] | null;
  /** True when writeLeads also takes the ScannedLeads of scanned pages (see paginateLeads' `scan`). */
  readonly takesScanned: boolean;
}

export interface SinkOptions {
  /**
   * Destination (stdout or an atomic temp file stream). The sink does not
   * end() it: finish() resolves once all its data is written to it
   * (out of its buffer), and rejects with its error if a write failed.
   */
  out: Writable;
  /** --columns: select and order exactly these output columns (names as flattened); absent columns are empty/null. */
  columns?: readonly string[];
  /** jsonl/json only: write each lead exactly as the API sent it, lead_data nested. Takes precedence over `columns`. */
  raw?: boolean;
  /** csv only, default true. */
  header?: boolean;
  /** csv only, default true. */
  escapeFormulas?: boolean;
  /** csv only, default ','. */
  delimiter?: CsvDelimiter;
  /** csv only: start the output with a UTF-8 byte-order mark. */
  bom?: boolean;
  /** csv only: columns an earlier run wrote (--state), kept first and in this order so appends line up. */
  knownColumns?: readonly string[];
  /** csv and xlsx: where to spool (default os.tmpdir()). */
  tmpDir?: string;
  /** Told what the output could not hold as it was: csv once, a lone surrogate; xlsx a value cut to fit a cell, a sheet full. */
  onWarning?: ((message: string) => void) | undefined;
}

export type OutputFormat = 'csv' | 'jsonl' | 'json' | 'xlsx';

/** A sink for any format; the workbook writer (and its zip library) is loaded only when a workbook is asked for. */
export async function loadSink(format: OutputFormat, options: SinkOptions): Promise<LeadSink> {
  if (format !== 'xlsx') return createSink(format, options);
  const { XlsxSink } = await import('./xlsx/xlsx-sink.js');
  return new XlsxSink(options);
}

export function createSink(format: Exclude<OutputFormat, 'xlsx'>, options: SinkOptions): LeadSink {
  switch (format) {
    case 'csv':
      return createCsvSink(options);
    case 'jsonl':
      return new JsonSink(options, JSONL);
    case 'json':
      return new JsonSink(options, JSON_ARRAY);
  }
}
