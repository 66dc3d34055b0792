import { tmpdir } from 'node:os';
import { Readable, type Writable } from 'node:stream';
import { ZipFile } from 'yazl';
import { scannedLeads } from '../../api/scanned-page.js';
import type { Lead } from '../../api/types.js';
import { ExitCode, RobofyError } from '../../errors.js';
import { ColumnSet } from '../../leads/column-set.js';
import { escapeForTerminal } from '../../leads/terminal.js';
import { BASE_COLUMNS } from '../../leads/flatten.js';
import { LoneSurrogateCheck } from '../csv-text.js';
import { holdErrors } from '../hold-errors.js';
import type { LeadSink, SinkOptions } from '../sink.js';
import { SPOOL_BUFFER_SIZE, SpoolFile } from '../spool-file.js';
import { flushed, writeChunk } from '../write-chunk.js';
import { MAX_CELL_CHARS } from './cell-xml.js';
import { packageParts, sheetEnd, sheetPath, sheetStart, type SheetShape } from './package-parts.js';
import { SheetRows, type CutValue } from './sheet-rows.js';

/** Rows a worksheet holds (1,048,576) less the header. */
export const LEADS_PER_SHEET = 1_048_575;
/** A spreadsheet's last column is XFD. */
const MAX_COLUMNS = 16_384;
/** Cut values named one by one; past this, one count at the end. */
const CUTS_NAMED = 5;
/**
 * Deflate level of the worksheets. Level 1 writes the XML of 100,000 leads in
 * about a quarter of level 6's time, for a file ~15% larger.
 */
const COMPRESSION_LEVEL = 1;

/** Knobs for tests; the defaults are what the CLI uses. */
export interface XlsxTuning {
  leadsPerSheet?: number;
}

/** Where a worksheet's rows lie in the spool. */
interface SpooledSheet {
  start: number;
  end: number;
  leads: number;
}

/**
 * Leads as an .xlsx workbook, streamed: rows are encoded as worksheet XML as
 * pages arrive and spooled to a private temp file (the header is the union of
 * every lead's columns, known only at the end); finish() then streams the
 * package, a zip, to `out`: the fixed parts, and each worksheet as its start
 * (widths, frozen header row), its spooled rows and its end (autofilter).
 * Memory stays flat however many leads go through.
 */
export class XlsxSink implements LeadSink {
  readonly takesScanned = true;
  readonly #out: Writable;
  readonly #columns: ColumnSet;
  readonly #rows: SheetRows;
  readonly #tmpDir: string;
  readonly #warn: (message: string) => void;
  readonly #surrogates: LoneSurrogateCheck;
  readonly #leadsPerSheet: number;
  readonly #release: () => void;
  readonly #sheets: SpooledSheet[] = [{ start: 0, end: 0, leads: 0 }];
  #spool: SpoolFile | undefined;
  #count = 0;
  #cuts = 0;

  constructor(options: SinkOptions, tuning: XlsxTuning = {}) {
    this.#out = options.out;
    this.#columns = new ColumnSet(options.columns ?? (options.knownColumns?.length ? options.knownColumns : BASE_COLUMNS));
    this.#rows = new SheetRows(this.#columns, options.columns === undefined, (cut) => this.#reportCut(cut));
    this.#tmpDir = options.tmpDir ?? tmpdir();
    this.#warn = options.onWarning ?? (() => undefined);
    this.#surrogates = new LoneSurrogateCheck(options.onWarning, 'workbook');
    this.#leadsPerSheet = tuning.leadsPerSheet ?? LEADS_PER_SHEET;
    this.#release = holdErrors(options.out);
  }

  get count(): number {
    return this.#count;
  }

  get columns(): readonly string[] {
    return this.#columns.names;
  }

  writeLeads(leads: readonly Lead[]): Promise<void> | undefined {
    if (leads.length === 0) return undefined;
    const sheet = this.#sheets.at(-1)!;
    const room = this.#leadsPerSheet - sheet.leads;
    if (leads.length > room) return this.#writeAcrossSheets(leads, room);
    return this.#append(sheet, leads);
  }

