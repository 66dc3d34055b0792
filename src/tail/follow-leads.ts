import { setTimeout as sleepFor } from 'node:timers/promises';
import type { LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import { ExitCode, RobofyError } from '../errors.js';
import { DeliveryWindow, type DeliverySnapshot } from '../leads/delivery-window.js';
import { ListingOrderTracker, type ListingOrder } from '../leads/listing-order.js';
import { parseLeadTime } from '../leads/time.js';
import { inCaptureOrder } from '../leads/capture-order.js';
import type { PageSource } from './poll-pages.js';

export interface FollowOptions {
  /** The listing, read from its first page on every poll (see `sequentialPages`). */
  pages: PageSource;
  query: LeadsQuery;
  signal: AbortSignal;
  now: () => number;
  intervalMs: number;
  /** Leads captured this far behind the newest one are let through late; ids inside it are remembered. */
  overlapMs: number;
  /** Print the leads created since then first; otherwise only leads captured after the start. */
  since?: number | undefined;
  /**
   * What an earlier run printed (--state): there is no baseline then, and the
   * first poll prints every lead that run did not (`since` is not used).
   */
  resume?: DeliverySnapshot | undefined;
  /** After the baseline poll: the leads it took as already there, and did not print. */
  passedOver?: ((leads: readonly Lead[]) => Promise<void>) | undefined;
  /** Stop after this many leads. */
  count?: number | undefined;
  /** Prints leads, oldest first. Returns once they are written. */
  print: (leads: readonly Lead[]) => Promise<void>;
  onEvent?: ((event: FollowEvent) => void) | undefined;
  random?: (() => number) | undefined;
  /** Waits `ms`; rejects (or resolves early) when `signal` aborts. Tests inject their own clock. */
  sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

export type FollowEvent =
  /** A poll succeeded: `printed` is the run's total so far, `remembered` the ids kept to tell late leads from seen ones. */
  | { type: 'polled'; poll: number; pages: number; stoppedEarly: boolean; fresh: number; printed: number; remembered: number; at: number }
  /** Said once: the listing is not newest first, so no poll can stop before the last page. */
  | { type: 'full-reads'; order: Exclude<ListingOrder, 'newest-first' | 'unknown'> }
  /** The first failure of an outage (said once per outage). */
  | { type: 'outage'; error: RobofyError; at: number }
  /** Every failed attempt, the first included, with the wait before the next one. */
  | { type: 'retrying'; error: RobofyError; failures: number; retryInMs: number }
  | { type: 'recovered'; downMs: number };

/** Outage backoff grows from the interval up to this (or the interval, when that is longer). */
const MAX_OUTAGE_BACKOFF_MS = 60_000;

/** Api-exit-code errors that no retry cures: a misconfiguration or a response too big to ever read. */
const FATAL_CODES = new Set(['REDIRECT', 'RESPONSE_TOO_LARGE', 'TOO_MANY_PAGES', 'INSECURE_URL']);

/**
 * Follows a listing that has neither push nor a "since" parameter: it polls,
 * and prints what no earlier poll saw. The whole lifecycle is this one
 * promise: it resolves (with the number of leads printed) on --count or when
 * the run is interrupted, and rejects on errors no retry can cure (a rejected
 * key, an unknown chatbot) or when the run was aborted for another reason
 * (stdout closed), with that reason.
 */
export async function followLeads(options: FollowOptions): Promise<number> {
  const follower = new Follower(options);
  try {
    await follower.run();
  } catch (error) {
    if (!options.signal.aborted) throw error;
  }
  const reason: unknown = options.signal.aborted ? options.signal.reason : undefined;
  if (reason instanceof RobofyError && reason.exitCode !== ExitCode.Interrupted) throw reason;
  return follower.printed;
}

/**
 * How a poll decides what is new:
 * - A DeliveryWindow holds the ids of the leads inside the overlap window
 *   behind the newest lead seen (the watermark); anything older than that
 *   window (the horizon) counts as seen. Pruned after every poll.
 * - The first poll is the baseline: what exists then is old (unless
 *   --since asks for it), and it reads back one overlap window so that a
 *   later poll can tell a late lead from an old one.
 * - On a newest-first listing a poll stops at the first page that reaches
 *   past the horizon: every lead after it is older still. The order is
 *   detected, never assumed; once a poll sees anything else, every later
 *   poll reads every page.
 * - Leads whose created_at is not a time cannot be placed in the window: their
 *   ids are kept while the listing still shows them.
 */
class Follower {
  printed = 0;
  readonly #options: FollowOptions;
  readonly #window: DeliveryWindow;
  /** Ids of leads without a usable created_at, with the poll that last saw them. */
  readonly #untimed = new Map<string, number>();
  /** False for good once a poll saw the listing in any order but newest first. */
  #newestFirst = true;
  #polls = 0;

  constructor(options: FollowOptions) {
    this.#options = options;
    this.#window = new DeliveryWindow(options.resume, options.overlapMs);
  }

  async run(): Promise<void> {
    const { signal } = this.#options;
    await this.#pollUntilSuccess(this.#options.resume === undefined);
    while (!this.#finished() && !signal.aborted) {
      await this.#sleep(jittered(this.#options.intervalMs, this.#random));
      if (signal.aborted) return;
      await this.#pollUntilSuccess(false);
    }
  }

  get #random(): () => number {
    return this.#options.random ?? Math.random;
  }

  #finished(): boolean {
    return this.#options.count !== undefined && this.printed >= this.#options.count;
  }

  /** One poll, retried through transient failures for as long as they last; said once per outage. */
  async #pollUntilSuccess(baseline: boolean): Promise<void> {
    let downSince: number | undefined;
    for (let failures = 0; ; ) {
      try {
        await this.#poll(baseline);
        if (downSince !== undefined) this.#emit({ type: 'recovered', downMs: this.#options.now() - downSince });
        return;
      } catch (error) {
        if (this.#options.signal.aborted || !isTransient(error)) throw error;
        failures++;
        if (downSince === undefined) {
          downSince = this.#options.now();
          this.#emit({ type: 'outage', error, at: downSince });
        }
        const retryInMs = outageBackoff(this.#options.intervalMs, failures, this.#random);
        this.#emit({ type: 'retrying', error, failures, retryInMs });
        await this.#sleep(retryInMs);
        if (this.#options.signal.aborted) return;
      }
    }
  }

  /**
   * Reads the listing as far as it must, then prints what is new, oldest
   * first. Nothing is printed or remembered until the poll has read all it
   * needs: a poll that fails half-way is simply done again.
   */
  async #poll(baseline: boolean): Promise<void> {
    const { overlapMs } = this.#options;
    const poll = ++this.#polls;
    const since = baseline ? this.#options.since : undefined;
    const order = new ListingOrderTracker();
    const fresh = new Map<string, Lead>();
    const untimedSeen = new Set<string>();
    let newest = Number.NEGATIVE_INFINITY;
    let pages = 0;
    let stoppedEarly = false;
    let swept = Number.NEGATIVE_INFINITY;
    const now = this.#options.now();
    // The baseline keeps only what it will print (--since) or must remember: the overlap behind the
    // newest lead, or behind now when that lead claims to be from the future (as the window has it).
    const keepFrom = (): number => Math.min(Math.min(newest, now) - overlapMs, since ?? Number.POSITIVE_INFINITY);
    // Later polls read back to the horizon; with nothing seen yet, everything listed is new.
    const readBackTo = (): number => (baseline ? keepFrom() : this.#window.horizon);

    // Ids of the page before and this one: leads captured while the poll pages shift the listing, and its
    // rows come back at the top of the next page; seen again, they would look like the listing going back in time.
    let previousPage = new Set<string>();
    for await (const page of this.#options.pages(this.#options.query)) {
      pages++;
      const thisPage = new Set<string>();
      for (const lead of page.rows) {
        const id = String(lead.id);
        if (previousPage.has(id) || thisPage.has(id)) continue;
        thisPage.add(id);
        const time = parseLeadTime(lead.created_at);
        order.observe(time);
        if (time === undefined) {
          untimedSeen.add(id);
          if (!this.#untimed.has(id) && !this.#window.isDelivered(lead)) fresh.set(id, lead);
          continue;
        }
        if (time > newest) newest = time;
        if (this.#window.isDelivered(lead)) continue;
        if (baseline && time < keepFrom()) continue;
        fresh.set(id, lead);
      }
      // The cut-off only rises (as `newest` does), and stops rising at --since: sweep when it moved.
      previousPage = thisPage;
      if (baseline && keepFrom() > swept) {
        swept = keepFrom();
        dropOlderThan(fresh, swept);
      }
      if (this.#newestFirst && order.order === 'newest-first' && isOlderThan(page.rows.at(-1), readBackTo())) {
        stoppedEarly = true;
        break;
      }
    }
    if (order.order === 'oldest-first' || order.order === 'unordered') this.#readsEverything(order.order);

    const leads = inCaptureOrder([...fresh.values()]);
    const shown = baseline ? (since === undefined ? [] : leads.filter((lead) => isSince(lead, since))) : leads;
    const printed = await this.#print(shown);
    if (baseline) {
      const toShow = new Set(shown);
      await this.#options.passedOver?.(leads.filter((lead) => !toShow.has(lead)));
    }
    // Untimed ids are remembered by #forget.
    for (const lead of leads) if (!untimedSeen.has(String(lead.id))) this.#window.markDelivered(lead, now);
    this.#forget(poll, untimedSeen, stoppedEarly);
    this.#emit({
      type: 'polled',
      poll,
      pages,
      stoppedEarly,
      fresh: printed,
      printed: this.printed,
      remembered: this.#window.size + this.#untimed.size,
      at: this.#options.now(),
    });
  }

  /** Prunes the window, and the untimed ids a whole read no longer found. */
  #forget(poll: number, untimedSeen: ReadonlySet<string>, stoppedEarly: boolean): void {
    this.#window.prune();
    for (const id of untimedSeen) this.#untimed.set(id, poll);
    // A poll that stopped early did not look where they might be.
    if (stoppedEarly) return;
    for (const [id, lastSeen] of this.#untimed) if (lastSeen < poll) this.#untimed.delete(id);
  }

  async #print(leads: readonly Lead[]): Promise<number> {
    const room = this.#options.count === undefined ? leads.length : this.#options.count - this.printed;
    const batch = leads.slice(0, Math.max(0, room));
    if (batch.length === 0) return 0;
    await this.#options.print(batch);
    this.printed += batch.length;
    return batch.length;
  }

  #readsEverything(order: 'oldest-first' | 'unordered'): void {
    if (!this.#newestFirst) return;
    this.#newestFirst = false;
    this.#emit({ type: 'full-reads', order });
  }

  #emit(event: FollowEvent): void {
    this.#options.onEvent?.(event);
  }

  #sleep(ms: number): Promise<void> {
    const sleep = this.#options.sleep ?? ((wait, signal) => sleepFor(wait, undefined, { signal }));
    return sleep(ms, this.#options.signal);
  }
}

