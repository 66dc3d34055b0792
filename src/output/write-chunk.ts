import type { Writable } from 'node:stream';

/**
 * Writes `chunk` to `stream`. Returns `undefined` when the stream can take
 * more (the hot path allocates no promise); otherwise a promise that resolves
 * on 'drain' and rejects with the stream's own error (its `code`, e.g.
 * EPIPE, kept) if it errors or closes first. A stream that already failed or
 * closed rejects at once rather than swallowing the chunk.
 */
export function writeChunk(stream: Writable, chunk: string | Uint8Array): Promise<void> | undefined {
  const failure = streamFailure(stream);
  if (failure !== undefined) return Promise.reject(failure);
  // A synchronous write error (EPIPE on a pipe) sets `errored` now and emits
  // 'error' on the next tick, which waitForDrain then catches.
  if (stream.write(chunk) && stream.errored === null) return undefined;
  return nextDrain(stream);
}

/** Resolves once `stream` has no pending backpressure; rejects like {@link writeChunk}. */
export function waitForDrain(stream: Writable): Promise<void> {
  const failure = streamFailure(stream);
  if (failure !== undefined) return Promise.reject(failure);
  if (!stream.writableNeedDrain) return Promise.resolve();
  return nextDrain(stream);
}

/**
 * Resolves once everything written so far has left the stream's buffer (a
 * file stream has handed it to the OS); rejects with the stream's error,
 * including one raised by an earlier, buffered write.
 */
export function flushed(stream: Writable): Promise<void> {
  const failure = streamFailure(stream);
  if (failure !== undefined) return Promise.reject(failure);
  if (stream.writableLength === 0) return Promise.resolve();
  // Writes complete in order, so an empty one completes after all before it.
  return new Promise<void>((resolve, reject) => {
    stream.write('', (error) => {
      if (error === null || error === undefined) resolve();
      else reject(error);
    });
  });
}

function nextDrain(stream: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = (): void => settle();
    const onError = (error: Error): void => settle(error);
    const onClose = (): void => settle(stream.errored ?? closedError());
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

function streamFailure(stream: Writable): Error | undefined {
  if (stream.errored !== null) return stream.errored;
  if (stream.destroyed || stream.writableEnded) return closedError();
  return undefined;
}

function closedError(): Error {
  return Object.assign(new Error('output stream closed before all data was written'), {
    code: 'ERR_STREAM_DESTROYED',
  });
}
