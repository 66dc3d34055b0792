/**
 * The fake's lead list. The first `baseCount` leads are never stored: lead i
 * is generated on demand, and its created_at (start + i spacings) makes the
 * base list already sorted. Leads added later (addLeads) are kept, sorted by
 * created_at, and merged in by position arithmetic, so a page costs
 * O(page size + added leads), never O(total leads).
 */
import type { RowRef } from './bodies.js';
import { SESSION_IDS, parseLeadTime, type GeneratedLead, type LeadGenerator } from './leads.js';

export interface AddOptions {
  createdAt?: string;
  fields?: Record<string, string>;
}

/** A view of the leads in ascending created_at order (ties: capture order). */
export interface Listing {
  readonly total: number;
  /** The rows at ascending positions [from, to), clamped to the listing. */
  rows(from: number, to: number): RowRef[];
}

/** An added lead and its row's JSON, rendered once when it is captured. */
interface StoredLead {
  lead: GeneratedLead;
  json: string;
}

/**
 * The base leads a listing sees form an arithmetic progression of indices:
 * all of them (step 1), or one session's (index ≡ s mod 5).
 */
interface BaseProgression {
  first: number;
  step: number;
}

export class LeadStore {
  private readonly added: StoredLead[] = [];
  private nextIndex: number;
  private newestMs: number;

  constructor(
    private readonly baseCount: number,
    private readonly startMs: number,
    private readonly generate: LeadGenerator,
    private readonly spacingMs: number,
  ) {
    this.nextIndex = baseCount;
    this.newestMs = startMs + (baseCount - 1) * spacingMs;
  }

  get size(): number {
    return this.nextIndex;
  }

  /** Capture `count` leads now: each the newest, or all at `createdAt` (a late arrival). */
  add(count: number, opts: AddOptions = {}): GeneratedLead[] {
    const fixedMs = opts.createdAt === undefined ? undefined : parseLeadTime(opts.createdAt);
    const out: GeneratedLead[] = [];
    for (let n = 0; n < count; n++) {
      const index = this.nextIndex++;
      // A new lead is at least a spacing newer than anything so far, like a clock that moves on.
      const createdAtMs = fixedMs ?? Math.max(this.startMs + index * this.spacingMs, this.newestMs + this.spacingMs);
      this.newestMs = Math.max(this.newestMs, createdAtMs);
      const lead = this.generate(index, opts.fields === undefined ? { createdAtMs } : { createdAtMs, fields: opts.fields });
      this.insertSorted({ lead, json: JSON.stringify(lead.row) });
      out.push(lead);
    }
    return out;
  }

  /** All leads, or one session's (an unknown session id sees none). */
  listing(sessionId: string | undefined): Listing {
    if (sessionId === undefined) return this.merged({ first: 0, step: 1 }, this.added);
    const s = SESSION_IDS.indexOf(sessionId);
    if (s < 0) return { total: 0, rows: () => [] };
    return this.merged({ first: s, step: SESSION_IDS.length }, this.added.filter((a) => a.lead.sessionId === sessionId));
  }

  private insertSorted(stored: StoredLead): void {
    // Equal times keep capture order, so later captures go after; binary search for the upper bound.
    let lo = 0;
    let hi = this.added.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.added[mid]?.lead.createdAtMs ?? 0) <= stored.lead.createdAtMs) lo = mid + 1;
      else hi = mid;
    }
    this.added.splice(lo, 0, stored);
  }

  private merged(base: BaseProgression, added: StoredLead[]): Listing {
    const baseTotal = this.baseCount > base.first ? Math.floor((this.baseCount - 1 - base.first) / base.step) + 1 : 0;
    // An added lead's ascending position: base leads not newer than it, plus added leads before it.
    const addedPos = added.map((a, j) => this.baseRankAtOrBefore(base, a.lead.createdAtMs) + j);
    const total = baseTotal + added.length;
    return {
      total,
      rows: (from, to) => {
        const start = Math.max(0, from);
        const end = Math.min(total, to);
        const out: RowRef[] = [];
        let j = firstAtOrAfter(addedPos, start);
        let k = start - j;
        for (let pos = start; pos < end; pos++) {
          if (addedPos[j] === pos) out.push(added[j++]?.json ?? 'null');
          else out.push(base.first + base.step * k++);
        }
        return out;
      },
    };
  }

  /** How many of the progression's base leads have created_at <= ms. */
  private baseRankAtOrBefore(base: BaseProgression, ms: number): number {
    const last = Math.min(Math.floor((ms - this.startMs) / this.spacingMs), this.baseCount - 1);
    return last < base.first ? 0 : Math.floor((last - base.first) / base.step) + 1;
  }
}

function firstAtOrAfter(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
