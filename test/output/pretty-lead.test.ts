import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { formatPrettyLead, stdoutColorLevel } from '../../src/output/pretty-lead.js';
import { lead } from './helpers.js';

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

/** Anything a terminal would act on: C0 (newline included), DEL, C1, and the bidi controls. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** The SGR sequences chalk itself writes at level 1 (colour on, colour off). */
const CHALK_SGR = /\x1b\[\d+m/g;

const HOSTILE: readonly [name: string, value: string, shown: string][] = [
  ['CSI colour', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
  ['CSI clear screen', '\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
  ['OSC 8 hyperlink', '\x1b]8;;http://x\x07click\x1b]8;;\x07', '\\x1b]8;;http://x\\x07click\\x1b]8;;\\x07'],
  ['OSC 52 clipboard', '\x1b]52;c;ZXZpbA==\x07', '\\x1b]52;c;ZXZpbA==\\x07'],
  ['OSC 52 with ST', '\x1b]52;c;ZXZpbA==\x1b\\', '\\x1b]52;c;ZXZpbA==\\x1b\\'],
  ['lone CR', 'paid\rUNPAID', 'paid\\rUNPAID'],
  ['BEL', 'ding\x07', 'ding\\x07'],
  ['newline', 'one\ntwo', 'one\\ntwo'],
  ['RLO bidi override', 'invoice\u202efdp.exe', 'invoice\\u202efdp.exe'],
  ['bidi isolates', '\u2066a\u2069', '\\u2066a\\u2069'],
  ['C1 CSI', '\x9b31m', '\\x9b31m'],
  ['C1 OSC and ST', '\x9d8;;x\x9c', '\\x9d8;;x\\x9c'],
  ['DEL and NUL', 'a\x7fb\x00', 'a\\x7fb\\x00'],
];

describe('formatPrettyLead', () => {
  it('is one line: time, source, id, then each field as name: value', () => {
    const line = formatPrettyLead(lead(7, { name: 'Ada Lovelace', email: 'ada@example.com' }), plain);
    expect(line).toBe('2025-01-15 10:30:00  chat  7  name: Ada Lovelace · email: ada@example.com');
  });

  it('a lead without fields has no trailing separator, and missing base values show as -', () => {
    expect(formatPrettyLead(lead(1, {}, { source: null, created_at: undefined }), plain)).toBe('-  -  1');
  });

  it('shows values that are not strings as JSON, and keeps non-ASCII text as it is', () => {
    const line = formatPrettyLead(lead(2, { tags: ['a', 'b'], age: 42, ok: true, name: 'Zoë 日本 😀' }), plain);
    expect(line).toBe('2025-01-15 10:30:00  chat  2  tags: ["a","b"] · age: 42 · ok: true · name: Zoë 日本 😀');
  });

  it.for(HOSTILE)('neutralises %s in a value: shown visibly escaped, nothing raw', ([, value, shown]) => {
    const line = formatPrettyLead(lead(3, { message: value }), plain);
    expect(line).toBe(`2025-01-15 10:30:00  chat  3  message: ${shown}`);
    expect(line).not.toMatch(UNSAFE);
  });

  it('neutralises field names and base columns too', () => {
    const line = formatPrettyLead(
      lead(4, [['\x1b[8mhidden', 'x']], { source: '\x1b]8;;http://x\x07', id: 'id\u202e', created_at: '2025\r' }),
      plain,
    );
    expect(line).toBe('2025\\r  \\x1b]8;;http://x\\x07  id\\u202e  \\x1b[8mhidden: x');
    expect(line).not.toMatch(UNSAFE);
  });

  it('in colour, the only escape sequences are its own SGR codes', () => {
    const values = Object.fromEntries(HOSTILE.map(([name, value]) => [name, value]));
    const line = formatPrettyLead(lead(5, values), coloured);
    expect(line).toMatch(CHALK_SGR);
    const withoutColour = line.replace(CHALK_SGR, '');
    expect(withoutColour).not.toMatch(UNSAFE);
    expect(withoutColour).toBe(formatPrettyLead(lead(5, values), plain));
  });
});

describe('stdoutColorLevel', () => {
  it.for([
    { env: {}, tty: true, level: 1 },
    { env: {}, tty: false, level: 0 },
    { env: { NO_COLOR: '1' }, tty: true, level: 0 },
    { env: { NO_COLOR: '' }, tty: true, level: 1 },
    { env: { TERM: 'dumb' }, tty: true, level: 0 },
    { env: { FORCE_COLOR: '1' }, tty: false, level: 1 },
    { env: { FORCE_COLOR: '0' }, tty: true, level: 0 },
    { env: { FORCE_COLOR: 'false' }, tty: true, level: 0 },
    { env: { FORCE_COLOR: '1', NO_COLOR: '1' }, tty: true, level: 0 },
  ])('$env on a tty=$tty → $level', ({ env, tty, level }) => {
    expect(stdoutColorLevel({ env, stdoutIsTTY: tty })).toBe(level);
  });

  it('follows stdout, not stderr: a piped stdout gets no colour whatever stderr is', () => {
    // The IO shape has stderrIsTTY too; only stdoutIsTTY is read.
    expect(stdoutColorLevel({ env: {}, stdoutIsTTY: false, stderrIsTTY: true } as never)).toBe(0);
  });
});
