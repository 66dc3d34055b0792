import type { IO } from '../../io.js';
import { stderrColor } from '../../io.js';
import type { Lead } from '../../api/types.js';
import { UsageError } from '../../errors.js';
import type { LeadsQuery } from '../../api/paginate.js';
import { parseDuration, parseTimeBound } from '../../leads/time.js';
import { createJsonEncoder } from '../../output/json-encoder.js';
import { GrowingCsv } from '../../output/growing-csv.js';
import { formatPrettyLead } from '../../output/pretty-lead.js';
import { writeChunk } from '../../output/write-chunk.js';
import { followLeads, type FollowEvent } from '../../tail/follow-leads.js';
import { createProgress, plural, type Progress } from '../../ui/progress.js';
import { connect } from '../connect.js';
import {
  optionalString,
  parseChatbotId,
  parseColumns,
  parseCount,
  parseProjectId,
  parseSeconds,
} from '../parse-options.js';

export type TailFormat = 'pretty' | 'jsonl' | 'csv';

export interface TailOptions {
  query: LeadsQuery;
  format: TailFormat;
  intervalMs: number;
  overlapMs: number;
  since: number | undefined;
  count: number | undefined;
  columns: string[] | undefined;
  header: boolean;
  escapeFormulas: boolean;
  apiUrl: string | undefined;
  retries: number;
  timeoutMs: number;
  quiet: boolean;
  verbose: boolean;
}

export const DEFAULT_TAIL_OVERLAP = '15m';

export function parseTailOptions(raw: Record<string, unknown>, now: number, stdoutIsTTY: boolean): TailOptions {
  const format = (optionalString(raw.format) as TailFormat | undefined) ?? (stdoutIsTTY ? 'pretty' : 'jsonl');
  const options: TailOptions = {
    query: {
      projectId: parseProjectId(raw.project),
      chatbotId: parseChatbotId(raw.chatbot),
      sessionId: optionalString(raw.session),
    },
    format,
    intervalMs: parseSeconds('--interval', raw.interval, 1),
    overlapMs: parseDuration('--overlap', String(raw.overlap ?? DEFAULT_TAIL_OVERLAP)),
    since: raw.since === undefined ? undefined : parseTimeBound(String(raw.since), now),
    count: parseCount('--count', raw.count, 1),
    columns: parseColumns(raw.columns),
    header: raw.header !== false,
    escapeFormulas: raw.escapeFormulas !== false,
    apiUrl: optionalString(raw.apiUrl),
    retries: parseCount('--retries', raw.retries, 0) ?? 2,
    timeoutMs: parseSeconds('--timeout', raw.timeout, 0.1),
    quiet: raw.quiet === true,
    verbose: raw.verbose === true,
  };
  if (options.columns && options.format === 'pretty') throw new UsageError('--columns works with --format csv or jsonl');
  return options;
}

/** Follows new leads until --count is reached or a signal ends it (exit 0). */
export async function runTail(raw: Record<string, unknown>, io: IO): Promise<void> {
  const options = parseTailOptions(raw, io.now(), io.stdoutIsTTY);
  const { client } = await connect(io, options);
  const progress = await createProgress(io, { quiet: options.quiet });
  progress.update('Waiting for leads…');
  const print = await createPrinter(options, io, progress);
  try {
    await followLeads({
      client,
      query: options.query,
      signal: io.signal,
      now: () => io.now(),
      intervalMs: options.intervalMs,
      overlapMs: options.overlapMs,
      since: options.since,
      count: options.count,
      print,
      onEvent: (event) => reportEvent(event, options, progress),
    });
  } finally {
    progress.stop();
    await client.close();
  }
}

async function createPrinter(
  options: TailOptions,
  io: IO,
  progress: Progress,
): Promise<(leads: readonly Lead[]) => Promise<void>> {
  const write = async (text: string): Promise<void> => writeChunk(io.stdout, text);
  if (options.format === 'csv') {
    const csv = new GrowingCsv({
      columns: options.columns,
      header: options.header,
      escapeFormulas: options.escapeFormulas,
      onNewColumns: (names, index) =>
        progress.warn(`new column${names.length > 1 ? 's' : ''} ${names.join(', ')} appended after column ${index}; earlier rows are shorter`),
    });
    return (leads) => write(csv.encode(leads));
  }
  if (options.format === 'jsonl') {
    const encode = createJsonEncoder(options.columns ? { columns: options.columns } : {});
    // One write per lead: a reader (`while read`) gets each lead as soon as it is printed.
    return async (leads) => {
      for (const lead of leads) await write(`${encode(lead)}\n`);
    };
  }
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: io.stdoutIsTTY && stderrColor(io) ? 1 : 0 });
  return (leads) => write(leads.map((lead) => `${formatPrettyLead(lead, chalk)}\n`).join(''));
}

function reportEvent(event: FollowEvent, options: TailOptions, progress: Progress): void {
  switch (event.type) {
    case 'polled':
      progress.update(`Waiting for leads… ${plural(event.seen, 'lead')} so far, last poll ${new Date(event.at).toLocaleTimeString()}`);
      break;
    case 'outage':
      progress.warn(`${event.error.message}; retrying in ${Math.round(event.retryInMs / 1000)}s`);
      break;
    case 'recovered':
      progress.warn(`the API answers again after ${Math.round(event.downMs / 1000)}s; nothing was missed`);
      break;
    case 'unordered':
      if (options.verbose) progress.warn(`the API lists leads ${event.order}: every poll reads every page`);
      break;
  }
}
