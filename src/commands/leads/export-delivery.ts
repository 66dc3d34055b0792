import type { IO } from '../../io.js';
import type { Settings } from '../../config/settings.js';
import { abortError } from '../../errors.js';
import { paginateLeads } from '../../api/paginate.js';
import { LeadDeduper } from '../../leads/dedupe.js';
import { createJsonEncoder } from '../../output/json-encoder.js';
import { exportLeads } from '../../export/export-leads.js';
import { IncrementalExport } from '../../export/incremental.js';
import { openDelivery, type DeliveryRun } from '../../deliver/open-delivery.js';
import { DeliverySink } from '../../deliver/delivery-sink.js';
import { deliveryStatus } from '../../deliver/delivery-report.js';
import { createTailStatus } from '../../tail/status.js';
import { plural, seconds } from '../../ui/progress.js';
import { connect } from '../connect.js';
import type { DeliveryTarget } from '../delivery-options.js';
import { leadFilter } from '../../export/export-chatbot.js';
import type { ExportOptions } from './export.js';

/** Backoff between retries of one lead grows to this; --retries bounds how many. */
const EXPORT_MAX_BACKOFF_MS = 60_000;
/** Leads handed to the delivery queue ahead of the one in flight. */
const EXPORT_MAX_WAITING_LEADS = 1_000;

/**
 * `leads export --forward-to/--exec`: the new leads, oldest first, each
 * delivered or dead-lettered before the next. With --state, the state moves
 * over exactly the leads done with, and is saved however the run ends, so
 * the next run delivers every lead not yet delivered.
 */
export async function runDeliveringExport(options: ExportOptions, target: DeliveryTarget, io: IO, settings: Settings): Promise<void> {
  const started = io.now();
  const client = await connect(io, { ...options, settings });
  const incremental = options.state
    ? await IncrementalExport.open(options.state, options.query, io.now(), options.overlapMs)
    : undefined;
  const status = await createTailStatus(io, { quiet: options.quiet, verbose: options.verbose });
  const stop = new AbortController();
  const signal = AbortSignal.any([io.signal, stop.signal]);
  let delivery: DeliveryRun | undefined;
  try {
    delivery = await openDelivery(target, {
      io,
      profile: settings.profile.name,
      query: options.query,
      encode: createJsonEncoder({ raw: options.raw, ...(options.columns ? { columns: options.columns } : {}) }),
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      maxBackoffMs: EXPORT_MAX_BACKOFF_MS,
      // Fed from the spool as the receiver takes them; nothing to warn about, there is no polling to pause.
      maxWaiting: EXPORT_MAX_WAITING_LEADS,
      warnWhenFull: false,
      status: deliveryStatus(status, io, options.quiet),
      confirm: async (lead) => incremental?.record([lead], io.now()),
      onFailure: (error) => stop.abort(error),
    });
    const sink = new DeliverySink(delivery, signal);
    status.update(`Reading new leads… then delivering to ${delivery.label}`);
    await exportLeads({
      pages: paginateLeads(client, options.query, { maxPages: options.maxPages }),
      sink,
      deduper: new LeadDeduper(),
      keep: leadFilter(options, incremental, (text) => status.warn(text)),
      limit: options.limit,
      signal,
      done: incremental ? (page) => incremental.reachedDelivered(page) : undefined,
    });
    await sink.finish();
    if (io.signal.aborted) throw abortError(io.signal);
    const { queue } = delivery;
    const deadLettered = queue.deadLettered > 0 ? `, ${queue.deadLettered} dead-lettered` : '';
    const retries = queue.retries > 0 ? `, ${plural(queue.retries, 'retry', 'retries')}` : '';
    status.stop();
    if (!options.quiet) {
      io.stderr.write(`robofy: delivered ${plural(queue.delivered, 'lead')} to ${delivery.label} in ${seconds(io.now() - started)}${deadLettered}${retries}\n`);
    }
  } finally {
    status.stop();
    await delivery?.close();
    // Saved however the run ended: it holds exactly the leads done with.
    if (incremental) await incremental.commit(incremental.columns, incremental.csv, io.now()).finally(() => incremental.release());
    await client.close();
  }
}
