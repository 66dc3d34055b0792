import { describe, expect, it } from 'vitest';
import { RecordPadder } from '../../src/output/record-padder.js';

function padInChunks(text: string, cuts: readonly number[], pad = ',,'): string {
  const data = Buffer.from(text);
  const padder = new RecordPadder(Buffer.from(pad));
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, data.length]) {
    out.push(...padder.pad(data.subarray(from, cut)));
    from = cut;
  }
  return Buffer.concat(out).toString();
}

describe('RecordPadder', () => {
  const input = 'a,"b\r\nc"\r\n"x""\r""",y\r\n"",""""\r\n,\r\n';
  const expected = 'a,"b\r\nc",,\r\n"x""\r""",y,,\r\n"","""",,\r\n,,,\r\n';

  it('pads before each record delimiter outside quotes', () => {
    expect(padInChunks(input, [])).toBe(expected);
  });

  it('gives the same result wherever the chunks are cut', () => {
    const length = Buffer.byteLength(input);
    for (let first = 0; first <= length; first++) {
      for (let second = first; second <= length; second++) {
        expect(padInChunks(input, [first, second])).toBe(expected);
      }
    }
  });

  it('handles multi-byte characters split across chunks', () => {
    const text = 'ü🚀,"€\r"\r\n';
    const length = Buffer.byteLength(text);
    for (let cut = 0; cut <= length; cut++) expect(padInChunks(text, [cut], ',')).toBe('ü🚀,"€\r",\r\n');
  });
});
