import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import pLimit from 'p-limit';
import { invalidUtf8Check } from '../api/leads-page.js';
import { paginateLeads, type LeadsQuery } from '../api/paginate.js';
import { abortError, ExitCode, RobofyError } from '../errors.js';
import { LeadDeduper } from '../leads/dedupe.js';
import { chatbotKey } from '../leads/chatbot-list.js';
import { BASE_COLUMNS } from '../leads/flatten.js';
import { combinedColumns, ORIGIN_COLUMNS, stampOrigin } from '../leads/lead-origin.js';
import { outputError } from '../output/atomic-file.js';
import { BatchQueue } from './batch-queue.js';
import { openDestination } from './destination.js';
import type { CsvFileShape } from '../state/state-file.js';
import type { CsvRun } from '../state/csv-continuation.js';
import { exportChatbot, isWriteError, leadFilter, openSink, type ExportContext } from './export-chatbot.js';
import { exportLeads, type ExportProgress } from './export-leads.js';
import type { IncrementalExport } from './incremental.js';

/** How one chatbot of a many-chatbot export ended. */
export type ChatbotOutcome =
  | ({ query: LeadsQuery; status: 'done'; columns: readonly string[] | null; csv: CsvFileShape | undefined } & ExportProgress)
  | { query: LeadsQuery; status: 'failed'; error: unknown }
  /** Not read to the end because the run stopped (another chatbot of a combined export failed). */
  | { query: LeadsQuery; status: 'stopped' };

export interface ManyExportJob {
  queries: readonly LeadsQuery[];
  /** How many listings are read at once. */
  concurrency: number;
  /** Per query: its view of the state file, when there is one. */
  incrementals: readonly (IncrementalExport | undefined)[];
  onProgress: (index: number, done: ExportProgress) => void;
  onSettled: (index: number, outcome: ChatbotOutcome) => void;
}

export interface CombinedResult {
  outcomes: ChatbotOutcome[];
  label: string;
  /** CSV: the header written; null for JSON formats or when nothing was written. */
  columns: readonly string[] | null;
}

const STOPPED = new RobofyError('stopped: another chatbot failed', { code: 'STOPPED', exitCode: ExitCode.Api });

/**
 * Several chatbots into one output: every record starts with its project
 * and chatbot, and records are grouped by chatbot in the order given. Up to
 * `concurrency` listings are read at once; the chatbot being written streams
 * through, later ones are spooled until their turn. The output is committed
 * only when every chatbot was read whole: the first failure stops the rest
 * and leaves the target untouched.
 */