  async finish(): Promise<void> {
    try {
      if (this.#cuts > CUTS_NAMED) {
        this.#warn(`${(this.#cuts - CUTS_NAMED).toLocaleString('en-US')} more values were cut to ${MAX_CELL_CHARS.toLocaleString('en-US')} characters`);
      }
      await this.#spool?.flush();
      await this.#writePackage();
      await flushed(this.#out);
    } finally {
      await this.#spool?.remove();
      this.#release();
    }
  }

  async abort(): Promise<void> {
    await this.#spool?.remove();
    this.#release();
  }

  #append(sheet: SpooledSheet, leads: readonly Lead[]): Promise<void> | undefined {
    // Row 1 is the header: lead n of a sheet is on row n + 1.
    const xml = this.#rows.encode(leads, sheet.leads + 2);
    if (this.#columns.size > MAX_COLUMNS) {
      return Promise.reject(
        new RobofyError(
          `the leads have more than ${MAX_COLUMNS.toLocaleString('en-US')} columns, the most a worksheet holds; ` +
            'choose some with --columns, or export csv',
          { code: 'XLSX_TOO_WIDE', exitCode: ExitCode.Usage },
        ),
      );
    }
    // A scanned page held no `\u` escape, so no lone surrogate: the check, a scan of all the XML, is spared.
    if (!scannedLeads(leads)) this.#surrogates.check(leads, xml);
    sheet.leads += leads.length;
    this.#count += leads.length;
    this.#spool ??= new SpoolFile(this.#tmpDir, 'xlsx');
    const pending = this.#spool.append(xml);
    // Sheets are spooled one after another, so this sheet's rows end where the spool does.
    sheet.end = this.#spool.size;
    return pending;
  }

  async #writeAcrossSheets(leads: readonly Lead[], room: number): Promise<void> {
    if (room > 0) await this.#append(this.#sheets.at(-1)!, leads.slice(0, room));
    const end = this.#sheets.at(-1)!.end;
    const next: SpooledSheet = { start: end, end, leads: 0 };
    this.#sheets.push(next);
    this.#warn(
      `more than ${this.#leadsPerSheet.toLocaleString('en-US')} leads, the most a worksheet holds: ` +
        `lead ${(this.#count + 1).toLocaleString('en-US')} on are on the sheet "${sheetName(this.#sheets.length - 1)}"`,
    );
    await this.writeLeads(leads.slice(room));
  }

  #reportCut(cut: CutValue): void {
    if (++this.#cuts > CUTS_NAMED) return;
    this.#warn(
      `lead ${escapeForTerminal(String(cut.lead.id))}: the value of ${JSON.stringify(escapeForTerminal(cut.column))} has ${cut.length.toLocaleString('en-US')} characters, ` +
        `more than a cell holds: cut to the first ${MAX_CELL_CHARS.toLocaleString('en-US')}`,
    );
  }

  async #writePackage(): Promise<void> {
    const width = this.#columns.size;
    const shapes: SheetShape[] = this.#sheets.map((sheet, i) => ({ name: sheetName(i), rows: sheet.leads + 1 }));
    const zip = new ZipFile();
    for (const [path, xml] of packageParts(shapes, width)) zip.addBuffer(Buffer.from(xml, 'utf8'), path, { compressionLevel: COMPRESSION_LEVEL });
    const widths = this.#rows.widths();
    const header = this.#rows.header();
    this.#sheets.forEach((sheet, i) => {
      const shape = shapes[i]!;
      const parts = [sheetStart(shape, i, widths, header), sheet, sheetEnd(shape, width)] as const;
      zip.addReadStreamLazy(sheetPath(i), { compressionLevel: COMPRESSION_LEVEL }, (callback) => callback(null, Readable.from(this.#sheetBytes(parts))));
    });
    zip.end();
    await copyZip(zip, this.#out);
  }

  async *#sheetBytes([start, rows, end]: readonly [string, SpooledSheet, string]): AsyncGenerator<Buffer> {
    yield Buffer.from(start, 'utf8');
    for (let position = rows.start; position < rows.end; ) {
      // A fresh buffer each time: the compressor may still hold the last one.
      const chunk = Buffer.allocUnsafe(Math.min(SPOOL_BUFFER_SIZE, rows.end - position));
      const read = await this.#spool!.readAt(chunk, position);
      if (read === 0) throw new Error('the xlsx spool is shorter than what was written to it');
      position += read;
      yield chunk.subarray(0, read);
    }
    yield Buffer.from(end, 'utf8');
  }
}

function sheetName(index: number): string {
  return index === 0 ? 'Leads' : `Leads ${index + 1}`;
}

/** The zip's bytes to `out`, with its backpressure; rejects on an error of either side. */
async function copyZip(zip: ZipFile, out: Writable): Promise<void> {
  const output = zip.outputStream as Readable;
  let failure: Error | undefined;
  zip.on('error', (error: Error) => {
    failure = error;
    output.destroy(error);
  });
  try {
    for await (const chunk of output) {
      const pending = writeChunk(out, chunk as Buffer);
      if (pending !== undefined) await pending;
    }
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
}
