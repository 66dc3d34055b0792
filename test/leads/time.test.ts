import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseLeadTime, parseTimeBound } from '../../src/leads/time.js';

/** The API's form: `YYYY-MM-DD HH:MM:SS` in UTC. */
function formatLeadTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

const utc = (...parts: [number, number, number, number?, number?, number?, number?]): number => {
  const [year, month, day, hour = 0, minute = 0, second = 0, ms = 0] = parts;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
};

describe('parseLeadTime', () => {
  it.each([
    ['2025-01-15 10:30:00', utc(2025, 1, 15, 10, 30)],
    ['2025-01-15', utc(2025, 1, 15)],
    ['2025-01-15T10:30:00', utc(2025, 1, 15, 10, 30)],
    ['2025-01-15T10:30:00Z', utc(2025, 1, 15, 10, 30)],
    ['2025-01-15t10:30:00z', utc(2025, 1, 15, 10, 30)],
    ['2025-01-15T10:30Z', utc(2025, 1, 15, 10, 30)],
    ['2025-01-15 10:30', utc(2025, 1, 15, 10, 30)],
    ['2025-01-15T10:30:00.123Z', utc(2025, 1, 15, 10, 30, 0, 123)],
    ['2025-01-15T10:30:00.5', utc(2025, 1, 15, 10, 30, 0, 500)],
    ['2025-01-15T10:30:00.12', utc(2025, 1, 15, 10, 30, 0, 120)],
    ['2025-01-15T10:30:00,250Z', utc(2025, 1, 15, 10, 30, 0, 250)],
    ['2025-01-15T10:30:00.123456789Z', utc(2025, 1, 15, 10, 30, 0, 123)],
    ['2025-01-15T10:30:00+02:00', utc(2025, 1, 15, 8, 30)],
    ['2025-01-15T10:30:00-05:30', utc(2025, 1, 15, 16, 0)],
    ['2025-01-15T10:30:00+0200', utc(2025, 1, 15, 8, 30)],
    ['2025-01-15T10:30:00+02', utc(2025, 1, 15, 8, 30)],
    ['2025-01-15 10:30:00.5+01:00', utc(2025, 1, 15, 9, 30, 0, 500)],
    ['2025-01-01T00:30:00+01:00', utc(2024, 12, 31, 23, 30)],
    ['  2025-01-15 10:30:00 ', utc(2025, 1, 15, 10, 30)],
    ['2024-02-29', utc(2024, 2, 29)],
    ['2000-02-29 23:59:59', utc(2000, 2, 29, 23, 59, 59)],
    ['1970-01-01T00:00:00Z', 0],
    ['1969-12-31 23:59:59', -1000],
    ['0001-03-01', utc(1, 3, 1)],
    ['0050-06-15 12:00:00', utc(50, 6, 15, 12)],
    ['9999-12-31 23:59:59', utc(9999, 12, 31, 23, 59, 59)],
  ])('reads %j', (text, expected) => {
    expect(parseLeadTime(text)).toBe(expected);
  });

  it('agrees with Date.parse on ISO strings with a zone', () => {
    for (const text of ['2025-01-15T10:30:00.123+02:00', '2025-06-30T23:59:59Z', '1999-12-31T23:00:00-01:00']) {
      expect(parseLeadTime(text)).toBe(Date.parse(text));
    }
  });

  it.each([
    '',
    '   ',
    '2025',
    '2025-01',
    '2025-1-15',
    '25-01-15',
    '2025/01/15',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '2025-02-29',
    '1900-02-29',
    '2025-02-30',
    '2025-04-31',
    '2025-01-15 24:00:00',
    '2025-01-15 10:60:00',
    '2025-01-15 10:30:60',
    '2025-01-15 10',
    '2025-01-15 10:3',
    '2025-01-15 10:30:0',
    '2025-01-15T',
    '2025-01-15 10:30:00.',
    '2025-01-15 10:30:00Zx',
    '2025-01-15 10:30:00 Z',
    '2025-01-15 10:30:00 UTC',
    '2025-01-15 10:30:00+2',
    '2025-01-15 10:30:00+02:0',
    '2025-01-15 10:30:00+02:000',
    '2025-01-15 10:30:00+24:00',
    '2025-01-15 10:30:00+02:60',
    '2025-01-15Z',
    '2025-01-15X10:30:00',
    '+002025-01-15',
    'Jan 15 2025',
    '1736937000000',
    'ab25-01-15',
  ])('rejects %j', (text) => {
    expect(parseLeadTime(text)).toBeUndefined();
  });

  it('rejects values that are not strings', () => {
    for (const value of [undefined, null, 1736937000000, new Date(0), {}, ['2025-01-15']]) {
      expect(parseLeadTime(value)).toBeUndefined();
    }
  });

  const allYears = { min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true };

  it('round-trips the API form (whole seconds, UTC)', () => {
    fc.assert(
      fc.property(fc.date(allYears), (date) => {
        const seconds = Math.floor(date.getTime() / 1000) * 1000;
        expect(parseLeadTime(formatLeadTime(seconds))).toBe(seconds);
      }),
    );
  });

  it('round-trips toISOString (milliseconds, Z)', () => {
    fc.assert(
      fc.property(fc.date(allYears), (date) => {
        expect(parseLeadTime(date.toISOString())).toBe(date.getTime());
      }),
    );
  });

  it('applies any valid zone offset', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9000-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offsetMinutes) => {
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const local = date.toISOString().slice(0, 23);
          expect(parseLeadTime(local + zone)).toBe(date.getTime() - offsetMinutes * 60_000);
        },
      ),
    );
  });

  it('rejects days past the end of the month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const lastDay = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
        const prefix = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-`;
        expect(parseLeadTime(`${prefix}${String(lastDay).padStart(2, '0')}`)).toBeTypeOf('number');
        expect(parseLeadTime(`${prefix}${lastDay + 1}`)).toBeUndefined();
      }),
    );
  });
});

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

describe('parseTimeBound', () => {
  const now = utc(2025, 1, 15, 12);

  it.each([
    ['90s', 90_000],
    ['15m', 15 * 60_000],
    ['24h', 24 * 3_600_000],
    ['7d', 7 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['0d', 0],
    [' 7d ', 7 * 86_400_000],
  ])('reads the duration %j as now minus it', (input, ms) => {
    expect(parseTimeBound(input, now)).toBe(now - ms);
  });

  it('reads absolute times like parseLeadTime', () => {
    expect(parseTimeBound('2025-01-01', now)).toBe(utc(2025, 1, 1));
    expect(parseTimeBound('2025-01-15 10:30:00', now)).toBe(utc(2025, 1, 15, 10, 30));
    expect(parseTimeBound('2025-01-15T10:30:00+02:00', now)).toBe(utc(2025, 1, 15, 8, 30));
  });

  it.each(['', 'yesterday', '7', 'd', '7 d', '-7d', '+7d', '1.5h', '7D', '7days', '1y', '2025-02-30', '10000000000d'])(
    'rejects %j with a usage error listing the accepted forms',
    (input) => {
      let error: unknown;
      try {
        parseTimeBound(input, now);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UsageError);
      const { message, exitCode } = error as UsageError;
      expect(exitCode).toBe(2);
      expect(message).not.toContain('\n');
      for (const form of ['90s', '15m', '24h', '7d', '2w', '2025-01-15', '2025-01-15 10:30:00', '+02:00']) {
        expect(message).toContain(form);
      }
    },
  );

  it('shows the bad input without raw control characters', () => {
    expect(() => parseTimeBound('\x1b[2Jnow\n', now)).toThrow('invalid time "\\x1b[2Jnow\\n"');
  });
});
