import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListingOrderTracker, type ListingOrder } from '../../src/leads/listing-order.js';

function orderOf(times: readonly (number | undefined)[]): ListingOrder {
  const tracker = new ListingOrderTracker();
  for (const time of times) tracker.observe(time);
  return tracker.order;
}

describe('ListingOrderTracker', () => {
  it.each<[string, (number | undefined)[], ListingOrder]>([
    ['nothing seen', [], 'unknown'],
    ['one lead', [5], 'unknown'],
    ['only equal times', [5, 5, 5], 'unknown'],
    ['strictly descending', [9, 7, 3], 'newest-first'],
    ['descending with ties', [9, 9, 7, 7, 3], 'newest-first'],
    ['ties first, then descending', [9, 9, 9, 2], 'newest-first'],
    ['strictly ascending', [1, 2, 3], 'oldest-first'],
    ['ascending with ties', [1, 1, 2, 2], 'oldest-first'],
    ['down then up', [9, 7, 8], 'unordered'],
    ['up then down', [1, 3, 2], 'unordered'],
    ['a time that does not parse', [9, undefined, 7], 'unordered'],
    ['a time that does not parse first', [undefined, 9, 7], 'unordered'],
  ])('%s → %s', (_name, times, expected) => {
    expect(orderOf(times)).toBe(expected);
  });

  it('unordered is for good: later ordered leads do not bring an order back', () => {
    const tracker = new ListingOrderTracker();
    for (const time of [9, 7, 8, 6, 5, 4]) tracker.observe(time);
    expect(tracker.order).toBe('unordered');
    tracker.observe(undefined);
    expect(tracker.order).toBe('unordered');
  });

  it('property: newest-first exactly when the list never rises and falls at least once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }), (times) => {
        const steps = times.slice(1).map((time, i) => Math.sign(time - times[i]!));
        const expected: ListingOrder = steps.every((s) => s <= 0)
          ? steps.some((s) => s < 0)
            ? 'newest-first'
            : 'unknown'
          : steps.every((s) => s >= 0)
            ? 'oldest-first'
            : 'unordered';
        expect(orderOf(times)).toBe(expected);
      }),
    );
  });
});
