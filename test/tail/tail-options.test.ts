import { describe, expect, it } from 'vitest';
import { parseTailOptions } from '../../src/commands/leads/tail.js';

const BASE = { project: '12', chatbot: 'abc', interval: '10', overlap: '15m', retries: '5', timeout: '30' };
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('parseTailOptions', () => {
  it('defaults: pretty on a terminal, jsonl when piped; 10 s interval, 15 min overlap', () => {
    expect(parseTailOptions(BASE, NOW, true)).toMatchObject({ format: 'pretty', intervalMs: 10_000, overlapMs: 900_000, retries: 5 });
    expect(parseTailOptions(BASE, NOW, false)).toMatchObject({ format: 'jsonl' });
    expect(parseTailOptions({ ...BASE, format: 'pretty' }, NOW, false)).toMatchObject({ format: 'pretty' });
  });

  it('accepts fractional intervals down to 0.1 s', () => {
    expect(parseTailOptions({ ...BASE, interval: '0.2' }, NOW, false).intervalMs).toBe(200);
    expect(parseTailOptions({ ...BASE, interval: '0.1' }, NOW, false).intervalMs).toBe(100);
    expect(() => parseTailOptions({ ...BASE, interval: '0.05' }, NOW, false)).toThrow('--interval must be a number of seconds of at least 0.1');
    expect(() => parseTailOptions({ ...BASE, interval: 'soon' }, NOW, false)).toThrow('--interval');
  });

  it('--since is a duration before now or a time', () => {
    expect(parseTailOptions({ ...BASE, since: '1h' }, NOW, false).since).toBe(NOW - 3_600_000);
    expect(parseTailOptions({ ...BASE, since: '2025-01-15 10:30:00' }, NOW, false).since).toBe(Date.UTC(2025, 0, 15, 10, 30));
  });

  it('--count is a whole number of at least 1; --columns needs csv or jsonl', () => {
    expect(parseTailOptions({ ...BASE, count: '3' }, NOW, false).count).toBe(3);
    expect(() => parseTailOptions({ ...BASE, count: '0' }, NOW, false)).toThrow('--count');
    expect(() => parseTailOptions({ ...BASE, columns: 'id', format: 'pretty' }, NOW, false)).toThrow('--columns works with');
  });

  it('--state: the overlap defaults to 24h, as for export --state; an explicit --overlap wins', () => {
    const { overlap: _, ...noOverlap } = BASE;
    expect(parseTailOptions(noOverlap, NOW, false)).toMatchObject({ overlapMs: 900_000, state: undefined });
    expect(parseTailOptions({ ...noOverlap, state: 'abc.tail' }, NOW, false)).toMatchObject({ overlapMs: 86_400_000, state: 'abc.tail' });
    expect(parseTailOptions({ ...noOverlap, state: 'abc.tail', overlap: '1h' }, NOW, false).overlapMs).toBe(3_600_000);
  });
});
