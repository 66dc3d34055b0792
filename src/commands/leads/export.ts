import type { IO } from '../../io.js';
import { UsageError } from '../../errors.js';
import type { LeadsQuery } from '../../api/paginate.js';
import { parseDuration, parseTimeBound } from '../../leads/time.js';
import type { ChatbotRef } from '../../leads/chatbot-list.js';
import type { OutputFormat } from '../../output/sink.js';
import { exportChatbot, type ExportContext, type ExportSettings } from '../../export/export-chatbot.js';
import { isOutputTemplate } from '../../export/output-template.js';
import { createProgress, plural, retriesText, seconds } from '../../ui/progress.js';
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
  readChatbotsFrom,
  type LeadsCommandOptions,
} from '../parse-options.js';

export interface ExportOptions extends LeadsCommandOptions, ExportSettings {
  output: string | undefined;
  state: string | undefined;
  overlapMs: number | undefined;
  /** How many listings are read at once when there are several chatbots. */
  concurrency: number;
  verbose: boolean;
  /** --forward-to or --exec: leads go there, not to stdout or a file. */
  delivery: DeliveryTarget | undefined;
}

export const MAX_CONCURRENCY = 16;

/** Turns commander's raw values into checked options; every mistake is a UsageError. */
export function parseExportOptions(raw: Record<string, unknown>, now: number, listed: readonly ChatbotRef[] = []): ExportOptions {
  const output = optionalString(raw.output);
  const delivery = parseDeliveryOptions(raw);
  // Delivered leads are JSON lines, whatever the format default.
  const format = (optionalString(raw.format) as OutputFormat | undefined) ?? (delivery ? 'jsonl' : (formatFromPath(output) ?? 'csv'));
  const options: ExportOptions = {
    ...parseLeadsCommandOptions(raw, listed),
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
    concurrency: parseConcurrency(raw.concurrency),
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
  if (options.resume && options.queries.length > 1 && !isOutputTemplate(options.output)) {
    throw new UsageError('--resume with several chatbots needs one file each: put {chatbot} (and {project}) in --output');
  }
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
  if (options.queries.length > 1) throw new UsageError(`${target} delivers one chatbot's leads: give one -c/--chatbot`);
}

function parseConcurrency(value: unknown): number {
  const text = String(value ?? 4).trim();
  const concurrency = Number(text);
  if (!/^\d+$/.test(text) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got "${String(value)}"`);
  }
  return concurrency;
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
  const listed = await readChatbotsFrom(raw.chatbotsFrom, io.stdin);
  const options = parseExportOptions(raw, io.now(), listed);
  if (options.delivery) {
    const { runDeliveringExport } = await import('./export-delivery.js');
    return runDeliveringExport(options, options.delivery, io, settings);
  }
  checkTerminal(options, io.stdoutIsTTY);
  const started = io.now();
  const listings = options.queries.length > 1 ? Math.min(options.concurrency, options.queries.length) : 1;
  const client = await connect(io, { ...options, settings, listings });
  const progress = await createProgress(io, { quiet: options.quiet });
  const context: ExportContext = {
    client,
    settings: options,
    stdout: io.stdout,
    signal: io.signal,
    now: () => io.now(),
    warn: (text) => progress.warn(text),
  };
  try {
    // Several chatbots and --state bring their own modules, loaded only when asked for: start-up is paid on every run.
    if (options.queries.length > 1 || isOutputTemplate(options.output)) {
      const { exportMany } = await import('./export-many.js');
      await exportMany(context, options, (query) => fingerprint(raw, options, query), progress, io);
      return;
    }
    const incremental = options.state
      ? await (await import('../../export/incremental.js')).IncrementalExport.open(options.state, options.query, io.now(), options.overlapMs)
      : undefined;
    const shifts = listingShifts(io);
    try {
      const result = await exportChatbot(context, {
        query: options.query,
        output: options.output,
        fingerprint: fingerprint(raw, options, options.query),
        incremental,
        onRepeats: options.verbose ? (page, repeats) => shifts.repeated(page.number, repeats) : undefined,
        onProgress: (done) => {
          if (progress.active) progress.update(`Exporting… ${plural(done.leads, 'lead')}, ${plural(done.pages, 'page')}`);
        },
      });
      await incremental?.commit(result.columns, result.csv, io.now());
      shifts.summarise();
      progress.stop(
        `Exported ${plural(result.leads, 'lead')} to ${result.label} in ${seconds(io.now() - started)} ` +
          `(${plural(result.pages, 'page')}${retriesText(client.retries)})`,
      );
    } finally {
      await incremental?.release();
    }
  } finally {
    progress.stop();
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

/**
 * The stored settings export uses: --output's extension beats a stored format, --overlap goes with --state only,
 * and --chatbots-from names the chatbots itself (a stored chatbot is not added to its list).
 */
function settingKeys(raw: Record<string, unknown>): SettingKey[] {
  const keys: SettingKey[] = optionalString(raw.chatbotsFrom) === undefined ? ['project', 'chatbot'] : ['project'];
  if (formatFromPath(optionalString(raw.output)) === undefined) keys.push('format');
  if (optionalString(raw.state) !== undefined) keys.push('overlap');
  return keys;
}


/** What a resumed export must share with the run that started it: the query and the output-shaping options as typed. */
function fingerprint(raw: Record<string, unknown>, options: ExportOptions, query: LeadsQuery): Record<string, unknown> {
  const { format, columns, header, escapeFormulas, delimiter, bom, limit, state } = options;
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