export async function exportCombined(
  context: ExportContext,
  job: ManyExportJob & { output: string | undefined; knownColumns: readonly string[]; csv: CsvRun | undefined },
): Promise<CombinedResult> {
  const { settings } = context;
  const destination = await openDestination(job.output, context.stdout);
  const columns = combinedColumns(settings.columns);
  const known = job.knownColumns.length > 0 ? job.knownColumns : [...ORIGIN_COLUMNS, ...BASE_COLUMNS];
  const sink = await openSink(settings, destination, known, job.csv, context.warn, columns);
  const queues = job.queries.map(() => new BatchQueue(destination.scratchDir ?? tmpdir()));
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  const cancel = (): void => {
    if (stop.signal.aborted) return;
    stop.abort(STOPPED);
    for (const queue of queues) queue.abandon(STOPPED);
  };

  const readListing = async (index: number): Promise<ChatbotOutcome> => {
    const query = job.queries[index]!;
    const queue = queues[index]!;
    const incremental = job.incrementals[index];
    const warn = warnFor(context, query);
    const checkText = invalidUtf8Check(warn);
    try {
      if (signal.aborted) throw abortError(signal);
      const done = await exportLeads({
        pages: paginateLeads(context.client, query, { maxPages: settings.maxPages }),
        sink: { writeLeads: (leads) => queue.put(leads) },
        deduper: new LeadDeduper(),
        keep: leadFilter(settings, incremental, warn),
        limit: settings.limit,
        signal,
        done: incremental ? (page) => incremental.reachedDelivered(page) : undefined,
        onRead: (page) => checkText(page),
        onPage: (written, progress) => {
          incremental?.record(written, context.now());
          job.onProgress(index, progress);
        },
      });
      queue.end();
      return { query, status: 'done', columns: null, csv: undefined, ...done };
    } catch (error) {
      queue.fail(error);
      if (error === STOPPED) return { query, status: 'stopped' };
      cancel();
      return { query, status: 'failed', error };
    }
  };

  const writeAll = async (): Promise<{ error: unknown } | undefined> => {
    for (let index = 0; index < queues.length; index++) {
      const batches = queues[index]!.batches();
      for (;;) {
        // A listing that failed ends the writing; its outcome says why.
        const next = await batches.next().catch(() => undefined);
        if (next === undefined) return undefined;
        if (next.done === true) break;
        stampOrigin(next.value, job.queries[index]!);
        try {
          await sink.writeLeads(next.value);
        } catch (error) {
          cancel();
          return { error };
        }
      }
    }
    return undefined;
  };

  const limit = pLimit(job.concurrency);
  const settled = job.queries.map((_, index) =>
    limit(async () => {
      const outcome = await readListing(index);
      job.onSettled(index, outcome);
      return outcome;
    }),
  );
  try {
    const [writeFailure, outcomes] = await Promise.all([writeAll(), Promise.all(settled)]);
    if (context.signal.aborted) throw abortError(context.signal);
    if (writeFailure) throw writeFailure.error;
    if (outcomes.some((outcome) => outcome.status !== 'done')) {
      await sink.abort();
      await destination.abort();
      return { outcomes, label: destination.label, columns: null };
    }
    await sink.finish();
    if (context.signal.aborted) throw abortError(context.signal);
    await destination.commit();
    return { outcomes, label: destination.label, columns: sink.columns };
  } catch (error) {
    await sink.abort();
    await destination.abort();
    throw isWriteError(error) ? outputError(destination.label, error) : error;
  } finally {
    await Promise.all(queues.map((queue) => queue.remove()));
  }
}

/**
 * Several chatbots, one file each (`paths[i]` for `queries[i]`), each shaped
 * and committed exactly as a single-chatbot export; up to `concurrency` at
 * once. A chatbot that fails costs only its own file.
 */
export async function exportEach(
  context: ExportContext,
  job: ManyExportJob & { paths: readonly string[]; fingerprint: (query: LeadsQuery) => Record<string, unknown> },
): Promise<ChatbotOutcome[]> {
  const limit = pLimit(job.concurrency);
  const exportOne = async (index: number): Promise<ChatbotOutcome> => {
    const query = job.queries[index]!;
    const path = job.paths[index]!;
    try {
      await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
        throw outputError(path, error);
      });
      const result = await exportChatbot({ ...context, warn: warnFor(context, query) }, {
        query,
        output: path,
        fingerprint: job.fingerprint(query),
        incremental: job.incrementals[index],
        onProgress: (done) => job.onProgress(index, done),
      });
      return { query, status: 'done', leads: result.leads, pages: result.pages, columns: result.columns, csv: result.csv };
    } catch (error) {
      return { query, status: 'failed', error };
    }
  };
  const outcomes = await Promise.all(
    job.queries.map((_, index) =>
      limit(async () => {
        const outcome = await exportOne(index);
        job.onSettled(index, outcome);
        return outcome;
      }),
    ),
  );
  if (context.signal.aborted) throw abortError(context.signal);
  return outcomes;
}

/** A chatbot's warnings, named as tail names them: `12/abc: lead ...`. */
function warnFor(context: ExportContext, query: LeadsQuery): (text: string) => void {
  return (text) => context.warn(`${chatbotKey(query)}: ${text}`);
}
