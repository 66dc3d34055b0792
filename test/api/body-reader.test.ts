import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { BodyReader } from '../../src/api/body-reader.js';

const MAX = 1 << 20;

function receive(reader: BodyReader, chunks: readonly Buffer[], maxBytes = MAX, encoding?: string) {
  const body = reader.open(maxBytes, encoding);
  for (const chunk of chunks) body.write(chunk);
  return body.end();
}

it('a body held while the next one is read keeps its bytes; once released, its buffer serves the next read', async () => {
  const reader = new BodyReader();
  const first = await receive(reader, [Buffer.from('{"page":'), Buffer.from('1}')]);
  const second = await receive(reader, [Buffer.from('{"page":2,"more":true}')]);
  expect(first.bytes.toString()).toBe('{"page":1}');
  expect(second.bytes.toString()).toBe('{"page":2,"more":true}');
  expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
  second.release();
  first.release();
  const third = await receive(reader, [Buffer.from('{"page":3}')]);
  expect(third.bytes.toString()).toBe('{"page":3}');
  expect(third.bytes.buffer).toBe(first.bytes.buffer);
  third.release();
});

it('a body over the cap throws as it arrives, and a discarded body gives its buffer back', async () => {
  const reader = new BodyReader();
  const before = await receive(reader, [Buffer.from('ok')]);
  const shared = before.bytes.buffer;
  before.release();
  const big = reader.open(16);
  expect(() => big.write(Buffer.alloc(64))).toThrow(expect.objectContaining({ code: 'RESPONSE_TOO_LARGE' }));
  big.discard();
  const next = await receive(reader, [Buffer.from('ok')]);
  expect(next.bytes.buffer).toBe(shared);
  next.release();
});

it('a gzip body fed in pieces is decoded whole; the wire size is what came in', async () => {
  const text = JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => ({ id: `lead_${i}`, note: 'é'.repeat(i % 7) })) });
  const wire = gzipSync(text);
  const pieces = [wire.subarray(0, 10), wire.subarray(10, 5000), wire.subarray(5000)];
  const body = await receive(new BodyReader(), pieces, MAX, 'gzip');
  expect(body.bytes.toString('utf8')).toBe(text);
  expect(body.wireBytes).toBe(wire.length);
  expect(body.encoding).toBe('gzip');
  body.release();
});

it('an encoding it cannot decode is refused when the body opens', () => {
  expect(() => new BodyReader().open(MAX, 'zstd')).toThrow('the API sent a body encoded as "zstd", which robofy cannot decode');
});
