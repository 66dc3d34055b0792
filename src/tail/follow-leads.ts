import { setTimeout as sleepFor } from 'node:timers/promises';
import { paginateLeads, type LeadsQuery } from '../api/paginate.js';
import type { RobofyClient } from '../api/client.js';
import type { Lead } from '../api/types.js';
import { ExitCode, RobofyError } from '../errors.js';
import { DeliveryWindow } from '../leads/delivery-window.js';
import { ListingOrderTracker } from '../leads/listing-order.js';
import { parseLeadTime } from '../leads/time.js';

export interface FollowOptions {
  client: RobofyClient;
  query: LeadsQuery;
  signal: AbortSignal;
  now: () => number;
  intervalMs: number;
  /** Leads captured this far back are let through late; ids inside it are remembered. */
  overlapMs: number;
  /** Print the leads created since then first; otherwise only leads captured after the start. */
  since?: number | undefined;
  /** Stop after this many leads. */
  count?: number | undefined;
  /** Prints leads, oldest first. Returns once they are written. */
  print: (leads: readonly Lead[]) => Promise<void>;
  onEvent?: ((event: FollowEvent) => void) | undefined;
  random?: (() => number) | undefined;
  sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

export type FollowEvent =
  | { type: 'polled'; pages: number; fresh: number; seen: number; at: number }
  | { type: 'unordered'; order: string }
  | { type: 'outage'; error: RobofyError; retryInMs: number }
  | { type: 'recovered'; downMs: number };

const MAX_OUTAGE_BACKOFF_MS = 60_000;

/**
 * Follows a listing that has neither push nor a "since" parameter: it polls,
 * and prints what no earlier poll saw. The whole lifecycle is this one
 * promise: it resolves on --count or a signal, and rejects only on errors no
 * retry can cure (a rejected key, an unknown chatbot).
 */
export async function followLeads(options: FollowOptions): Promise<number> {
  const follower = new Follower(options);
  try {
    await follower.run();
  } catch (error) {
    if (!options.signal.aborted) throw error;
  }
  return follower.printed;
}

class Follower {
  printed = 0;
  readonly #options: FollowOptions;
  readonly #window: DeliveryWindow;
  #toldUnordered = false;

  constructor(options: FollowOptions) {
    this.#options = options;
    this.#window = new DeliveryWindow(undefined, options.overlapMs);
  }

  async run(): Promise<void> {
    const { signal } = this.#options;
    // The first poll sets the baseline: what exists now is old, unless --since asks for it.
    await this.#pollUntilSuccess(true);
    while (!this.#finished() && !signal.aborted) {
      await this.#sleep(jittered(this.#options.intervalMs, this.#options.random ?? Math.random));
      await this.#pollUntilSuccess(false);
    }
  }

  #finished(): boolean {
    return this.#options.count !== undefined && this.printed >= this.#options.count;
  }

  async #pollUntilSuccess(first: boolean): Promise<void> {
    let outageStart: number | undefined;
    for (let failures = 1; ; failures++) {
      try {
        await this.#poll(first);
        if (outageStart !== undefined) this.#emit({ type: 'recovered', downMs: this.#options.now() - outageStart });
        return;
      } catch (error) {
        if (!isTransient(error) || this.#options.signal.aborted) throw error;
        outageStart ??= this.#options.now();
        const retryInMs = Math.min(MAX_OUTAGE_BACKOFF_MS, this.#options.intervalMs * 2 ** (failures - 1));
        if (failures === 1 || retryInMs < MAX_OUTAGE_BACKOFF_MS) this.#emit({ type: 'outage', error, retryInMs });
        await this.#sleep(retryInMs);
      }
    }
  }

  async #poll(first: boolean): Promise<void> {
    const { client, query } = this.#options;
    const since = first ? this.#options.since : undefined;
    const order = new ListingOrderTracker();
    const fresh = new Map<string, Lead>();
    let newest = Number.NEGATIVE_INFINITY;
    let pages = 0;
    for await (const page of paginateLeads(client, query)) {
      pages++;
      for (const lead of page.rows) {
        const time = parseLeadTime(lead.created_at);
        order.observe(time);
        if (time !== undefined && time > newest) newest = time;
        if (!this.#window.isDelivered(lead)) fresh.set(String(lead.id), lead);
      }
      if (order.order === 'newest-first' && isBefore(page.rows.at(-1), this.#neededFrom(newest, since))) break;
    }
    if (order.order !== 'newest-first' && order.order !== 'unknown') this.#tellUnordered(order.order);
    const now = this.#options.now();
    const leads = [...fresh.values()];
    const shown = first ? leads.filter((lead) => since !== undefined && isSince(lead, since)) : leads;
    await this.#print(inCaptureOrder(shown));
    for (const lead of leads) this.#window.markDelivered(lead, now);
    this.#window.prune();
    this.#emit({ type: 'polled', pages, fresh: shown.length, seen: this.printed, at: now });
  }

  /**
   * How far back this poll must read. Later polls: the window's horizon.
   * With nothing known yet, the overlap behind the newest lead, so the next
   * poll can tell a late lead from an old one; and --since needs all after it.
   */
  #neededFrom(newest: number, since: number | undefined): number {
    const horizon = this.#window.size === 0 ? newest - this.#options.overlapMs : this.#window.horizon;
    return Math.min(horizon, since ?? Number.POSITIVE_INFINITY);
  }

  async #print(leads: Lead[]): Promise<void> {
    const room = this.#options.count === undefined ? leads.length : this.#options.count - this.printed;
    const batch = leads.slice(0, Math.max(0, room));
    if (batch.length === 0) return;
    await this.#options.print(batch);
    this.printed += batch.length;
  }

  #tellUnordered(order: string): void {
    if (this.#toldUnordered) return;
    this.#toldUnordered = true;
    this.#emit({ type: 'unordered', order });
  }

  #emit(event: FollowEvent): void {
    this.#options.onEvent?.(event);
  }

  #sleep(ms: number): Promise<void> {
    const sleep = this.#options.sleep ?? ((wait, signal) => sleepFor(wait, undefined, { signal }));
    return sleep(ms, this.#options.signal);
  }
}

function isTransient(error: unknown): error is RobofyError {
  return error instanceof RobofyError && error.exitCode === ExitCode.Api;
}

function isBefore(lead: Lead | undefined, time: number): boolean {
  const created = lead === undefined ? undefined : parseLeadTime(lead.created_at);
  return created !== undefined && created < time;
}

function isSince(lead: Lead, since: number): boolean {
  const time = parseLeadTime(lead.created_at);
  return time === undefined || time >= since;
}

/** Oldest first; leads without a usable time keep their listing order, at the end. */
function inCaptureOrder(leads: Lead[]): Lead[] {
  const time = (lead: Lead): number => parseLeadTime(lead.created_at) ?? Number.POSITIVE_INFINITY;
  return leads
    .map((lead, index) => ({ lead, index, time: time(lead) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map((entry) => entry.lead);
}

function jittered(ms: number, random: () => number): number {
  return Math.round(ms * (0.9 + random() * 0.2));
}
