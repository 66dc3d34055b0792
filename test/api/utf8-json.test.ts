import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUtf8Json } from '../../src/api/utf8-json.js';

const utf8 = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

describe('parseUtf8Json', () => {
  it.each(['grapheme-ascii', 'grapheme', 'binary'] as const)('equals JSON.parse of the UTF-8 text for any JSON value, keys included (%s text)', (stringUnit) => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4, stringUnit }), (value) => {
        const bytes = utf8(value);
        expect(parseUtf8Json(bytes)).toStrictEqual(JSON.parse(bytes.toString('utf8')));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes multi-byte text inside strings and keys, and keeps key order', () => {
    const bytes = Buffer.from('{"a":"Zoë ☕ 日本 😀","é":1,"z":["Søren",{"ñ":"ü"}],"__proto__":"x"}', 'utf8');
    const parsed = parseUtf8Json(bytes) as Record<string, unknown>;
    expect(JSON.stringify(parsed)).toBe(bytes.toString('utf8'));
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['a', 'é', 'z', '__proto__']);
  });

  it('turns invalid UTF-8 into U+FFFD as the ordinary decoder does', () => {
    const bytes = Buffer.concat([Buffer.from('{"v":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('b","w":"é"}')]);
    expect(parseUtf8Json(bytes)).toStrictEqual(JSON.parse(bytes.toString('utf8')));
  });

  it('takes the ordinary path when a \\u escape could stand for a character above 0x7f', () => {
    const bytes = Buffer.from('{"v":"\\u00e9 é"}', 'utf8');
    expect(parseUtf8Json(bytes)).toStrictEqual({ v: 'é é' });
  });

  it('rejects what JSON.parse rejects', () => {
    expect(() => parseUtf8Json(Buffer.from('{"v":'))).toThrow(SyntaxError);
    expect(() => parseUtf8Json(Buffer.from('<html>'))).toThrow(SyntaxError);
  });
});
