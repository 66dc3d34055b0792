import type { Writable } from 'node:stream';
import type { RobofyClient } from '../api/client.js';
import { invalidUtf8Check } from '../api/leads-page.js';
import { paginateLeads, type FetchedPage, type LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import { abortError, RobofyError } from '../errors.js';
import { LeadDeduper } from '../leads/dedupe.js';
import { createTimeFilter } from '../leads/time-filter.js';
import { outputError } from '../output/atomic-file.js';
import type { CsvDelimiter } from '../output/csv-text.js';
import { loadSink, type LeadSink, type OutputFormat } from '../output/sink.js';
import { checkStateColumns, continueCsv, type CsvRun } from '../state/csv-continuation.js';
import type { CsvFileShape } from '../state/state-file.js';
import { openDestination, type Destination } from './destination.js';
import { exportLeads, type ExportProgress } from './export-leads.js';
import type { IncrementalExport } from './incremental.js';
import { planResume } from './page-journal.js';

/** What shapes an export's output and selects its leads, whichever chatbots it reads. */
export interface ExportSettings {
  format: OutputFormat;
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
  resume: boolean;
}

/** What a run of one or more chatbot exports shares. */
export interface ExportContext {
  client: RobofyClient;
  settings: ExportSettings;
  stdout: Writable;
  signal: AbortSignal;
  now: () => number;
  warn: (text: string) => void;
}

export interface ChatbotExportJob {
  query: LeadsQuery;
  /** A file, written atomically; undefined: stdout. */
  output: string | undefined;
  /** With --resume: what the journal must match. */
  fingerprint: Record<string, unknown>;
  incremental: IncrementalExport | undefined;
  onProgress?: ((done: ExportProgress) => void) | undefined;
  /** Told when a page repeats rows already read (the listing shifted while it was paged). */
  onRepeats?: ((page: FetchedPage, repeats: number) => void) | undefined;
}

export interface ChatbotExportResult extends ExportProgress {
  label: string;
  /** CSV: the header written (for the state file); null for JSON formats. */
  columns: readonly string[] | null;
  /** CSV: how the file was written (for the state file); undefined for JSON formats. */
  csv: CsvFileShape | undefined;
}

/**
 * One chatbot's listing into one output, shaped as a single-chatbot export:
 * complete and committed, or failed with the target untouched. The state
 * (if any) is the caller's to commit once it knows the run's outcome.
 */
export async function exportChatbot(context: ExportContext, job: ChatbotExportJob): Promise<ChatbotExportResult> {
  const { client, settings, signal } = context;
  const resume = await planResume(job.output, settings.resume, job.fingerprint, settings);
  const incremental = job.incremental;
  if (incremental && settings.format === 'csv') checkStateColumns(settings.columns, incremental.columns);
  const csv = settings.format === 'csv' ? continueCsv(settings, incremental?.csv) : undefined;
  const destination = await openDestination(job.output, context.stdout);
  const sink = await openSink(settings, destination, incremental?.columns, csv, context.warn);
  const keep = leadFilter(resume?.bounds ?? settings, incremental, context.warn);
  // Scanned leads carry only what deduplication reads: for a run that filters, journals or reads nothing else.
  const scan = sink.takesScanned && keep === undefined && resume === undefined;
  const fetchPages = (startToken: string | null, knownTokens: readonly string[]) =>
    paginateLeads(client, job.query, { maxPages: settings.maxPages, startToken, knownTokens, scan });
  const checkText = invalidUtf8Check(context.warn);
  try {
    const result = await exportLeads({
      pages: resume ? resume.pages(fetchPages) : fetchPages(null, []),
      sink,
      deduper: new LeadDeduper(),
      keep,
      limit: settings.limit,
      signal,
      done: incremental ? (page) => incremental.reachedDelivered(page) : undefined,
      onRead: (page, repeats) => {
        if (repeats > 0) job.onRepeats?.(page, repeats);
        checkText(page);
      },
      onPage: (written, done) => {
        incremental?.record(written, context.now());
        job.onProgress?.(done);
      },
    });
    await sink.finish();
    // A signal that came while the output was being finished still means "leave the target as it was".
    if (signal.aborted) throw abortError(signal);
    await destination.commit();
    await resume?.complete();
    if (incremental) warnOfNewColumns(incremental.columns, sink.columns, context.warn);
    return { ...result, label: destination.label, columns: sink.columns, csv: csv?.shape };
  } catch (error) {
    await sink.abort();
    await destination.abort();
    if (resume) context.warn('the pages fetched so far are kept: run the same command with --resume to continue');
    throw isWriteError(error) ? outputError(destination.label, error) : error;
  }
}

export async function openSink(
  settings: ExportSettings,
  destination: Destination,
  knownColumns: readonly string[] | undefined,
  csv: CsvRun | undefined,
  warn: (text: string) => void,
  columns = settings.columns,
): Promise<LeadSink> {
  return loadSink(settings.format, {
    out: destination.out,
    onWarning: warn,
    raw: settings.raw,
    header: settings.header,
    escapeFormulas: settings.escapeFormulas,
    ...(csv ? { delimiter: csv.shape.delimiter, bom: csv.writeBom } : {}),
    ...(destination.scratchDir ? { tmpDir: destination.scratchDir } : {}),
    ...(columns ? { columns } : {}),
    ...(knownColumns?.length ? { knownColumns } : {}),
  });
}

/** Leads to write: new to the state file, inside --since/--until. Unparsable times are kept, and said once. */
export function leadFilter(
  bounds: { since: number | undefined; until: number | undefined },
  incremental: IncrementalExport | undefined,
  warn: (text: string) => void,
): ((lead: Lead) => boolean) | undefined {
  let warned = false;
  const inTime = createTimeFilter(bounds, (lead) => {
    if (warned) return;
    warned = true;
    warn(`lead ${String(lead.id)} has a created_at that is not a date (${JSON.stringify(lead.created_at)}); kept`);
  });
  if (!incremental) return inTime;
  return inTime ? (lead) => incremental.isNew(lead) && inTime(lead) : (lead) => incremental.isNew(lead);
}

/** A system error from the output stream (ENOSPC, EIO…), not from the API; EPIPE is a reader that left. */
export function isWriteError(error: unknown): boolean {
  if (error instanceof RobofyError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('E') && code !== 'EPIPE';
}

/** CSV appends keep their shape; a field first seen now becomes a new last column, and the user is told. */
export function warnOfNewColumns(known: readonly string[], now: readonly string[] | null, warn: (text: string) => void): void {
  if (known.length === 0 || now === null || now.length <= known.length) return;
  const added = now.slice(known.length);
  warn(
    `new column${added.length > 1 ? 's' : ''} ${added.join(', ')} added after column ${known.length}; ` +
      'files appended by earlier runs have no header for them',
  );
}
