import type { Lead } from '../api/types.js';
import { parseLeadTime } from './time.js';

const DEFAULT_WINDOW_MS = 60 * 60 * 1000;
// Drop the consumed head of the FIFO once it is this long and at least half the arrays.
const COMPACT_AFTER = 4096;

const Order = { Unknown: 0, Ascending: 1, Descending: -1 } as const;
type Order = (typeof Order)[keyof typeof Order];

/**
 * Drops leads whose `id` (compared as `String(id)`) was already seen.
 *
 * Why ids can repeat: the API pages by offset, so a lead created while we
 * page shifts the rest of the listing down, and the rows at the end of one
 * page come back at the top of the next. Such a repeat is at most one page
 * behind, so two things are remembered, which keeps memory bounded on
 * million-lead exports:
 *
 * - by position: the ids of the page being read and of the one before it,
 *   whatever their times (a quiet chatbot's leads can be days apart). This
 *   catches every repeat from a shift of up to one full page; `endPage`
 *   marks the boundaries.
 * - by time: while leads arrive in created_at order (ascending or
 *   descending, detected from the data; ties and leads up to `windowMs`
 *   behind the frontier are fine), the ids created within `windowMs` of the
 *   frontier (the newest-in-order lead seen so far). A lead further out of
 *   order than that, or one whose created_at does not parse, means the order
 *   cannot be relied on: from then on every id is kept for the rest of the
 *   run (correctness over memory).
 */
export class LeadDeduper {
  readonly #windowMs: number;
  readonly #seen = new Set<string>();
  #thisPage = new Set<string>();
  #lastPage = new Set<string>();
  // FIFO of (created_at, id) for pruning; arrival order is created_at order
  // give or take the window, so the oldest sit at the head.
  #times: number[] = [];
  #ids: string[] = [];
  #head = 0;
  #order: Order = Order.Unknown;
  #earliest = Number.POSITIVE_INFINITY;
  #latest = Number.NEGATIVE_INFINITY;
  #exact = false;

  constructor(options?: { windowMs?: number | undefined }) {
    const windowMs = options?.windowMs ?? DEFAULT_WINDOW_MS;
    if (!(windowMs >= 0)) throw new RangeError(`windowMs must be a non-negative number, got ${windowMs}`);
    this.#windowMs = windowMs;
  }

  /** True the first time a lead's id is seen, false for every repeat. */
  isNew(lead: Lead): boolean {
    const id = String(lead.id);
    const repeat = this.#seen.has(id) || this.#thisPage.has(id) || this.#lastPage.has(id);
    this.#thisPage.add(id);
    if (repeat) return false;
    this.#seen.add(id);
    if (!this.#exact) this.#track(parseLeadTime(lead.created_at), id);
    return true;
  }

  /** The page read so far is done: from now on only it and the next are remembered by position. */
  endPage(): void {
    this.#lastPage = this.#thisPage;
    this.#thisPage = new Set();
  }

  /** How many ids are held. */
  get size(): number {
    let size = this.#seen.size;
    for (const id of this.#thisPage) if (!this.#seen.has(id)) size++;
    for (const id of this.#lastPage) if (!this.#seen.has(id) && !this.#thisPage.has(id)) size++;
    return size;
  }

  #track(time: number | undefined, id: string): void {
    if (time === undefined || !this.#inOrder(time)) {
      this.#becomeExact();
      return;
    }
    this.#times.push(time);
    this.#ids.push(id);
    if (time < this.#earliest) this.#earliest = time;
    if (time > this.#latest) this.#latest = time;
    if (this.#order === Order.Unknown && this.#latest - this.#earliest > this.#windowMs) {
      this.#order = time === this.#latest ? Order.Ascending : Order.Descending;
    }
    if (this.#order !== Order.Unknown) this.#prune();
  }

  #inOrder(time: number): boolean {
    if (this.#order === Order.Ascending) return time >= this.#latest - this.#windowMs;
    if (this.#order === Order.Descending) return time <= this.#earliest + this.#windowMs;
    return true;
  }

  #prune(): void {
    const times = this.#times;
    let head = this.#head;
    if (this.#order === Order.Ascending) {
      const horizon = this.#latest - this.#windowMs;
      while (head < times.length && times[head] < horizon) this.#seen.delete(this.#ids[head++]);
    } else {
      const horizon = this.#earliest + this.#windowMs;
      while (head < times.length && times[head] > horizon) this.#seen.delete(this.#ids[head++]);
    }
    this.#head = head;
    if (head >= COMPACT_AFTER && head * 2 >= times.length) {
      this.#times = times.slice(head);
      this.#ids = this.#ids.slice(head);
      this.#head = 0;
    }
  }

  #becomeExact(): void {
    this.#exact = true;
    this.#times = [];
    this.#ids = [];
    this.#head = 0;
  }
}
