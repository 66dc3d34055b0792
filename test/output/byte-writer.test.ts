import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/output/byte-writer.js';

function recorder(size: number): { writer: ByteWriter; flushes: string[] } {
  const flushes: string[] = [];
  const writer = new ByteWriter(size, async (bytes) => {
    await new Promise((resolve) => setImmediate(resolve));
    flushes.push(bytes.toString());
  });
  return { writer, flushes };
}

describe('ByteWriter', () => {
  it('gathers small writes and hands over a full buffer', async () => {
    const { writer, flushes } = recorder(4);
    expect(writer.write(Buffer.from('ab'))).toBeUndefined();
    expect(writer.writeText('c')).toBeUndefined();
    await writer.write(Buffer.from('defghij'));
    expect(flushes).toEqual(['abcd', 'efgh']);
    await writer.flush();
    expect(flushes).toEqual(['abcd', 'efgh', 'ij']);
    await writer.flush();
    expect(flushes).toHaveLength(3);
  });

  it('encodes strings in place and hands a string larger than the buffer over whole', async () => {
    const { writer, flushes } = recorder(4);
    writer.writeText('é');
    await writer.writeText('€€');
    await writer.writeText('ab');
    await writer.flush();
    expect(flushes).toEqual(['é', '€€', 'ab']);
    expect(writer.total).toBe(10);
  });

  it('never splits a character: one that does not fit starts the next buffer', async () => {
    const { writer, flushes } = recorder(8);
    writer.writeText('abcde');
    await writer.writeText('f€g');
    await writer.writeText('€€');
    await writer.flush();
    expect(flushes).toEqual(['abcde', 'f€g', '€€']);
  });

  it('hands a large buffer over without copying it when nothing is gathered', async () => {
    const seen: Buffer[] = [];
    const writer = new ByteWriter(4, async (bytes) => void seen.push(bytes));
    const big = Buffer.from('abcdefgh');
    await writer.write(big);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.buffer).toBe(big.buffer);
    expect(seen[0]?.toString()).toBe('abcdefgh');
  });
});
