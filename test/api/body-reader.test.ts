import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { BodyReader } from '../../src/api/body-reader.js';

const MAX = 1 << 20;

it('a body held while the next one is read keeps its bytes; once released, its buffer serves the next read', async () => {
  const reader = new BodyReader();
  const first = await reader.read(Readable.from([Buffer.from('{"page":'), Buffer.from('1}')]), MAX);
  const second = await reader.read(Readable.from([Buffer.from('{"page":2,"more":true}')]), MAX);
  expect(first.bytes.toString()).toBe('{"page":1}');
  expect(second.bytes.toString()).toBe('{"page":2,"more":true}');
  expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
  second.release();
  first.release();
  const third = await reader.read(Readable.from([Buffer.from('{"page":3}')]), MAX);
  expect(third.bytes.toString()).toBe('{"page":3}');
  expect(third.bytes.buffer).toBe(first.bytes.buffer);
  third.release();
});

it('a failed read gives its buffer back', async () => {
  const reader = new BodyReader();
  const before = await reader.read(Readable.from([Buffer.from('ok')]), MAX);
  const shared = before.bytes.buffer;
  before.release();
  await expect(reader.read(Readable.from([Buffer.alloc(64)]), 16)).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  const next = await reader.read(Readable.from([Buffer.from('ok')]), MAX);
  expect(next.bytes.buffer).toBe(shared);
  next.release();
});
