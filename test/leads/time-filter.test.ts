import { describe, expect, it, vi } from 'vitest';
import type { Lead } from '../../src/api/types.js';
import { createTimeFilter } from '../../src/leads/time-filter.js';

const at = (created_at: unknown, id: string | number = 1): Lead => ({ id, created_at });
const JAN_15 = Date.UTC(2025, 0, 15);
const JAN_16 = Date.UTC(2025, 0, 16);

describe('createTimeFilter', () => {
  it('returns undefined when there is no bound', () => {
    expect(createTimeFilter({})).toBeUndefined();
    expect(createTimeFilter({ since: undefined, until: undefined })).toBeUndefined();
  });

  it('keeps since inclusive', () => {
    const keep = createTimeFilter({ since: JAN_15 });
    expect(keep?.(at('2025-01-14 23:59:59'))).toBe(false);
    expect(keep?.(at('2025-01-15 00:00:00'))).toBe(true);
    expect(keep?.(at('2030-01-01'))).toBe(true);
  });

  it('keeps until exclusive', () => {
    const keep = createTimeFilter({ until: JAN_16 });
    expect(keep?.(at('2025-01-15 23:59:59'))).toBe(true);
    expect(keep?.(at('2025-01-16T00:00:00.000Z'))).toBe(false);
    expect(keep?.(at('2025-01-16T00:59:59+01:00'))).toBe(true);
    expect(keep?.(at('1970-01-01'))).toBe(true);
  });

  it('applies both bounds together', () => {
    const keep = createTimeFilter({ since: JAN_15, until: JAN_16 });
    expect(['2025-01-14 12:00:00', '2025-01-15 12:00:00', '2025-01-16 12:00:00'].map((t) => keep?.(at(t)))).toEqual([
      false,
      true,
      false,
    ]);
  });

  it('keeps and reports leads whose created_at does not parse', () => {
    const onUnparsable = vi.fn();
    const keep = createTimeFilter({ since: JAN_15, until: JAN_16 }, onUnparsable);
    const bad = [at('yesterday', 'a'), at(undefined, 'b'), at(1736899200000, 'c'), at('2025-02-30', 'd')];
    for (const lead of bad) expect(keep?.(lead)).toBe(true);
    expect(onUnparsable.mock.calls.map(([lead]) => lead)).toEqual(bad);
    keep?.(at('2025-01-15 08:00:00'));
    keep?.(at('2025-01-17 08:00:00'));
    expect(onUnparsable).toHaveBeenCalledTimes(bad.length);
  });

  it('keeps unparsable leads without a callback too', () => {
    expect(createTimeFilter({ since: JAN_15 })?.(at('garbage'))).toBe(true);
  });
});
