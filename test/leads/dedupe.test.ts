import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/api/types.js';
import { LeadDeduper } from '../../src/leads/dedupe.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BASE = Date.UTC(2025, 0, 15);

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function leadAt(id: string | number, ms: number): Lead {
  return { id, created_at: stamp(ms), lead_data: [] };
}

/** Reads leads as an export does, `pageSize` a page; true for those kept. */
/** Reads one lead as a page of its own: by position, only the last lead is remembered. */
function read(deduper: LeadDeduper, lead: Lead): boolean {
  const fresh = deduper.isNew(lead);
  deduper.endPage();
  return fresh;
}

function readPages(deduper: LeadDeduper, leads: readonly Lead[], pageSize = 100): boolean[] {
  return leads.map((lead, i) => {
    const fresh = deduper.isNew(lead);
    if ((i + 1) % pageSize === 0) deduper.endPage();
    return fresh;
  });
}

/** One lead a minute for `count` minutes, oldest first. */
function minutely(count: number): Lead[] {
  return Array.from({ length: count }, (_, i) => leadAt(`lead_${i}`, BASE + i * MINUTE));
}

describe('LeadDeduper', () => {
  it('reports each id once', () => {
    const deduper = new LeadDeduper();
    const lead = leadAt('a', BASE);
    expect(read(deduper, lead)).toBe(true);
    expect(read(deduper, lead)).toBe(false);
    expect(read(deduper, { ...lead, source: 'changed' })).toBe(false);
    expect(read(deduper, leadAt('b', BASE))).toBe(true);
    expect(deduper.size).toBe(2);
  });

  it('compares ids as strings', () => {
    const deduper = new LeadDeduper();
    expect(read(deduper, leadAt(42, BASE))).toBe(true);
    expect(read(deduper, leadAt('42', BASE))).toBe(false);
  });

  it('forgets ids more than the window behind the frontier and two pages back when leads come oldest first', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = minutely(600);
    expect(readPages(deduper, leads, 20).every(Boolean)).toBe(true);
    // Held: the frontier minute and the 60 minutes behind it (the last two pages are inside).
    expect(deduper.size).toBe(61);
    expect(read(deduper, leads[599 - 60] as Lead)).toBe(false);
    expect(read(deduper, leads[599 - 61] as Lead)).toBe(true);
  });

  it('forgets ids more than the window behind the frontier and two pages back when leads come newest first', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = minutely(600).reverse();
    expect(readPages(deduper, leads, 20).every(Boolean)).toBe(true);
    expect(deduper.size).toBe(61);
    expect(read(deduper, leads[599 - 60] as Lead)).toBe(false);
  });

  it('defaults to a one hour window', () => {
    const deduper = new LeadDeduper();
    readPages(deduper, minutely(300), 20);
    expect(deduper.size).toBe(61);
  });

  it('remembers the ids of the page being read and the one before, however far apart in time', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = Array.from({ length: 40 }, (_, i) => leadAt(`lead_${i}`, BASE - i * 3 * DAY));
    readPages(deduper, leads.slice(0, 25), 10);
    // Page 2 (leads 10-19) and the page being read (20-24) are held by position; page 1 by neither rule.
    expect(deduper.size).toBe(15);
    expect(deduper.isNew(leads[10] as Lead)).toBe(false);
    expect(deduper.isNew(leads[24] as Lead)).toBe(false);
    expect(deduper.isNew(leads[9] as Lead)).toBe(true);
  });

  it('writes each lead once when rows shift by up to a full page between requests, leads days apart', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 8 }), (descending, shifts) => {
        // The listing as the API holds it; `shifts[n]` leads are inserted before page n + 2 is read.
        const deduper = new LeadDeduper({ windowMs: HOUR });
        const listing = Array.from({ length: 60 }, (_, i) => leadAt(`lead_${i}`, BASE + (descending ? -i : i) * 3 * DAY));
        const kept: Lead[] = [];
        for (let page = 0; page * 10 < listing.length; page++) {
          if (page > 0) {
            const count = shifts[page - 1] ?? 0;
            const late = Array.from({ length: count }, (_, k) => leadAt(`new_${page}_${k}`, BASE + (descending ? 1 : -1) * (page * 100 + k) * DAY));
            listing.unshift(...late);
          }
          const rows = listing.slice(page * 10, page * 10 + 10);
          for (const lead of rows) if (deduper.isNew(lead)) kept.push(lead);
          deduper.endPage();
        }
        const ids = kept.map((lead) => String(lead.id)).filter((id) => id.startsWith('lead_'));
        expect(ids).toEqual(Array.from({ length: 60 }, (_, i) => `lead_${i}`));
      }),
    );
  });

  it('catches the repeat an offset shift puts at the top of the next page', () => {
    // Newest first, 100 per page; a lead created between the two requests
    // pushes lead_99 (last of page 1) to the top of page 2.
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = Array.from({ length: 300 }, (_, i) => leadAt(`lead_${i}`, BASE - i * MINUTE));
    const page1 = leads.slice(0, 100);
    const page2 = leads.slice(99, 199);
    const kept = [...page1, ...page2].filter((lead) => read(deduper, lead));
    expect(kept.map((lead) => lead.id)).toEqual(leads.slice(0, 199).map((lead) => lead.id));
  });

  it('allows ties and leads less than the window out of order', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const minutes = [0, 0, 10, 5, 70, 70, 40, 200, 150];
    minutes.forEach((minute, i) => read(deduper, leadAt(i, BASE + minute * MINUTE)));
    // Still pruning: only the leads at 200 and 150 minutes are within the hour.
    expect(deduper.size).toBe(2);
    expect(read(deduper, leadAt(7, BASE + 200 * MINUTE))).toBe(false);
    expect(read(deduper, leadAt(8, BASE + 150 * MINUTE))).toBe(false);
    read(deduper, leadAt('next', BASE + 300 * MINUTE));
    expect(deduper.size).toBe(1);
  });

  it('stops forgetting once a lead is more than the window out of order', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = minutely(200);
    for (const lead of leads.slice(0, 100)) read(deduper, lead);
    expect(deduper.size).toBe(61);
    expect(read(deduper, leadAt('late', BASE))).toBe(true);
    for (const lead of leads.slice(100)) read(deduper, lead);
    expect(deduper.size).toBe(61 + 1 + 100);
    expect(read(deduper, leads[100] as Lead)).toBe(false);
  });

  it('stops forgetting once a created_at does not parse', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = minutely(200);
    for (const lead of leads.slice(0, 100)) read(deduper, lead);
    expect(read(deduper, { id: 'odd', created_at: 'yesterday' })).toBe(true);
    for (const lead of leads.slice(100)) read(deduper, lead);
    expect(deduper.size).toBe(61 + 1 + 100);
  });

  it('keeps every id seen after data that jumps back and forth', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const hours = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? i : -i));
    hours.forEach((hour, i) => read(deduper, leadAt(i, BASE + hour * HOUR)));
    // The first jump (0h, -1h, then 2h) reads as ascending and forgets the
    // first two; the next lead (-3h) breaks the order and nothing more goes.
    expect(deduper.size).toBe(98);
    for (let i = 2; i < 100; i++) expect(read(deduper, leadAt(i, BASE + (hours[i] ?? 0) * HOUR))).toBe(false);
  });

  it('rejects a negative or NaN window', () => {
    expect(() => new LeadDeduper({ windowMs: -1 })).toThrow(RangeError);
    expect(() => new LeadDeduper({ windowMs: Number.NaN })).toThrow(RangeError);
  });

  it('matches exact deduplication when repeats sit within the window of the frontier', () => {
    const step = fc.record({
      gap: fc.integer({ min: 0, max: 30 * MINUTE }),
      repeat: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 300 }), (descending, steps) => {
        const deduper = new LeadDeduper({ windowMs: HOUR });
        const exact = new Set<string>();
        const sent: Lead[] = [];
        let frontier = BASE;
        steps.forEach(({ gap, repeat }, i) => {
          frontier += descending ? -gap : gap;
          const near = sent.filter((lead) => Math.abs(Date.parse(`${String(lead.created_at)}Z`) - frontier) <= HOUR);
          const lead = repeat !== undefined && near.length > 0 ? (near[repeat % near.length] as Lead) : leadAt(i, frontier);
          sent.push(lead);
          const expected = !exact.has(String(lead.id));
          exact.add(String(lead.id));
          expect(read(deduper, lead)).toBe(expected);
        });
      }),
    );
  });
});
