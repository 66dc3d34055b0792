import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeFormula } from '../../src/leads/formula.js';

const TRIGGERS = ['=', '+', '-', '@', '\t', '\r', '\n'];

describe('escapeFormula', () => {
  it.each([
    ['=HYPERLINK("http://evil","x")', `'=HYPERLINK("http://evil","x")`],
    ['+1 415 555 0100', `'+1 415 555 0100`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\t=1', `'\t=1`],
    ['\r=1', `'\r=1`],
    ['\n=1', `'\n=1`],
    ['=', `'=`],
  ])('prefixes %j', (value, expected) => {
    expect(escapeFormula(value)).toBe(expected);
  });

  it.each(['', 'John Doe', 'a=b', ' =1', "'=1", '１+1', 'é=', '0', '日本'])('leaves %j unchanged', (value) => {
    expect(escapeFormula(value)).toBe(value);
  });

  it('adds a quote exactly when the first character starts a formula', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.tuple(fc.constantFrom(...TRIGGERS), fc.string()).map(([a, b]) => a + b)), (value) => {
        const risky = TRIGGERS.includes(value.charAt(0));
        expect(escapeFormula(value)).toBe(risky ? `'${value}` : value);
      }),
    );
  });
});
