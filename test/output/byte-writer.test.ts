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
    expect(writer.writeString('c', 1)).toBeUndefined();
    await writer.write(Buffer.from('defghij'));
    expect(flushes).toEqual(['abcd', 'efgh']);
    await writer.flush();
    expect(flushes).toEqual(['abcd', 'efgh', 'ij']);
    await writer.flush();
    expect(flushes).toHaveLength(3);
  });

  it('encodes strings in place and hands a string larger than the buffer over whole', async () => {
    const { writer, flushes } = recorder(4);
    writer.writeString('é', 2);
    await writer.writeString('€€', 6);
    await writer.writeString('ab', 2);
    await writer.flush();
    expect(flushes).toEqual(['é', '€€', 'ab']);
  });
});
