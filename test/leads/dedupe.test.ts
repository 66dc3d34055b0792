import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/api/types.js';
import { LeadDeduper } from '../../src/leads/dedupe.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BASE = Date.UTC(2025, 0, 15);

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function leadAt(id: string | number, ms: number): Lead {
  return { id, created_at: stamp(ms), lead_data: [] };
}

/** One lead a minute for `count` minutes, oldest first. */
function minutely(count: number): Lead[] {
  return Array.from({ length: count }, (_, i) => leadAt(`lead_${i}`, BASE + i * MINUTE));
}

describe('LeadDeduper', () => {
  it('reports each id once', () => {
    const deduper = new LeadDeduper();
    const lead = leadAt('a', BASE);
    expect(deduper.isNew(lead)).toBe(true);
    expect(deduper.isNew(lead)).toBe(false);
    expect(deduper.isNew({ ...lead, source: 'changed' })).toBe(false);
    expect(deduper.isNew(leadAt('b', BASE))).toBe(true);
    expect(deduper.size).toBe(2);
  });

  it('compares ids as strings', () => {
    const deduper = new LeadDeduper();
    expect(deduper.isNew(leadAt(42, BASE))).toBe(true);
    expect(deduper.isNew(leadAt('42', BASE))).toBe(false);
  });

  it('forgets ids more than the window behind the frontier when leads come oldest first', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = minutely(600);
    for (const lead of leads) expect(deduper.isNew(lead)).toBe(true);
    // Held: the frontier minute and the 60 minutes behind it.
    expect(deduper.size).toBe(61);
    expect(deduper.isNew(leads[599 - 60] as Lead)).toBe(false);
    expect(deduper.isNew(leads[599 - 61] as Lead)).toBe(true);
  });

  it('forgets ids more than the window behind the frontier when leads come newest first', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = minutely(600).reverse();
    for (const lead of leads) expect(deduper.isNew(lead)).toBe(true);
    expect(deduper.size).toBe(61);
    expect(deduper.isNew(leads[599 - 60] as Lead)).toBe(false);
  });

  it('defaults to a one hour window', () => {
    const deduper = new LeadDeduper();
    for (const lead of minutely(300)) deduper.isNew(lead);
    expect(deduper.size).toBe(61);
  });

  it('catches the repeat an offset shift puts at the top of the next page', () => {
    // Newest first, 100 per page; a lead created between the two requests
    // pushes lead_99 (last of page 1) to the top of page 2.
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = Array.from({ length: 300 }, (_, i) => leadAt(`lead_${i}`, BASE - i * MINUTE));
    const page1 = leads.slice(0, 100);
    const page2 = leads.slice(99, 199);
    const kept = [...page1, ...page2].filter((lead) => deduper.isNew(lead));
    expect(kept.map((lead) => lead.id)).toEqual(leads.slice(0, 199).map((lead) => lead.id));
  });

  it('allows ties and leads less than the window out of order', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const minutes = [0, 0, 10, 5, 70, 70, 40, 200, 150];
    minutes.forEach((minute, i) => deduper.isNew(leadAt(i, BASE + minute * MINUTE)));
    // Still pruning: only the leads at 200 and 150 minutes are within the hour.
    expect(deduper.size).toBe(2);
    expect(deduper.isNew(leadAt(7, BASE + 200 * MINUTE))).toBe(false);
    expect(deduper.isNew(leadAt(8, BASE + 150 * MINUTE))).toBe(false);
    deduper.isNew(leadAt('next', BASE + 300 * MINUTE));
    expect(deduper.size).toBe(1);
  });

  it('stops forgetting once a lead is more than the window out of order', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = minutely(200);
    for (const lead of leads.slice(0, 100)) deduper.isNew(lead);
    expect(deduper.size).toBe(61);
    expect(deduper.isNew(leadAt('late', BASE))).toBe(true);
    for (const lead of leads.slice(100)) deduper.isNew(lead);
    expect(deduper.size).toBe(61 + 1 + 100);
    expect(deduper.isNew(leads[100] as Lead)).toBe(false);
  });

  it('stops forgetting once a created_at does not parse', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const leads = minutely(200);
    for (const lead of leads.slice(0, 100)) deduper.isNew(lead);
    expect(deduper.isNew({ id: 'odd', created_at: 'yesterday' })).toBe(true);
    for (const lead of leads.slice(100)) deduper.isNew(lead);
    expect(deduper.size).toBe(61 + 1 + 100);
  });

  it('keeps every id seen after data that jumps back and forth', () => {
    const deduper = new LeadDeduper({ windowMs: HOUR });
    const hours = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? i : -i));
    hours.forEach((hour, i) => deduper.isNew(leadAt(i, BASE + hour * HOUR)));
    // The first jump (0h, -1h, then 2h) reads as ascending and forgets the
    // first two; the next lead (-3h) breaks the order and nothing more goes.
    expect(deduper.size).toBe(98);
    for (let i = 2; i < 100; i++) expect(deduper.isNew(leadAt(i, BASE + (hours[i] ?? 0) * HOUR))).toBe(false);
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
          expect(deduper.isNew(lead)).toBe(expected);
        });
      }),
    );
  });
});
