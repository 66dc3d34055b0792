/**
 * An in-memory leads listing for unit tests of the follow loop: pages of a
 * fixed size, newest or oldest first (or a custom order), one request per
 * page recorded per poll, and failures injected per request.
 */
import type { LeadsQuery } from '../../src/api/paginate.js';
import type { Lead, LeadsPage } from '../../src/api/types.js';
import type { PageSource } from '../../src/tail/poll-pages.js';

export const T0 = Date.UTC(2025, 0, 15, 10, 30, 0);
export const MINUTE = 60_000;

export function leadTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

export function makeLead(id: string, createdAt: number | string): Lead {
  return {
    id,
    created_at: typeof createdAt === 'number' ? leadTime(createdAt) : createdAt,
    source: 'chatbot',
    page_url: 'https://example.com/',
    ip_address: '192.0.2.1',
    lead_data: [{ field_name: 'name', field_type: 'text', field_value: `name of ${id}` }],
  };
}

export type Order = 'desc' | 'asc' | ((leads: readonly Lead[]) => Lead[]);

export class Listing {
  /** In capture order. */
  readonly leads: Lead[] = [];
  /** Page numbers requested, one array per poll. */
  readonly polls: number[][] = [];
  order: Order;
  pageSize: number;
  /** Errors thrown by the next requests, in turn; `page` limits one to that page. */
  readonly failures: { error: Error; page?: number }[] = [];
  /** The next poll's later pages start with this many rows of the page before again (a listing that shifted while paged). */
  shiftOnce = 0;
  #next = 1;

  constructor(options: { count?: number; order?: Order; pageSize?: number } = {}) {
    this.order = options.order ?? 'desc';
    this.pageSize = options.pageSize ?? 10;
    this.add(options.count ?? 0);
  }

  /** Captures `count` leads one minute apart after the newest (or all at `at`, a late arrival). */
  add(count: number, at?: number | string): Lead[] {
    const added: Lead[] = [];
    for (let i = 0; i < count; i++) {
      const id = `lead_${this.#next}`;
      const time = at ?? T0 + (this.#next - 1) * MINUTE;
      this.#next++;
      const lead = makeLead(id, time);
      this.leads.push(lead);
      added.push(lead);
    }
    return added;
  }

  /** Drops leads from the listing (they will not be listed again). */
  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const index = this.leads.findIndex((lead) => lead.id === id);
      if (index >= 0) this.leads.splice(index, 1);
    }
  }

  ordered(): Lead[] {
    const byTime = [...this.leads].sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    if (this.order === 'asc') return byTime;
    if (this.order === 'desc') return byTime.reverse();
    return this.order(this.leads);
  }

  readonly source: PageSource = (query: LeadsQuery) => this.#pages(query);

  async *#pages(_query: LeadsQuery): AsyncGenerator<LeadsPage> {
    const requested: number[] = [];
    this.polls.push(requested);
    const shift = this.shiftOnce;
    this.shiftOnce = 0;
    for (let page = 1; ; page++) {
      requested.push(page);
      const failure = this.failures[0];
      if (failure && (failure.page === undefined || failure.page === page)) {
        this.failures.shift();
        throw failure.error;
      }
      const all = this.ordered();
      let start = (page - 1) * this.pageSize;
      if (page > 1) start -= shift;
      const rows = all.slice(start, start + this.pageSize);
      const more = start + this.pageSize < all.length;
      yield { rows, nextPageToken: more ? `page-${page + 1}` : null };
      if (!more) return;
    }
  }
}
