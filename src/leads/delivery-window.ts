import type { Lead } from '../api/types.js';
import { parseLeadTime } from './time.js';

/** What a DeliveryWindow needs to carry over between runs; plain JSON. */
export interface DeliverySnapshot {
  /** The newest created_at delivered so far (epoch ms), null before the first lead. */
  watermark: number | null;
  overlapMs: number;
  /** [created_at ms, id] of the leads delivered within `overlapMs` of the watermark. */
  recent: Array<[number, string]>;
}

export const DEFAULT_OVERLAP_MS = 24 * 60 * 60 * 1000;

/**
 * Which leads were already delivered, in bounded memory: a watermark plus the
 * ids inside an overlap window behind it.
 *
 * A bare high-water mark would lose leads that show up late (captured before
 * the newest lead already delivered, listed only later). So a lead counts as
 * delivered only when its id is in the window, or when it is older than the
 * whole window (the `horizon`): leads that late are assumed delivered, which
 * is the one trade-off, sized by `overlapMs`.
 */
export class DeliveryWindow {
  readonly overlapMs: number;
  #watermark: number | null;
  readonly #recent = new Map<string, number>();

  constructor(snapshot?: DeliverySnapshot, overlapMs = snapshot?.overlapMs ?? DEFAULT_OVERLAP_MS) {
    this.overlapMs = overlapMs;
    this.#watermark = snapshot?.watermark ?? null;
    for (const [time, id] of snapshot?.recent ?? []) this.#recent.set(id, time);
  }

  /**
   * Leads older than this were delivered (or are assumed to have been).
   * A later run with a wider overlap moves it back over ids already pruned:
   * those leads are delivered again (at least once), never skipped.
   */
  get horizon(): number {
    return this.#watermark === null ? Number.NEGATIVE_INFINITY : this.#watermark - this.overlapMs;
  }

  get size(): number {
    return this.#recent.size;
  }

  isDelivered(lead: Lead): boolean {
    if (this.#recent.has(String(lead.id))) return true;
    const time = parseLeadTime(lead.created_at);
    return time !== undefined && time < this.horizon;
  }

  /**
   * Records a delivered lead. `now` (the wall clock) stands in for a
   * created_at that does not parse, so the id still ages out; such a lead
   * never moves the watermark. Nor does a created_at in the future move it
   * past `now`: one bogus date (2099, or a server clock hours ahead) would
   * otherwise put every real lead to come behind the horizon, taken for
   * delivered and never exported. Either way the id itself is kept, so the
   * lead is not delivered twice; the cost is only a few more ids held.
   */
  markDelivered(lead: Lead, now: number): void {
    const time = parseLeadTime(lead.created_at);
    this.#recent.set(String(lead.id), time ?? now);
    if (time === undefined) return;
    const mark = Math.min(time, now);
    if (this.#watermark === null || mark > this.#watermark) this.#watermark = mark;
  }

  /** Forgets ids behind the horizon: they are covered by the watermark now. */
  prune(): void {
    const horizon = this.horizon;
    for (const [id, time] of this.#recent) if (time < horizon) this.#recent.delete(id);
  }

  snapshot(): DeliverySnapshot {
    this.prune();
    return {
      watermark: this.#watermark,
      overlapMs: this.overlapMs,
      recent: [...this.#recent].map(([id, time]): [number, string] => [time, id]),
    };
  }
}
