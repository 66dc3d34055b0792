import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { waitForDrain, writeChunk } from '../../src/output/write-chunk.js';
import { withTempDir } from './helpers.js';

function failingStream(code: string): Writable {
  return new Writable({
    highWaterMark: 4,
    write(_chunk, _encoding, callback) {
      setImmediate(() => callback(Object.assign(new Error(`write ${code}`), { code })));
    },
  });
}

describe('writeChunk', () => {
  it('returns undefined while the stream takes more', () => {
    const out = new PassThrough({ highWaterMark: 1024 });
    expect(writeChunk(out, 'small')).toBeUndefined();
  });

  it('returns a promise that resolves on drain under backpressure', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    const pending = writeChunk(out, 'more than four bytes');
    expect(pending).toBeInstanceOf(Promise);
    let drained = false;
    void pending?.then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    out.resume();
    await pending;
    expect(drained).toBe(true);
  });

  it('rejects with the stream error, code kept, when the stream errors first', async () => {
    const out = failingStream('EPIPE');
    await expect(writeChunk(out, 'more than four bytes')).rejects.toMatchObject({ code: 'EPIPE' });
    // Later writes fail at once instead of hanging.
    await expect(writeChunk(out, 'x')).rejects.toMatchObject({ code: 'EPIPE' });
    await expect(waitForDrain(out)).rejects.toMatchObject({ code: 'EPIPE' });
  });

  it('rejects when the stream closes before draining', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    const pending = writeChunk(out, 'more than four bytes');
    out.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
    await expect(writeChunk(out, 'x')).rejects.toMatchObject({ code: 'ERR_STREAM_DESTROYED' });
  });

  it('surfaces EPIPE, not a hang, when the reader of a pipe goes away', async () => {
    await withTempDir(async (dir) => {
      // A FIFO behaves like `robofy ... | head`: the writer outlives its reader.
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const reader = spawn('head', ['-c', '1', fifo], { stdio: 'ignore' });
      const out = createWriteStream(fifo);
      await writeChunk(out, 'first');
      await once(reader, 'exit');
      const chunk = 'x'.repeat(64 * 1024);
      const failure = await (async () => {
        for (let i = 0; i < 1000; i++) await writeChunk(out, chunk);
        return undefined;
      })().catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'EPIPE' });
    });
  });
});
