import type { IO } from '../../io.js';
import type { LeadsQuery } from '../../api/paginate.js';
import { ExitCode, RobofyError } from '../../errors.js';
import { chatbotKey } from '../../leads/chatbot-list.js';
import { warnOfNewColumns, type ExportContext } from '../../export/export-chatbot.js';
import { checkStateColumns, continueCsv } from '../../state/csv-continuation.js';
import { combinedColumns } from '../../leads/lead-origin.js';
import { exportCombined, exportEach, type ChatbotOutcome, type ManyExportJob } from '../../export/export-many.js';
import { StateBook } from '../../export/incremental.js';
import { isOutputTemplate, templatePaths } from '../../export/output-template.js';
import { ChatbotsProgress } from '../../ui/chatbots-progress.js';
import { plural, retriesText, seconds, type Progress } from '../../ui/progress.js';
import { reportError } from '../../ui/report-error.js';
import type { ExportOptions } from './export.js';

/**
 * Several chatbots (or a `{chatbot}` template): one combined output, or one
 * file each, read concurrently through the run's one client, with one state
 * file for all. Every failed chatbot is named on stderr; the run ends with
 * the exit code of the first one (in the order given).
 */
export async function exportMany(
  context: ExportContext,
  options: ExportOptions,
  fingerprint: (query: LeadsQuery) => Record<string, unknown>,
  progress: Progress,
  io: IO,
): Promise<void> {
  const started = io.now();
  const { queries } = options;
  const paths = isOutputTemplate(options.output) ? templatePaths(options.output, queries) : undefined;
  const book = options.state ? await StateBook.open(options.state, io.now()) : undefined;
  try {
    const board = new ChatbotsProgress(queries, progress);
    const job: ManyExportJob = {
      queries,
      concurrency: options.concurrency,
      incrementals: queries.map((query) => book?.view(query, options.overlapMs)),
      onProgress: (index, done) => board.update(index, done.leads),
      onSettled: (index) => board.settled(index),
    };
    let outcomes: ChatbotOutcome[];
    let target: string;
    if (paths) {
      outcomes = await exportEach(context, { ...job, paths, fingerprint });
      target = plural(outcomes.filter((outcome) => outcome.status === 'done').length, 'file');
      const entries = doneEntries(job, outcomes, io.now());
      if (book && entries.length > 0) await book.commit(entries, undefined, io.now());
    } else {
      if (book && options.format === 'csv') checkStateColumns(combinedColumns(options.columns), book.combinedColumns);
      const csv = options.format === 'csv' ? continueCsv(options, book?.combinedCsv) : undefined;
      const result = await exportCombined(context, { ...job, output: options.output, knownColumns: book?.combinedColumns ?? [], csv });
      outcomes = result.outcomes;
      target = result.label;
      if (book && outcomes.every((outcome) => outcome.status === 'done')) {
        warnOfNewColumns(book.combinedColumns, result.columns, context.warn);
        await book.commit(doneEntries(job, outcomes, io.now()), { columns: result.columns, csv: csv?.shape }, io.now());
      }
    }
    const failed = outcomes.filter((outcome) => outcome.status === 'failed');
    const leads = outcomes.reduce((sum, outcome) => sum + (outcome.status === 'done' ? outcome.leads : 0), 0);
    const pages = outcomes.reduce((sum, outcome) => sum + (outcome.status === 'done' ? outcome.pages : 0), 0);
    const read = outcomes.length - failed.length;
    progress.stop(
      `Exported ${plural(leads, 'lead')} of ${read < outcomes.length ? `${read} of ` : ''}${plural(outcomes.length, 'chatbot')} ` +
        `to ${target} in ${seconds(io.now() - started)} (${plural(pages, 'page')}${retriesText(context.client.retries)})` +
        (failed.length > 0 ? `; failed: ${failed.map((outcome) => chatbotKey(outcome.query)).join(', ')}` : ''),
    );
    if (failed.length > 0) throw failureReport(failed, outcomes, paths === undefined ? target : undefined, io, options.verbose);
  } finally {
    await book?.release();
  }
}

function doneEntries(job: ManyExportJob, outcomes: readonly ChatbotOutcome[], now: number) {
  return outcomes.flatMap((outcome, index) => {
    const incremental = job.incrementals[index];
    return outcome.status === 'done' && incremental ? [incremental.entry(outcome.columns, outcome.csv, now)] : [];
  });
}

/**
 * Names each failed chatbot with its reason on stderr, and returns the
 * error the run ends with: the first failure's exit code, and what was
 * (not) written.
 */
function failureReport(
  failed: readonly Extract<ChatbotOutcome, { status: 'failed' }>[],
  outcomes: readonly ChatbotOutcome[],
  combinedTarget: string | undefined,
  io: IO,
  verbose: boolean,
): RobofyError {
  for (const { query, error } of failed) {
    const message = error instanceof Error ? error.message : String(error);
    const exitCode = error instanceof RobofyError ? error.exitCode : ExitCode.Internal;
    reportError(new RobofyError(`${chatbotKey(query)}: ${message}`, { code: 'CHATBOT_FAILED', exitCode, cause: error }), io, verbose);
  }
  const first = failed[0]!.error;
  const stopped = outcomes.filter((outcome) => outcome.status === 'stopped').length;
  const what =
    combinedTarget === undefined
      ? `the other chatbots' files were written`
      : `nothing was written to ${combinedTarget}${stopped > 0 ? ` (${plural(stopped, 'chatbot')} not read to the end)` : ''}`;
  return new RobofyError(`${failed.length} of ${plural(outcomes.length, 'chatbot')} failed; ${what}`, {
    code: 'CHATBOTS_FAILED',
    exitCode: first instanceof RobofyError ? first.exitCode : ExitCode.Internal,
  });
}
