import { setTimeout as sleepFor } from 'node:timers/promises';
import { abortError } from '../errors.js';

/**
 * The API limits requests per key, not per listing: a 429 (or a
 * Retry-After) on one request holds back every request of the run until it
 * passes, instead of letting the other listings run into the same limit.
 * The client passes the gate before every request. Monotonic time: a wall
 * clock set back must not hold the run for longer.
 */
export class RateGate {
  #openAt = 0;

  /** No request starts before `ms` from now (a later closing wins over an earlier one). */
  closeFor(ms: number): void {
    this.#openAt = Math.max(this.#openAt, performance.now() + ms);
  }

  /** Resolves once the gate is open; rejects when `signal` aborts first. */
  async pass(signal: AbortSignal): Promise<void> {
    for (let wait = this.#openAt - performance.now(); wait > 0; wait = this.#openAt - performance.now()) {
      try {
        await sleepFor(Math.ceil(wait), undefined, { signal });
      } catch {
        throw abortError(signal);
      }
    }
  }
}
