import type { IO } from '../../io.js';
import type { Lead } from '../../api/types.js';
import { UsageError } from '../../errors.js';
import { parseDuration, parseTimeBound } from '../../leads/time.js';
import { DEFAULT_OVERLAP_MS } from '../../leads/delivery-window.js';
import { createJsonEncoder } from '../../output/json-encoder.js';
import { GrowingCsv } from '../../output/growing-csv.js';
import { formatPrettyLead, stdoutColorLevel } from '../../output/pretty-lead.js';
import { writeChunk } from '../../output/write-chunk.js';
import { escapeForTerminal } from '../../leads/terminal.js';
import { followLeads, type FollowEvent } from '../../tail/follow-leads.js';
import { followMany } from '../../tail/follow-many.js';
import type { ChatbotRef } from '../../leads/chatbot-list.js';
import { chatbotKey } from '../../leads/chatbot-list.js';
import { combinedColumns, ORIGIN_COLUMNS } from '../../leads/lead-origin.js';
import { BASE_COLUMNS } from '../../leads/flatten.js';
import { checkedPages, sequentialPages } from '../../tail/poll-pages.js';
import { createTailStatus, type TailStatus } from '../../tail/status.js';
import { TailState } from '../../tail/tail-state.js';
import { openDelivery } from '../../deliver/open-delivery.js';
import { deliveryStatus } from '../../deliver/delivery-report.js';
import { isDelivering, parseDeliveryOptions, type DeliveryTarget } from '../delivery-options.js';
import { plural, seconds } from '../../ui/progress.js';
import { connect } from '../connect.js';
import { resolveCommandSettings } from '../command-settings.js';
import { DEFAULT_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS } from '../../config/keys.js';
import type { CsvDelimiter } from '../../output/csv-text.js';
import { checkStateColumns, continueCsv } from '../../state/csv-continuation.js';
import {
  checkCsvOnlyOptions,
  optionalString,
  parseColumns,
  parseDelimiter,
  parseCount,
  parseLeadsCommandOptions,
  parseSeconds,
  readChatbotsFrom,
  type LeadsCommandOptions,
} from '../parse-options.js';

export type TailFormat = 'pretty' | 'jsonl' | 'csv';

export interface TailOptions extends LeadsCommandOptions {
  format: TailFormat;
  intervalMs: number;
  overlapMs: number;
  since: number | undefined;
  count: number | undefined;
  columns: string[] | undefined;
  header: boolean;
  bom: boolean;
  /** --delimiter as given; undefined leaves it to the CSV an earlier --state run started, else `,`. */
  delimiter: CsvDelimiter | undefined;
  escapeFormulas: boolean;
  state: string | undefined;
  /** --forward-to or --exec: leads go there, not to stdout. */
  delivery: DeliveryTarget | undefined;
  verbose: boolean;
}

const TAIL_FORMATS: readonly TailFormat[] = ['pretty', 'jsonl', 'csv'];

/** How late a lead may show up and still be printed; a restartable tail looks back as far as export --state does. */
const DEFAULT_TAIL_OVERLAP = '15m';

export function parseTailOptions(
  raw: Record<string, unknown>,
  now: number,
  stdoutIsTTY: boolean,
  listed: readonly ChatbotRef[] = [],
): TailOptions {
  const delivery = parseDeliveryOptions(raw);
  const asked = optionalString(raw.format) as TailFormat | undefined;
  if (delivery && asked !== undefined && asked !== 'jsonl') {
    throw new UsageError(`--format ${asked} does not apply to --forward-to or --exec: each lead is sent as its JSON line`);
  }
  const format = asked ?? (stdoutIsTTY && !delivery ? 'pretty' : 'jsonl');
  const state = optionalString(raw.state);
  const overlap = raw.overlap ?? (state ? undefined : DEFAULT_TAIL_OVERLAP);
  const options: TailOptions = {
    ...parseLeadsCommandOptions(raw, listed),
    format,
    intervalMs: parseSeconds('--interval', raw.interval ?? DEFAULT_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS),
    overlapMs: overlap === undefined ? DEFAULT_OVERLAP_MS : parseDuration('--overlap', String(overlap)),
    since: raw.since === undefined ? undefined : parseTimeBound(String(raw.since), now),
    count: parseCount('--count', raw.count, 1),
    columns: parseColumns(raw.columns),
    header: raw.header !== false,
    bom: raw.bom === true,
    delimiter: parseDelimiter(raw.delimiter),
    escapeFormulas: raw.escapeFormulas !== false,
    state,
    delivery,
  };
  if (options.columns && options.format === 'pretty') throw new UsageError('--columns works with --format csv or jsonl');
  checkCsvOnlyOptions(raw, format);
  return options;
}

