import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Lead } from '../api/types.js';
import { backoffDelay, type BackoffOptions } from '../api/retry-policy.js';
import { ExitCode, RobofyError } from '../errors.js';
import { escapeForTerminal } from '../leads/terminal.js';
import type { DeadLetterFile } from './dead-letter.js';
import type { AttemptOutcome, Delivery, FailedAttempt, Transport } from './delivery.js';

export interface QueueOptions {
  transport: Transport;
  /** Aborting it abandons the attempt in flight (never counted) and stops. */
  signal: AbortSignal;
  now: () => number;
  /** Retries of one lead before giving up on it (export); undefined never gives up on a failing receiver (tail). */
  retries: number | undefined;
  backoff: BackoffOptions;
  deadLetter: DeadLetterFile | undefined;
  /** A lead is done with (delivered or dead-lettered): the state may move over it. Awaited before the next lead. */
  confirm: (lead: Lead) => Promise<void>;
  onEvent: (event: DeliveryEvent) => void;
  /** Called once when the queue stops on an error: the caller stops feeding it. */
  onFailure: (error: RobofyError) => void;
  /** push() waits while this many leads wait. */
  maxWaiting: number;
  random?: (() => number) | undefined;
}

export type DeliveryEvent =
  /** One attempt; `retryInMs` when another will follow. */
  | { type: 'attempt'; delivery: Delivery; outcome: AttemptOutcome; ms: number; attempt: number; retryInMs?: number | undefined; at: number }
  | { type: 'dead-lettered'; delivery: Delivery; failure: FailedAttempt }
  /** The first retryable failure after a success (said once per streak). */
  | { type: 'failing'; failure: FailedAttempt; waiting: number; at: number }
  | { type: 'recovered'; downMs: number }
  /** push() is holding the caller back: too many leads wait. */
  | { type: 'full'; waiting: number };

/**
 * Delivers leads one at a time, in the order pushed, each until it is
 * delivered or (given up on) dead-lettered; only then does the next start,
 * and only then is it confirmed. Retries follow the API client's policy:
 * exponential backoff with jitter, Retry-After honoured up to the backoff cap.
 */
export class DeliveryQueue {
  delivered = 0;
  deadLettered = 0;
  retries = 0;
  readonly #options: QueueOptions;
  readonly #waiting: Delivery[] = [];
  #worker: Promise<void> | undefined;
  #error: RobofyError | undefined;
  #downSince: number | undefined;
  #roomWaiters: (() => void)[] = [];

  constructor(options: QueueOptions) {
    this.#options = options;
  }

  /** Leads not yet done with, the one in flight included. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Queues leads (oldest first); resolves once there is room for more. Rejects if the queue has stopped on an error. */
  async push(deliveries: readonly Delivery[]): Promise<void> {
    this.#throwIfFailed();
    this.#waiting.push(...deliveries);
    // Started a tick later, so the worker is set before it can finish and clear itself.
    this.#worker ??= Promise.resolve().then(() => this.#work());
    if (this.#waiting.length < this.#options.maxWaiting) return;
    this.#options.onEvent({ type: 'full', waiting: this.#waiting.length });
    while (this.#waiting.length >= this.#options.maxWaiting && !this.#error && !this.#options.signal.aborted) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    this.#throwIfFailed();
  }

  /** Resolves when every pushed lead is done with, or the signal abandoned the rest; rejects on the queue's error. */
  async drain(): Promise<void> {
    while (this.#worker) await this.#worker;
    this.#throwIfFailed();
  }

  async #work(): Promise<void> {
    try {
      while (this.#waiting.length > 0 && !this.#options.signal.aborted) {
        await this.#deliver(this.#waiting[0]!);
        this.#waiting.shift();
        this.#wakePushers();
      }
    } catch (error) {
      if (!this.#options.signal.aborted) {
        this.#error = error instanceof RobofyError ? error : new RobofyError(String(error), { code: 'DELIVERY', exitCode: ExitCode.Internal, cause: error });
        this.#options.onFailure(this.#error);
      }
    } finally {
      this.#worker = undefined;
      this.#wakePushers();
    }
  }

  async #deliver(delivery: Delivery): Promise<void> {
    const { transport, now, retries, signal } = this.#options;
    for (let attempt = 1; ; attempt++) {
      const started = now();
      const outcome = await transport.attempt(delivery, signal);
      const ms = now() - started;
      if (outcome.ok) {
        this.#emit({ type: 'attempt', delivery, outcome, ms, attempt, at: now() });
        if (this.#downSince !== undefined) this.#emit({ type: 'recovered', downMs: now() - this.#downSince });
        this.#downSince = undefined;
        await this.#options.confirm(delivery.lead);
        this.delivered++;
        return;
      }
      if (!outcome.retryable || (retries !== undefined && attempt > retries)) {
        this.#emit({ type: 'attempt', delivery, outcome, ms, attempt, at: now() });
        await this.#giveUp(delivery, outcome, attempt);
        return;
      }
      const retryInMs = this.#waitBefore(attempt, outcome);
      this.#emit({ type: 'attempt', delivery, outcome, ms, attempt, retryInMs, at: now() });
      if (this.#downSince === undefined) {
        this.#downSince = now();
        this.#emit({ type: 'failing', failure: outcome, waiting: this.#waiting.length, at: this.#downSince });
      }
      this.retries++;
      await sleepFor(retryInMs, undefined, { signal });
    }
  }

  /** A permanent refusal, or retries run out: dead-letter it, else stop. An unreachable receiver is never dead-lettered. */
  async #giveUp(delivery: Delivery, failure: FailedAttempt, attempts: number): Promise<void> {
    const lead = escapeForTerminal(delivery.leadId);
    const tries = `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
    const { transport, deadLetter } = this.#options;
    if (failure.unreachable) {
      const why =
        failure.reason === undefined
          ? `cannot reach ${transport.label} (${failure.status}) after ${tries}`
          : `cannot deliver to ${transport.label}: ${failure.reason} (gave up after ${tries})`;
      throw new RobofyError(
        `${why}; stopped with ${this.#waiting.length} ` +
          `${this.#waiting.length === 1 ? 'lead' : 'leads'} not delivered: the next run delivers them`,
        { code: 'RECEIVER_UNREACHABLE', exitCode: ExitCode.Api },
      );
    }
    if (!deadLetter) {
      const why = failure.retryable ? `still failing after ${tries}` : 'refused';
      throw new RobofyError(
        `lead ${lead} ${why} (${failure.status}) by ${transport.label}; stopped: use --dead-letter <file> to set such leads aside and go on`,
        { code: 'DELIVERY_FAILED', exitCode: ExitCode.Api },
      );
    }
    await deadLetter.append(delivery, failure, attempts, this.#options.now());
    this.#emit({ type: 'dead-lettered', delivery, failure });
    await this.#options.confirm(delivery.lead);
    this.deadLettered++;
  }

  #waitBefore(attempt: number, failure: FailedAttempt): number {
    const { backoff } = this.#options;
    if (failure.retryAfterMs !== undefined) return Math.min(failure.retryAfterMs, backoff.maxMs);
    return backoffDelay(attempt, backoff, this.#options.random ?? Math.random);
  }

  #emit(event: DeliveryEvent): void {
    this.#options.onEvent(event);
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error;
  }

  #wakePushers(): void {
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }
}
