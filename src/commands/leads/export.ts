import type { IO } from '../../io.js';
import { abortError, RobofyError, UsageError } from '../../errors.js';
import { paginateLeads } from '../../api/paginate.js';
import { LeadDeduper } from '../../leads/dedupe.js';
import { createTimeFilter } from '../../leads/time-filter.js';
import { parseDuration, parseTimeBound } from '../../leads/time.js';
import { invalidUtf8Check } from '../../api/leads-page.js';
import type { Lead } from '../../api/types.js';
import { createSink, type LeadSink, type OutputFormat } from '../../output/sink.js';
import { exportLeads } from '../../export/export-leads.js';
import { openDestination, type Destination } from '../../export/destination.js';
import { outputError } from '../../output/atomic-file.js';
import { IncrementalExport } from '../../export/incremental.js';
import { planResume } from '../../export/page-journal.js';
import type { CsvDelimiter } from '../../output/csv-text.js';
import type { CsvFileShape } from '../../state/state-file.js';
import { createProgress, plural, seconds, type Progress } from '../../ui/progress.js';
import { connect } from '../connect.js';
import { resolveCommandSettings } from '../command-settings.js';
import type { SettingKey } from '../../config/keys.js';
import { isDelivering, parseDeliveryOptions, type DeliveryTarget } from '../delivery-options.js';
import {
  checkCsvOnlyOptions,
  optionalString,
  parseColumns,
  parseCount,
  parseDelimiter,
  parseLeadsCommandOptions,
  type LeadsCommandOptions,
} from '../parse-options.js';

export interface ExportOptions extends LeadsCommandOptions {
  format: OutputFormat;
  output: string | undefined;
  columns: string[] | undefined;
  raw: boolean;
  since: number | undefined;
  until: number | undefined;
  limit: number | undefined;
  header: boolean;
  escapeFormulas: boolean;
  /** --delimiter as given; undefined leaves it to the state's earlier runs, else `,`. */
  delimiter: CsvDelimiter | undefined;
  bom: boolean;
  maxPages: number | undefined;
  state: string | undefined;
  resume: boolean;
  overlapMs: number | undefined;
  verbose: boolean;
  /** --forward-to or --exec: leads go there, not to stdout or a file. */
  delivery: DeliveryTarget | undefined;
}

/** Turns commander's raw values into checked options; every mistake is a UsageError. */
export function parseExportOptions(raw: Record<string, unknown>, now: number): ExportOptions {
  const output = optionalString(raw.output);
  const delivery = parseDeliveryOptions(raw);
  // Delivered leads are JSON lines, whatever the format default.
  const format = (optionalString(raw.format) as OutputFormat | undefined) ?? (delivery ? 'jsonl' : (formatFromPath(output) ?? 'csv'));
  const options: ExportOptions = {
    ...parseLeadsCommandOptions(raw),
    format,
    output: output === '-' ? undefined : output,
    columns: parseColumns(raw.columns),
    raw: raw.raw === true,
    since: raw.since === undefined ? undefined : parseTimeBound(String(raw.since), now),
    until: raw.until === undefined ? undefined : parseTimeBound(String(raw.until), now),
    limit: parseCount('--limit', raw.limit, 1),
    header: raw.header !== false,
    escapeFormulas: raw.escapeFormulas !== false,
    delimiter: parseDelimiter(raw.delimiter),
    bom: raw.bom === true,
    maxPages: parseCount('--max-pages', raw.maxPages, 1),
    state: optionalString(raw.state),
    resume: raw.resume === true,
    overlapMs: raw.overlap === undefined ? undefined : parseDuration('--overlap', String(raw.overlap)),
    delivery,
  };
  checkCombinations(options);
  if (options.delivery) checkDeliveryCombinations(options, optionalString(raw.format));
  checkCsvOnlyOptions(raw, format);
  return options;
}

