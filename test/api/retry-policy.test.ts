import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableErrorCode, isRetryableStatus, parseRetryAfter } from '../../src/api/retry-policy.js';

const NOW = Date.UTC(2025, 0, 15, 10, 30, 0);

describe('isRetryableStatus', () => {
  it.each([408, 429, 500, 502, 503, 504, 507, 520, 521, 522, 523, 524, 529, 599])('%i is retried', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });

  it.each([200, 204, 301, 302, 304, 400, 401, 403, 404, 405, 409, 410, 413, 422, 451, 501, 505, 511])('%i is never retried', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });
});

describe('isRetryableErrorCode', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])(
    '%s is retried',
    (code) => expect(isRetryableErrorCode(code)).toBe(true),
  );

  it.each([undefined, null, 42, '', 'ENOTFOUND', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_ABORTED'])(
    '%s is not',
    (code) => expect(isRetryableErrorCode(code)).toBe(false),
  );
});

describe('backoffDelay', () => {
  const options = { baseMs: 500, maxMs: 30_000 };

  it('doubles from the base, with the wait in [ceiling/2, ceiling]', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, options, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, options, () => 0.999_999))).toEqual([500, 1000, 2000, 4000]);
  });

  it('never exceeds maxMs, even for absurd attempt numbers', () => {
    expect(backoffDelay(7, options, () => 0.999_999)).toBe(30_000);
    expect(backoffDelay(10_000, options, () => 0.999_999)).toBe(30_000);
    expect(backoffDelay(10_000, options, () => 0)).toBe(15_000);
  });

  it('property: always within bounds and a whole number of ms', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, maxMs, r) => {
          const delay = backoffDelay(attempt, { baseMs, maxMs }, () => r);
          const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
        },
      ),
    );
  });
});

describe('parseRetryAfter', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    [' 7 ', 7000],
    ['3600', 3_600_000],
  ])('seconds: %j → %i ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it('an HTTP date (IMF-fixdate) is the time from now', () => {
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed, 15 Jan 2025 10:32:00 GMT', NOW)).toBe(120_000);
  });

  it('the obsolete RFC 850 and asctime date forms are read too, asctime as UTC', () => {
    expect(parseRetryAfter('Wednesday, 15-Jan-25 10:31:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Wed Jan 15 10:31:30 2025', NOW)).toBe(90_000);
    expect(parseRetryAfter('Wed Jan  5 10:30:00 2025', Date.UTC(2025, 0, 5, 10, 29))).toBe(60_000);
  });

  it('a leap day is a date; HTTP dates are matched case-insensitively', () => {
    expect(parseRetryAfter('Thu, 29 Feb 2024 00:00:10 GMT', Date.UTC(2024, 1, 29))).toBe(10_000);
    expect(parseRetryAfter('wed, 15 JAN 2025 10:30:05 gmt', NOW)).toBe(5000);
  });

  it('an RFC 850 two-digit year more than 50 years ahead is in the past century', () => {
    // 2025 + 50 = 2075: "76" is 1976, so a past date: retry now.
    expect(parseRetryAfter('Thursday, 01-Jan-76 00:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('Thursday, 15-Jan-26 10:30:00 GMT', NOW)).toBe(Date.UTC(2026, 0, 15, 10, 30) - NOW);
  });

  it('a date in the past means now', () => {
    expect(parseRetryAfter('Tue, 14 Jan 2025 10:30:00 GMT', NOW)).toBe(0);
  });

  it('the first of repeated headers wins', () => {
    expect(parseRetryAfter(['2', '9'], NOW)).toBe(2000);
  });

  // Garbage must mean "no advice" (normal backoff), never "retry at once" nor "wait for years".
  it.each([
    undefined,
    '',
    '   ',
    'soon',
    '-1',
    '1.5',
    '1e3',
    '0x10',
    '5s',
    'in 5 minutes',
    'May 5',
    'foo 1',
    'abc 2030',
    'Retry 99999',
    'next tuesday 3',
    '2025-01-15T10:31:00Z',
    'Wed, 15 Jan 2025 10:32:00',
    'Wed, 15 Jan 2025 10:32:00 PST',
    'Wed, 32 Jan 2025 10:32:00 GMT',
    'Sat, 29 Feb 2025 10:32:00 GMT',
    'Wed, 15 Jan 2025 24:00:00 GMT',
    'Wed, 15 Foo 2025 10:32:00 GMT',
  ])('garbage %j → undefined', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('an absurd number of seconds is still a finite, huge wait (so the caller fails fast instead of sleeping)', () => {
    const ms = parseRetryAfter('9'.repeat(400), NOW);
    expect(ms).toBeDefined();
    expect(Number.isFinite(ms)).toBe(true);
    expect(ms).toBeGreaterThan(120_000);
  });

  it('property: any text either gives undefined or a finite wait of at least 0', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const ms = parseRetryAfter(text, NOW);
        if (ms !== undefined) {
          expect(Number.isFinite(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});
