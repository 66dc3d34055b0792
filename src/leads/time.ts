import { UsageError } from '../errors.js';
import { escapeForTerminal } from './terminal.js';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

const CHAR_0 = 0x30;
const SPACE = 0x20;
const TAB = 0x09;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const UPPER_T = 0x54;
const UPPER_Z = 0x5a;
const LOWER_T = 0x74;
const LOWER_Z = 0x7a;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * A lead timestamp as epoch milliseconds, or undefined when it is not one.
 * Accepted: `YYYY-MM-DD`, and `YYYY-MM-DD` + (`T` or a space) + `HH:MM`,
 * optional `:SS`, optional fraction (`.` or `,`), optional zone (`Z`, `±HH`,
 * `±HHMM`, `±HH:MM`). No zone means UTC, which is how the API's
 * `2025-01-15 10:30:00` is read. Impossible dates such as `2025-02-30` are
 * rejected rather than rolled over the way `Date.parse` would.
 */
export function parseLeadTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  return parseTimestamp(value, start, end);
}

// Hand-rolled rather than Date.parse: it runs once per lead, and Date.parse
// accepts too much (`2025-02-30`, `Jan 1`, two-digit years) to be trusted.
function parseTimestamp(text: string, start: number, end: number): number | undefined {
  const year = readDigits(text, start, 4, end);
  const month = readDigits(text, start + 5, 2, end);
  const day = readDigits(text, start + 8, 2, end);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (text.charCodeAt(start + 4) !== MINUS || text.charCodeAt(start + 7) !== MINUS) return undefined;
  const midnight = daysFromCivil(year, month, day) * MS_PER_DAY;
  let pos = start + 10;
  if (pos === end) return midnight;

  const separator = text.charCodeAt(pos);
  if (separator !== UPPER_T && separator !== LOWER_T && separator !== SPACE) return undefined;
  const hour = readDigits(text, pos + 1, 2, end);
  const minute = readDigits(text, pos + 4, 2, end);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || text.charCodeAt(pos + 3) !== COLON) return undefined;
  pos += 6;
  let second = 0;
  let millis = 0;
  if (pos < end && text.charCodeAt(pos) === COLON) {
    second = readDigits(text, pos + 1, 2, end);
    if (second < 0 || second > 59) return undefined;
    pos += 3;
    const mark = pos < end ? text.charCodeAt(pos) : 0;
    if (mark === DOT || mark === COMMA) {
      const fractionStart = ++pos;
      while (pos < end && isDigit(text.charCodeAt(pos))) {
        if (pos - fractionStart < 3) millis = millis * 10 + text.charCodeAt(pos) - CHAR_0;
        pos++;
      }
      const length = pos - fractionStart;
      if (length === 0) return undefined;
      if (length === 1) millis *= 100;
      else if (length === 2) millis *= 10;
    }
  }
  const local = midnight + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * MS_PER_SECOND + millis;
  if (pos === end) return local;
  const offset = parseZoneOffset(text, pos, end);
  return offset === undefined ? undefined : local - offset;
}

/** The zone's offset from UTC in ms (`+02:00` → 7,200,000), or undefined when malformed. */
function parseZoneOffset(text: string, pos: number, end: number): number | undefined {
  const sign = text.charCodeAt(pos);
  if (sign === UPPER_Z || sign === LOWER_Z) return pos + 1 === end ? 0 : undefined;
  if (sign !== PLUS && sign !== MINUS) return undefined;
  const hours = readDigits(text, pos + 1, 2, end);
  if (hours < 0 || hours > 23) return undefined;
  pos += 3;
  let minutes = 0;
  if (pos < end) {
    if (text.charCodeAt(pos) === COLON) pos++;
    minutes = readDigits(text, pos, 2, end);
    if (minutes < 0 || minutes > 59 || pos + 2 !== end) return undefined;
  }
  const offset = hours * MS_PER_HOUR + minutes * MS_PER_MINUTE;
  return sign === PLUS ? offset : -offset;
}

/** The value of `count` decimal digits at `pos`, or -1 when they are not all there. */
function readDigits(text: string, pos: number, count: number, end: number): number {
  if (pos + count > end) return -1;
  let value = 0;
  for (let i = pos; i < pos + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - CHAR_0;
  }
  return value;
}

function isDigit(code: number): boolean {
  return code >= CHAR_0 && code <= CHAR_0 + 9;
}

function isSpace(code: number): boolean {
  return code === SPACE || code === TAB;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil); Date.UTC would map years 0-99 to 1900-1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const DURATION = /^(\d{1,9})([smhdw])$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  s: MS_PER_SECOND,
  m: MS_PER_MINUTE,
  h: MS_PER_HOUR,
  d: MS_PER_DAY,
  w: 7 * MS_PER_DAY,
};

/**
 * A `--since`/`--until` value as epoch ms: a duration before `now` (`90s`,
 * `15m`, `24h`, `7d`, `2w`) or an absolute time in any form parseLeadTime
 * accepts. A bare date means midnight UTC.
 */
export function parseTimeBound(input: string, now: number): number {
  const text = input.trim();
  const duration = durationMs(text);
  if (duration !== undefined) return now - duration;
  const time = parseLeadTime(text);
  if (time === undefined) {
    throw new UsageError(
      `invalid time "${escapeForTerminal(input)}": use a duration before now (90s, 15m, 24h, 7d, 2w) ` +
        'or a date/time (2025-01-15, 2025-01-15 10:30:00, 2025-01-15T10:30:00+02:00; no zone means UTC)',
    );
  }
  return time;
}

/** A duration option (`--overlap 24h`) in ms: a whole number and a unit, s, m, h, d or w. */
export function parseDuration(option: string, input: string): number {
  const duration = durationMs(input.trim());
  if (duration === undefined) {
    throw new UsageError(`${option} must be a duration such as 90s, 15m, 24h, 7d or 2w, got "${escapeForTerminal(input)}"`);
  }
  return duration;
}

/** `text` (already trimmed) as a duration in ms, or undefined when it is not one. */
function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match === null ? undefined : Number(match[1]) * UNIT_MS[match[2]];
}
