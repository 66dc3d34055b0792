import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasInexactNumber, isExactNumber, jsonText } from '../../src/api/exact-json.js';
import { parseUtf8Json } from '../../src/api/utf8-json.js';
import { hostileLiteral, hostileString } from './hostile-json.js';

/** JSON text with number literals written exactly as given (strings as JSON.stringify writes them). */
type Node = { literal: string } | string | null | boolean | Node[] | { entries: [string, Node][] };

/** With `space`, whitespace after every `[`, `{`, `:` and `,`, as a pretty-printer might put it. */
function text(node: Node, space = ''): string {
  if (node === null || typeof node === 'boolean' || typeof node === 'string') return JSON.stringify(node);
  if (Array.isArray(node)) return `[${space}${node.map((item) => text(item, space)).join(`,${space}`)}]`;
  if ('literal' in node) return node.literal;
  const members = node.entries.map(([key, value]) => `${JSON.stringify(key)}:${space}${text(value, space)}`);
  return `{${space}${members.join(`,${space}`)}}`;
}

const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileLiteral.map((literal) => ({ literal })),
    hostileString,
    fc.constantFrom(null, true, false),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(fc.oneof(fc.string({ unit: 'grapheme' }), hostileString), tie('node')), {
      maxLength: 4,
      selector: ([key]) => key,
    }).map((entries) => ({ entries })),
  ),
})).node;

describe('numbers JSON.parse would alter', () => {
  const literals = ['12345678901234567890', '9007199254740993', '1e400', '-0', '1.50', '0.1', '1E+2', '-1e-400', '0.0000001'];

  it.each(literals)('%s keeps its exact text through parse and write, in ASCII, UTF-8 and \\u bodies', (literal) => {
    for (const body of [
      `{"v":${literal},"w":[1,${literal}],"s":"plain"}`,
      `{"v":${literal},"w":[1,${literal}],"s":"Zoë"}`,
      `{"v":${literal},"w":[1,${literal}],"s":"Zoë \\ud83d"}`,
    ]) {
      const parsed = parseUtf8Json(Buffer.from(body, 'utf8')) as Record<string, unknown>;
      expect(jsonText(parsed)).toBe(body);
      expect(isExactNumber(parsed.v) ? parsed.v.toString() : String(parsed.v)).toBe(literal);
    }
  });

  it('leaves numbers JSON.parse keeps exactly as plain numbers, and such a body as JSON.parse gives it', () => {
    const body = '{"a":1,"b":-2.5,"c":1e+21,"d":0.1,"e":9007199254740991,"f":"12:00:00 or 1.50"}';
    expect(hasInexactNumber(body)).toBe(false);
    expect(parseUtf8Json(Buffer.from(body))).toStrictEqual(JSON.parse(body));
  });

  it('flags only texts that hold a literal JSON.parse would alter', () => {
    expect(hasInexactNumber('{"a":[1, 2 ,-0 ]}')).toBe(true);
    expect(hasInexactNumber('{"a":\n 1.50\n}')).toBe(true);
    expect(hasInexactNumber('{"a":"10:30:00","b":"x,00"}')).toBe(false);
  });

  it('keeps a duplicate key in its first place with its last value, as JSON.parse does', () => {
    const parsed = parseUtf8Json(Buffer.from('{"a":1.50,"b":2,"a":3}'));
    expect(jsonText(parsed)).toBe('{"a":3,"b":2}');
  });

  it('writes any value back as the text it was parsed from (property)', () => {
    fc.assert(
      fc.property(node, fc.constantFrom('', ' ', '\n\t'), (value, space) => {
        const parsed = parseUtf8Json(Buffer.from(text(value, space), 'utf8'));
        expect(jsonText(parsed)).toBe(text(value));
      }),
      { numRuns: 400 },
    );
  });
});
