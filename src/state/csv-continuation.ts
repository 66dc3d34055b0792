import { UsageError } from '../errors.js';
import type { CsvDelimiter } from '../output/csv-text.js';
import type { CsvFileShape } from './state-file.js';

/** This run's CSV: the file's shape, and whether this run starts the file (and so writes the BOM). */
export interface CsvRun {
  shape: CsvFileShape;
  writeBom: boolean;
}

/**
 * The delimiter and byte-order mark: as given on the first run; a later
 * --state run appends to what that run started, so it keeps them and may
 * not ask for others.
 */
export function continueCsv(given: { delimiter: CsvDelimiter | undefined; bom: boolean }, earlier: CsvFileShape | undefined): CsvRun {
  if (earlier === undefined) return { shape: { delimiter: given.delimiter ?? ',', bom: given.bom }, writeBom: given.bom };
  if (given.delimiter !== undefined && given.delimiter !== earlier.delimiter) {
    throw new UsageError(
      `--delimiter ${delimiterName(given.delimiter)} differs from the ${delimiterName(earlier.delimiter)} this state file's CSV ` +
        'was written with; use the same delimiter, or a new state file and output',
    );
  }
  if (given.bom && !earlier.bom) {
    throw new UsageError(
      "--bom: the CSV this state file appends to was started without a byte-order mark, and one cannot be added to it now; " +
        'use a new state file and output',
    );
  }
  return { shape: earlier, writeBom: false };
}

/** CSV appends line up only if every run keeps the --columns the state's CSV was started with. */
export function checkStateColumns(columns: readonly string[] | undefined, known: readonly string[]): void {
  if (columns === undefined || known.length === 0) return;
  if (columns.join('\n') === known.join('\n')) return;
  throw new UsageError(
    `--columns differs from the columns this state file's CSV was written with (${known.join(',')}); ` +
      'use the same --columns, or a new state file and output',
  );
}

function delimiterName(delimiter: CsvDelimiter): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}