/** Where a poll's new leads go: printed on stdout, or handed to the delivery queue. */
interface LeadOutput {
  /** Takes leads, oldest first; with stdout, resolves once they are written and the state saved. */
  take(leads: readonly Lead[]): Promise<void>;
  /** Resolves once every lead taken is done with (or a signal abandoned them). */
  finish(): Promise<void>;
  close(): Promise<void>;
}

/** Follows new leads until --count is reached (exit 0) or a signal ends it (exit 0, output flushed). */
export async function runTail(given: Record<string, unknown>, io: IO): Promise<void> {
  const keys = optionalString(given.chatbotsFrom) === undefined
    ? (['project', 'chatbot', 'format', 'overlap', 'interval'] as const)
    : (['project', 'format', 'overlap', 'interval'] as const);
  const { options: raw, settings } = await resolveCommandSettings(given, io, keys, isDelivering(given) ? ['jsonl'] : TAIL_FORMATS);
  const listed = await readChatbotsFrom(raw.chatbotsFrom, io.stdin);
  const options = parseTailOptions(raw, io.now(), io.stdoutIsTTY, listed);
  const many = options.queries.length > 1;
  if (many && options.state) throw new UsageError('tail --state follows one chatbot; run one tail per chatbot, each with its own state file');
  if (many && options.delivery) {
    throw new UsageError('--forward-to and --exec follow one chatbot; run one tail per chatbot, each with its own state file');
  }
  // One poll loop per chatbot, each with its own connection.
  const client = await connect(io, { ...options, settings, listings: options.queries.length });
  const state = options.state ? await TailState.open(options.state, options.query, io.now(), options.overlapMs) : undefined;
  const status = await createTailStatus(io, { quiet: options.quiet, verbose: options.verbose });
  status.update('Waiting for leads…');
  // A delivery that stops on an error stops the polling too, with that error.
  const stop = new AbortController();
  let output: LeadOutput | undefined;
  try {
    const confirm = async (leads: readonly Lead[]): Promise<void> => state?.confirm(leads, io.now());
    const opened = options.delivery
      ? await openTailDelivery(options, options.delivery, io, status, { confirm, stop, profile: settings.profile.name })
      : await openPrinter(options, io, status, { confirm, state }, many);
    output = opened;
    const follow = {
      pages: checkedPages(sequentialPages(client), (message) => status.warn(message)),
      signal: AbortSignal.any([io.signal, stop.signal]),
      now: () => io.now(),
      intervalMs: options.intervalMs,
      overlapMs: options.overlapMs,
      since: options.since,
      count: options.count,
      print: (leads: readonly Lead[]) => opened.take(leads),
    };
    if (many) {
      let total = 0;
      const describe = options.queries.map((query) => describeEvents(options, status, `${chatbotKey(query)}: `, () => total));
      await followMany({
        ...follow,
        queries: options.queries,
        print: async (leads) => {
          await follow.print(leads);
          total += leads.length;
        },
        onEvent: (index, event) => describe[index]!(event),
      });
    } else {
      await followLeads({
        ...follow,
        query: options.query,
        resume: state?.resume,
        passedOver: confirm,
        onEvent: describeEvents(options, status),
      });
    }
    await opened.finish();
  } finally {
    status.stop();
    await output?.close();
    await state?.release();
    await client.close();
  }
}

async function openPrinter(
  options: TailOptions,
  io: IO,
  status: TailStatus,
  { confirm, state }: { confirm: (leads: readonly Lead[]) => Promise<void>; state: TailState | undefined },
  many: boolean,
): Promise<LeadOutput> {
  const print = await createPrinter(options, io, status, many, state);
  return {
    take: async (leads) => {
      await status.around(() => print(leads));
      await confirm(leads);
    },
    finish: async () => undefined,
    close: async () => undefined,
  };
}

/** Backoff while a receiver fails grows to this, and no further: a tail never gives up on it. */
const TAIL_MAX_BACKOFF_MS = 5 * 60_000;
/** Leads waiting for a failing receiver, at most: past this, polling pauses (a few MB of leads). */
const TAIL_MAX_WAITING_LEADS = 5_000;