/** 429, 5xx, network trouble, a body a proxy mangled: worth waiting out. Auth, 404 and 400 are not. */
export function isTransient(error: unknown): error is RobofyError {
  return error instanceof RobofyError && error.exitCode === ExitCode.Api && !FATAL_CODES.has(error.code);
}

/** interval·2^(n-1), capped at a minute (or the interval, if longer), with ±10% jitter. */
export function outageBackoff(intervalMs: number, failures: number, random: () => number): number {
  const ceiling = Math.max(intervalMs, MAX_OUTAGE_BACKOFF_MS);
  return jittered(Math.min(ceiling, intervalMs * 2 ** Math.min(failures - 1, 30)), random);
}

/** ±10%, so many tails started together do not poll in step. */
export function jittered(ms: number, random: () => number): number {
  return Math.max(0, Math.round(ms * (0.9 + random() * 0.2)));
}

function isOlderThan(lead: Lead | undefined, time: number): boolean {
  const created = lead === undefined ? undefined : parseLeadTime(lead.created_at);
  return created !== undefined && created < time;
}

function isSince(lead: Lead, since: number): boolean {
  const time = parseLeadTime(lead.created_at);
  return time === undefined || time >= since;
}

function dropOlderThan(leads: Map<string, Lead>, time: number): void {
  for (const [id, lead] of leads) if (isOlderThan(lead, time)) leads.delete(id);
}