function checkCombinations(options: ExportOptions): void {
  if (options.raw && (options.format === 'csv' || options.format === 'xlsx')) {
    throw new UsageError(`--raw works with --format jsonl or json, not ${options.format}`);
  }
  if (options.format === 'xlsx') checkXlsxCombinations(options);
  if (options.raw && options.columns) throw new UsageError('--raw writes leads as they are: it cannot be combined with --columns');
  if (options.state && options.limit !== undefined) {
    throw new UsageError('--limit cannot be combined with --state: the leads it skips would never be exported');
  }
  if (options.resume && options.output === undefined) throw new UsageError('--resume needs --output <file>');
  if (options.overlapMs !== undefined && !options.state) throw new UsageError('--overlap goes with --state');
  if (options.since !== undefined && options.until !== undefined && options.since >= options.until) {
    throw new UsageError('--since must be earlier than --until');
  }
}

function checkDeliveryCombinations(options: ExportOptions, format: string | undefined): void {
  const target = options.delivery?.forwardTo ? '--forward-to' : '--exec';
  if (options.output !== undefined) throw new UsageError(`${target} and -o/--output exclude each other: leads go to one place`);
  if (options.resume) throw new UsageError(`--resume does not apply to ${target}: use --state, which delivers what is not yet delivered`);
  if (format !== undefined && format !== 'jsonl') {
    throw new UsageError(`--format ${format} does not apply to ${target}: each lead is sent as its JSON line`);
  }
}

function checkXlsxCombinations(options: ExportOptions): void {
  if (options.state) throw new UsageError('--state cannot be combined with --format xlsx: a workbook cannot be appended to; use csv or jsonl');
  if (!options.header) throw new UsageError('--no-header works with --format csv: a workbook always has its header row');
}

/** A workbook is binary: on a terminal it would only garble the screen. */
function checkTerminal(options: ExportOptions, stdoutIsTTY: boolean): void {
  if (options.format !== 'xlsx' || options.output !== undefined || !stdoutIsTTY) return;
  throw new UsageError('an xlsx workbook is binary and stdout is a terminal: write it to a file with -o leads.xlsx, or redirect stdout');
}

function formatFromPath(path: string | undefined): OutputFormat | undefined {
  const extension = path?.toLowerCase().match(/\.(csv|jsonl|ndjson|json|xlsx)$/)?.[1];
  if (extension === 'ndjson') return 'jsonl';
  return extension as OutputFormat | undefined;
}

const EXPORT_FORMATS: readonly OutputFormat[] = ['csv', 'jsonl', 'json', 'xlsx'];

