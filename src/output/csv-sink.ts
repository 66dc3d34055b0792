import { tmpdir } from 'node:os';
import type { Writable } from 'node:stream';
import { scannedLeads } from '../api/scanned-page.js';
import type { Lead } from '../api/types.js';
import { ColumnSet } from '../leads/column-set.js';
import { BASE_COLUMNS } from '../leads/flatten.js';
import { CsvSpool } from './csv-spool.js';
import { csvRecords, csvStart, LoneSurrogateCheck, type CsvStyle } from './csv-text.js';
import { holdErrors } from './hold-errors.js';
import { ByteBuilder } from './byte-builder.js';
import { scannedCsvRecords, scannedSize } from './scanned-records.js';
import type { LeadSink, SinkOptions } from './sink.js';
import { flushed, writeChunk } from './write-chunk.js';

/** Knobs for tests; the defaults are what the CLI uses. */
export interface CsvTuning {
  /** Bytes per read when the spool is copied out; CsvSpool.copyTo has the default. */
  readChunk?: number;
}

/**
 * RFC 4180 CSV (see csvRecord). With `columns` the rows stream straight to
 * `out`; without, the header is the union of every lead's columns, known
 * only at the end, so rows are spooled to a temp file and copied out by
 * finish().
 */
export function createCsvSink(options: SinkOptions, tuning: CsvTuning = {}): LeadSink {
  return options.columns === undefined
    ? new SpooledCsvSink(options, tuning.readChunk)
    : new StreamingCsvSink(options, options.columns);
}

abstract class CsvSinkBase implements LeadSink {
  readonly takesScanned = true;
  protected readonly out: Writable;
  protected readonly header: boolean;
  protected readonly bom: boolean;
  protected readonly style: CsvStyle;
  protected readonly release: () => void;
  protected readonly surrogates: LoneSurrogateCheck;
  #count = 0;

  constructor(options: SinkOptions, protected readonly columnSet: ColumnSet) {
    this.out = options.out;
    this.header = options.header !== false;
    this.bom = options.bom === true;
    this.style = { delimiter: options.delimiter ?? ',', escapeFormulas: options.escapeFormulas !== false };
    this.release = holdErrors(options.out);
    this.surrogates = new LoneSurrogateCheck(options.onWarning);
  }

  get count(): number {
    return this.#count;
  }

  get columns(): readonly string[] {
    return this.columnSet.names;
  }

  writeLeads(leads: readonly Lead[]): Promise<void> | undefined {
    if (leads.length === 0) return undefined;
    this.#count += leads.length;
    return this.writePage(leads);
  }

  protected abstract writePage(leads: readonly Lead[]): Promise<void> | undefined;
  abstract finish(): Promise<void>;
  abstract abort(): Promise<void>;

  protected headerText(): string {
    return csvStart(this.columnSet.names, this.header, this.bom, this.style);
  }
}

class StreamingCsvSink extends CsvSinkBase {
  #headerWritten = false;

  constructor(options: SinkOptions, columns: readonly string[]) {
    super(options, new ColumnSet(columns));
  }

  protected writePage(leads: readonly Lead[]): Promise<void> | undefined {
    const scanned = scannedLeads(leads);
    if (scanned) {
      const out = new ByteBuilder(scannedSize(scanned));
      out.text(this.#takeHeader());
      scannedCsvRecords(scanned, this.columnSet, false, this.style, out);
      return writeChunk(this.out, out.bytes());
    }
    const records = csvRecords(leads, this.columnSet, false, this.style);
    this.surrogates.check(leads, records);
    const text = this.#takeHeader() + records;
    return writeChunk(this.out, text);
  }

  async finish(): Promise<void> {
    try {
      const header = this.#takeHeader();
      if (header !== '') await writeChunk(this.out, header);
      await flushed(this.out);
    } finally {
      this.release();
    }
  }

  abort(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  #takeHeader(): string {
    if (this.#headerWritten) return '';
    this.#headerWritten = true;
    return this.headerText();
  }
}

class SpooledCsvSink extends CsvSinkBase {
  readonly #tmpDir: string;
  readonly #readChunk: number | undefined;
  #spool: CsvSpool | undefined;
  #scanned: ByteBuilder | undefined;

  constructor(options: SinkOptions, readChunk: number | undefined) {
    super(options, new ColumnSet(options.knownColumns?.length ? options.knownColumns : BASE_COLUMNS));
    this.#tmpDir = options.tmpDir ?? tmpdir();
    this.#readChunk = readChunk;
  }

  protected writePage(leads: readonly Lead[]): Promise<void> | undefined {
    this.#spool ??= new CsvSpool(this.#tmpDir, this.style.delimiter);
    const scanned = scannedLeads(leads);
    if (scanned) {
      // The spool copies what it is given, so one builder serves every page.
      this.#scanned ??= new ByteBuilder(scannedSize(scanned));
      this.#scanned.clear();
      scannedCsvRecords(scanned, this.columnSet, true, this.style, this.#scanned);
      return this.#spool.append(this.#scanned.bytes(), this.columnSet.size);
    }
    const text = csvRecords(leads, this.columnSet, true, this.style);
    this.surrogates.check(leads, text);
    return this.#spool.append(text, this.columnSet.size);
  }

  async finish(): Promise<void> {
    try {
      const header = this.headerText();
      if (header !== '') await writeChunk(this.out, header);
      await this.#spool?.copyTo(this.out, this.columnSet.size, this.#readChunk);
      await flushed(this.out);
    } finally {
      await this.#spool?.remove();
      this.release();
    }
  }

  async abort(): Promise<void> {
    await this.#spool?.remove();
    this.release();
  }
}
