import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/api/types.js';
import { DEFAULT_OVERLAP_MS, DeliveryWindow, type DeliverySnapshot } from '../../src/leads/delivery-window.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BASE = Date.UTC(2025, 0, 15, 10, 30);
/** The wall clock of the runs: later than every lead, as in real life. */
const NOW = Date.UTC(2025, 0, 20);

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function leadAt(id: string | number, ms: number): Lead {
  return { id, created_at: stamp(ms), lead_data: [] };
}

/** A JSON round trip, as the state file does between runs. */
function reload(window: DeliveryWindow, overlapMs?: number): DeliveryWindow {
  const snapshot = JSON.parse(JSON.stringify(window.snapshot())) as DeliverySnapshot;
  return overlapMs === undefined ? new DeliveryWindow(snapshot) : new DeliveryWindow(snapshot, overlapMs);
}

describe('DeliveryWindow', () => {
  it('starts empty: nothing is delivered, the horizon is -Infinity, default overlap 24h', () => {
    const window = new DeliveryWindow();
    expect(window.horizon).toBe(Number.NEGATIVE_INFINITY);
    expect(window.overlapMs).toBe(DEFAULT_OVERLAP_MS);
    expect(DEFAULT_OVERLAP_MS).toBe(24 * HOUR);
    expect(window.isDelivered(leadAt('a', BASE))).toBe(false);
    expect(window.isDelivered({ id: 'b', created_at: 'garbage' })).toBe(false);
    expect(window.snapshot()).toEqual({ watermark: null, overlapMs: DEFAULT_OVERLAP_MS, recent: [] });
  });

  it('remembers delivered ids and moves the watermark to the newest one', () => {
    const window = new DeliveryWindow(undefined, HOUR);
    window.markDelivered(leadAt('a', BASE + 5 * MINUTE), NOW);
    window.markDelivered(leadAt('b', BASE), NOW);
    expect(window.isDelivered(leadAt('a', BASE + 5 * MINUTE))).toBe(true);
    expect(window.isDelivered(leadAt('b', BASE))).toBe(true);
    expect(window.isDelivered(leadAt('c', BASE + 5 * MINUTE))).toBe(false);
    expect(window.horizon).toBe(BASE + 5 * MINUTE - HOUR);
    expect(window.snapshot()).toEqual({
      watermark: BASE + 5 * MINUTE,
      overlapMs: HOUR,
      recent: [
        [BASE + 5 * MINUTE, 'a'],
        [BASE, 'b'],
      ],
    });
  });

  it('compares ids as strings', () => {
    const window = new DeliveryWindow();
    window.markDelivered(leadAt(42, BASE), NOW);
    expect(window.isDelivered(leadAt('42', BASE))).toBe(true);
    expect(reload(window).isDelivered(leadAt(42, BASE))).toBe(true);
  });

  it('a late lead inside the overlap is not delivered; one older than the whole window is assumed delivered', () => {
    const window = new DeliveryWindow(undefined, HOUR);
    window.markDelivered(leadAt('newest', BASE + 2 * HOUR), NOW);
    const next = reload(window);
    expect(next.isDelivered(leadAt('late', BASE + HOUR + 30 * MINUTE))).toBe(false);
    // Exactly at the horizon is still inside the window.
    expect(next.isDelivered(leadAt('edge', BASE + HOUR))).toBe(false);
    expect(next.isDelivered(leadAt('ancient', BASE + HOUR - 1000))).toBe(true);
  });

  it('prunes ids behind the horizon from the snapshot, keeps the ones at or after it', () => {
    const window = new DeliveryWindow(undefined, HOUR);
    window.markDelivered(leadAt('old', BASE), NOW);
    window.markDelivered(leadAt('edge', BASE + HOUR), NOW);
    window.markDelivered(leadAt('new', BASE + 2 * HOUR), NOW);
    const snapshot = window.snapshot();
    expect(snapshot.recent.map(([, id]) => id)).toEqual(['edge', 'new']);
    expect(window.size).toBe(2);
    // The pruned one still counts as delivered, through the horizon.
    expect(reload(window).isDelivered(leadAt('old', BASE))).toBe(true);
  });

  it('survives a JSON round trip unchanged', () => {
    const window = new DeliveryWindow(undefined, 3 * HOUR);
    for (let i = 0; i < 50; i++) window.markDelivered(leadAt(`lead_${i}`, BASE + i * 10 * MINUTE), NOW);
    const first = window.snapshot();
    expect(reload(window).snapshot()).toEqual(first);
  });

  it('a narrower --overlap on a later run applies at once', () => {
    const window = new DeliveryWindow(undefined, 3 * HOUR);
    window.markDelivered(leadAt('a', BASE + 5 * HOUR), NOW);
    const narrower = reload(window, HOUR);
    expect(narrower.overlapMs).toBe(HOUR);
    expect(narrower.horizon).toBe(BASE + 4 * HOUR);
    expect(narrower.snapshot()).toEqual({ watermark: BASE + 5 * HOUR, overlapMs: HOUR, recent: [[BASE + 5 * HOUR, 'a']] });
  });

  it('a wider --overlap on a later run reaches back at once: pruned ids come up as not delivered (again, never lost)', () => {
    const window = new DeliveryWindow(undefined, HOUR);
    for (let m = 0; m <= 300; m += 10) window.markDelivered(leadAt(`m${m}`, BASE + m * MINUTE), NOW);
    const wider = reload(window, 3 * HOUR);
    expect(wider.overlapMs).toBe(3 * HOUR);
    expect(wider.horizon).toBe(BASE + 2 * HOUR);
    // Still remembered: inside the old window.
    expect(wider.isDelivered(leadAt('m250', BASE + 250 * MINUTE))).toBe(true);
    // Pruned under the old window: delivered again rather than risk skipping a late one.
    expect(wider.isDelivered(leadAt('m150', BASE + 150 * MINUTE))).toBe(false);
    expect(wider.isDelivered(leadAt('m110', BASE + 110 * MINUTE))).toBe(true);
  });

  it('a lead whose created_at does not parse is remembered by id, and does not move the watermark', () => {
    const window = new DeliveryWindow(undefined, HOUR);
    window.markDelivered(leadAt('a', BASE), NOW);
    window.markDelivered({ id: 'odd', created_at: 'yesterday-ish' }, NOW);
    window.markDelivered({ id: 'none' }, NOW);
    const next = reload(window);
    expect(next.isDelivered({ id: 'odd', created_at: 'yesterday-ish' })).toBe(true);
    expect(next.isDelivered({ id: 'none' })).toBe(true);
    // The watermark is still the newest real created_at: a lead captured just
    // after `a` is new, and so is a late one inside the overlap.
    expect(next.snapshot().watermark).toBe(BASE);
    expect(next.isDelivered(leadAt('b', BASE + MINUTE))).toBe(false);
    expect(next.isDelivered(leadAt('late', BASE - 30 * MINUTE))).toBe(false);
  });

  it('a created_at in the future does not push the watermark past the clock (that would swallow every real lead)', () => {
    const window = new DeliveryWindow(undefined, HOUR);
    window.markDelivered(leadAt('a', BASE), NOW);
    window.markDelivered(leadAt('y2k99', Date.UTC(2099, 0, 1)), NOW);
    const next = reload(window);
    expect(next.isDelivered(leadAt('y2k99', Date.UTC(2099, 0, 1)))).toBe(true);
    // Leads captured after this run, at the real time, must not be taken for delivered.
    expect(next.isDelivered(leadAt('tomorrow', NOW + 24 * HOUR))).toBe(false);
    expect(next.isDelivered(leadAt('in an hour', NOW + HOUR))).toBe(false);
    expect(next.snapshot().watermark).toBe(NOW);
  });

  it('property: every marked lead is delivered after a reload, and no unmarked lead at or after the horizon is', () => {
    const times = fc.array(fc.integer({ min: 0, max: 72 * 60 }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(times, fc.integer({ min: 1, max: 48 * 60 }), fc.integer({ min: 0, max: 80 * 60 }), (minutes, overlapMinutes, probe) => {
        const window = new DeliveryWindow(undefined, overlapMinutes * MINUTE);
        minutes.forEach((m, i) => window.markDelivered(leadAt(`m${i}`, BASE + m * MINUTE), NOW));
        const next = reload(window);
        minutes.forEach((m, i) => expect(next.isDelivered(leadAt(`m${i}`, BASE + m * MINUTE))).toBe(true));
        const unmarked = leadAt('never', BASE + probe * MINUTE);
        expect(next.isDelivered(unmarked)).toBe(BASE + probe * MINUTE < next.horizon);
        // Bounded memory: nothing behind the horizon is kept.
        for (const [time] of next.snapshot().recent) expect(time).toBeGreaterThanOrEqual(next.horizon);
      }),
    );
  });
});