export async function runExport(given: Record<string, unknown>, io: IO): Promise<void> {
  // A stored format other than jsonl does not stop delivery: leads are always sent as JSON lines.
  const formats = isDelivering(given) ? ['jsonl' as const] : EXPORT_FORMATS;
  const { options: raw, settings } = await resolveCommandSettings(given, io, settingKeys(given), formats);
  const options = parseExportOptions(raw, io.now());
  if (options.delivery) {
    const { runDeliveringExport } = await import('./export-delivery.js');
    return runDeliveringExport(options, options.delivery, io, settings);
  }
  checkTerminal(options, io.stdoutIsTTY);
  const started = io.now();
  const resume = await planResume(options.output, options.resume, fingerprint(raw, options), options);
  const client = await connect(io, { ...options, settings });
  const progress = await createProgress(io, { quiet: options.quiet });
  const bounds = resume?.bounds ?? options;
  const incremental = options.state
    ? await IncrementalExport.open(options.state, options.query, io.now(), options.overlapMs)
    : undefined;
  try {
    if (incremental) checkStateColumns(options, incremental.columns);
    const csv = options.format === 'csv' ? csvFileShape(options, incremental?.csv) : undefined;
    const destination = await openDestination(options.output, io.stdout);
    const fetchPages = (startToken: string | null, knownTokens: readonly string[]) =>
      paginateLeads(client, options.query, { maxPages: options.maxPages, startToken, knownTokens });
    const sink = openSink(options, destination, incremental, csv, progress);
    const shifts = listingShifts(io);
    const checkText = invalidUtf8Check((message) => progress.warn(message));
    try {
      const result = await exportLeads({
        pages: resume ? resume.pages(fetchPages) : fetchPages(null, []),
        sink,
        deduper: new LeadDeduper(),
        keep: leadFilter(bounds, incremental, progress),
        limit: options.limit,
        signal: io.signal,
        done: incremental ? (page) => incremental.reachedDelivered(page) : undefined,
        onRead: (page, repeats) => {
          if (repeats > 0 && options.verbose) shifts.repeated(page.number, repeats);
          checkText(page);
        },
        onPage: (written, done) => {
          incremental?.record(written, io.now());
          if (progress.active) progress.update(`Exporting… ${plural(done.leads, 'lead')}, ${plural(done.pages, 'page')}`);
        },
      });
      await sink.finish();
      // A signal that came while the output was being finished still means "leave the target as it was".
      if (io.signal.aborted) throw abortError(io.signal);
      await destination.commit();
      await resume?.complete();
      if (incremental) {
        warnOfNewColumns(incremental.columns, sink.columns, progress);
        await incremental.commit(sink.columns, csv?.shape, io.now());
      }
      shifts.summarise();
      const retries = client.retries > 0 ? `, ${plural(client.retries, 'retry', 'retries')}` : '';
      progress.stop(
        `Exported ${plural(result.leads, 'lead')} to ${destination.label} in ${seconds(io.now() - started)} ` +
          `(${plural(result.pages, 'page')}${retries})`,
      );
    } catch (error) {
      await sink.abort();
      await destination.abort();
      if (resume) progress.warn('the pages fetched so far are kept: run the same command with --resume to continue');
      throw isWriteError(error) ? outputError(destination.label, error) : error;
    }
  } finally {
    progress.stop();
    await incremental?.release();
    await client.close();
  }
}

/**
 * --verbose: what can be seen of a listing that moved while it was paged.
 * Rows repeated at a page boundary show that leads were captured meanwhile;
 * a lead deleted meanwhile shifts rows the other way, and the row that
 * crosses the boundary is missed without a trace (by any offset-paged
 * client), so the user is told where to look for it.
 */
function listingShifts(io: IO): { repeated(page: number, repeats: number): void; summarise(): void } {
  let shifted = false;
  return {
    repeated: (page, repeats) => {
      shifted = true;
      io.stderr.write(`robofy: page ${page} began with ${plural(repeats, 'lead')} already read (the listing shifted: leads were captured while it was paged); each written once\n`);
    },
    summarise: () => {
      if (!shifted) return;
      io.stderr.write(
        'robofy: the listing changed while it was read; had a lead also been deleted meanwhile, one lead at a page boundary could have been missed, ' +
          'and the next run (with --state: within --overlap) exports it\n',
      );
    },
  };
}

/** The stored settings export uses: --output's extension beats a stored format, and --overlap goes with --state only. */
function settingKeys(raw: Record<string, unknown>): SettingKey[] {
  const keys: SettingKey[] = ['project', 'chatbot'];
  if (formatFromPath(optionalString(raw.output)) === undefined) keys.push('format');
  if (optionalString(raw.state) !== undefined) keys.push('overlap');
  return keys;
}

function openSink(
  options: ExportOptions,
  destination: Destination,
  incremental: IncrementalExport | undefined,
  csv: CsvRun | undefined,
  progress: Progress,
): LeadSink {
  return createSink(options.format, {
    out: destination.out,
    onWarning: (message) => progress.warn(message),
    raw: options.raw,
    header: options.header,
    escapeFormulas: options.escapeFormulas,
    ...(csv ? { delimiter: csv.shape.delimiter, bom: csv.writeBom } : {}),
    ...(destination.scratchDir ? { tmpDir: destination.scratchDir } : {}),
    ...(options.columns ? { columns: options.columns } : {}),
    ...(incremental ? { knownColumns: incremental.columns } : {}),
  });
}