async function openTailDelivery(
  options: TailOptions,
  target: DeliveryTarget,
  io: IO,
  status: TailStatus,
  hooks: { confirm: (leads: readonly Lead[]) => Promise<void>; stop: AbortController; profile: string },
): Promise<LeadOutput> {
  const run = await openDelivery(target, {
    io,
    profile: hooks.profile,
    query: options.query,
    encode: createJsonEncoder(options.columns ? { columns: options.columns } : {}),
    timeoutMs: options.timeoutMs,
    retries: undefined,
    maxBackoffMs: TAIL_MAX_BACKOFF_MS,
    maxWaiting: TAIL_MAX_WAITING_LEADS,
    warnWhenFull: true,
    status: deliveryStatus(status, io, options.quiet),
    confirm: (lead) => hooks.confirm([lead]),
    onFailure: (error) => hooks.stop.abort(error),
  });
  return {
    take: (leads) => run.queue.push(leads.map(run.toDelivery)),
    finish: () => run.queue.drain(),
    close: () => run.close(),
  };
}

async function createPrinter(
  options: TailOptions,
  io: IO,
  status: TailStatus,
  many: boolean,
  state: TailState | undefined,
): Promise<(leads: readonly Lead[]) => Promise<void>> {
  const write = async (text: string): Promise<void> => writeChunk(io.stdout, text);
  // Several chatbots: each lead carries its origin, in the first two columns.
  const columns = many ? combinedColumns(options.columns) : options.columns;
  if (options.format === 'csv') {
    // A restarted tail continues the CSV its first run started: same delimiter and columns, no second header or BOM.
    const earlier = state?.earlierCsv;
    if (earlier) checkStateColumns(columns, earlier.columns);
    const run = continueCsv(options, earlier?.shape);
    const csv = new GrowingCsv({
      columns,
      firstColumns: many ? [...ORIGIN_COLUMNS, ...BASE_COLUMNS] : BASE_COLUMNS,
      continues: earlier?.columns,
      header: options.header,
      bom: run.writeBom,
      style: { delimiter: run.shape.delimiter, escapeFormulas: options.escapeFormulas },
      onWarning: (message) => status.warn(message),
      onNewColumns: (names, index) =>
        status.warn(
          `new column${names.length > 1 ? 's' : ''} ${names.map((name) => JSON.stringify(escapeForTerminal(name))).join(', ')} ` +
            `appended after column ${index}: the header above and the rows before have no cell for ${names.length > 1 ? 'them' : 'it'}`,
        ),
    });
    state?.printsCsv({ shape: run.shape, columns: () => csv.columns });
    // A poll's leads in one go: the header (first time) then names every column they have.
    return (leads) => write(csv.encode(leads));
  }
  if (options.format === 'jsonl') {
    const encode = createJsonEncoder(columns ? { columns } : {});
    // One write per lead: a reader (`while read`) gets each lead as soon as it is printed.
    return async (leads) => {
      for (const lead of leads) await write(`${encode(lead)}\n`);
    };
  }
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: stdoutColorLevel(io) });
  return async (leads) => {
    for (const lead of leads) await write(`${formatPrettyLead(lead, chalk)}\n`);
  };
}

/** With several chatbots, `label` names the chatbot in notes and warnings, and `total` counts every chatbot's leads. */
function describeEvents(options: TailOptions, status: TailStatus, label = '', total?: () => number): (event: FollowEvent) => void {
  let printed = 0;
  return (event) => {
    switch (event.type) {
      case 'polled':
        printed = total?.() ?? event.printed;
        // While delivering, the status line tells how the receiver is doing.
        if (!options.delivery) status.update(`Waiting for leads… ${plural(printed, 'lead')} so far, last poll ${clock(event.at)}`);
        if (options.verbose) {
          const how = event.stoppedEarly ? 'stopped past the overlap window' : 'read to the end';
          status.note(`${label}poll ${event.poll}: ${plural(event.pages, 'page')} (${how}), ${plural(event.fresh, 'new lead')}`);
        }
        break;
      case 'full-reads':
        if (options.verbose) {
          const order = event.order === 'oldest-first' ? 'oldest first' : 'in no order of created_at';
          status.note(`${label}the API lists leads ${order}, so a poll cannot stop at leads already seen: every poll reads every page`);
        }
        break;
      case 'outage':
        status.warn(`${label}${event.error.message}; still following: retrying until the API answers, then printing what was captured meanwhile`);
        status.update(`API unavailable since ${clock(event.at)}, retrying… ${plural(printed, 'lead')} so far`);
        break;
      case 'retrying':
        if (options.verbose) status.note(`${label}poll failed ${plural(event.failures, 'time')} in a row; next try in ${seconds(event.retryInMs)}`);
        break;
      case 'recovered':
        status.note(`${label}the API answers again after ${seconds(event.downMs)}; following resumed`);
        break;
    }
  };
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}