/** This run's CSV: the file's shape, and whether this run starts the file (and so writes the BOM). */
interface CsvRun {
  shape: CsvFileShape;
  writeBom: boolean;
}

/**
 * The delimiter and byte-order mark: as given on the first run; a later
 * --state run appends to that file, so it keeps them and may not ask for others.
 */
function csvFileShape(options: ExportOptions, earlier: CsvFileShape | undefined): CsvRun {
  if (earlier === undefined) return { shape: { delimiter: options.delimiter ?? ',', bom: options.bom }, writeBom: options.bom };
  if (options.delimiter !== undefined && options.delimiter !== earlier.delimiter) {
    throw new UsageError(
      `--delimiter ${delimiterName(options.delimiter)} differs from the ${delimiterName(earlier.delimiter)} this state file's CSV ` +
        'was written with; use the same delimiter, or a new state file and output',
    );
  }
  if (options.bom && !earlier.bom) {
    throw new UsageError(
      "--bom: the CSV this state file appends to was started without a byte-order mark, and one cannot be added to it now; " +
        'use a new state file and output',
    );
  }
  return { shape: earlier, writeBom: false };
}

function delimiterName(delimiter: CsvDelimiter): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}

/** Leads to write: new to the state file, inside --since/--until. Unparsable times are kept, and said once. */
export function leadFilter(
  bounds: { since: number | undefined; until: number | undefined },
  incremental: IncrementalExport | undefined,
  progress: Pick<Progress, 'warn'>,
): ((lead: Lead) => boolean) | undefined {
  let warned = false;
  const inTime = createTimeFilter(bounds, (lead) => {
    if (warned) return;
    warned = true;
    progress.warn(`lead ${String(lead.id)} has a created_at that is not a date (${JSON.stringify(lead.created_at)}); kept`);
  });
  if (!incremental) return inTime;
  return inTime ? (lead) => incremental.isNew(lead) && inTime(lead) : (lead) => incremental.isNew(lead);
}

/** What a resumed export must share with the run that started it: the query and the output-shaping options as typed. */
function fingerprint(raw: Record<string, unknown>, options: ExportOptions): Record<string, unknown> {
  const { query, format, columns, header, escapeFormulas, delimiter, bom, limit, state } = options;
  const typed = (value: unknown): string | null => (value === undefined ? null : String(value));
  return {
    query: { ...query, sessionId: query.sessionId ?? null },
    format,
    columns: columns ?? null,
    raw: options.raw,
    header,
    escapeFormulas,
    delimiter: delimiter ?? null,
    bom,
    limit: limit ?? null,
    state: state ?? null,
    since: typed(raw.since),
    until: typed(raw.until),
  };
}

/** A system error from the output stream (ENOSPC, EIO…), not from the API; EPIPE is a reader that left. */
function isWriteError(error: unknown): boolean {
  if (error instanceof RobofyError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('E') && code !== 'EPIPE';
}

/** CSV appends line up only if every run picks the same --columns as the one that made the state. */
function checkStateColumns(options: ExportOptions, known: readonly string[]): void {
  if (options.format !== 'csv' || options.columns === undefined || known.length === 0) return;
  if (options.columns.join('\n') === known.join('\n')) return;
  throw new UsageError(
    `--columns differs from the columns this state file's CSV was written with (${known.join(',')}); ` +
      'use the same --columns, or a new state file and output',
  );
}

/** CSV appends keep their shape; a field first seen now becomes a new last column, and the user is told. */
function warnOfNewColumns(known: readonly string[], now: readonly string[] | null, progress: Progress): void {
  if (known.length === 0 || now === null || now.length <= known.length) return;
  const added = now.slice(known.length);
  progress.warn(
    `new column${added.length > 1 ? 's' : ''} ${added.join(', ')} added after column ${known.length}; ` +
      'files appended by earlier runs have no header for them',
  );
}
