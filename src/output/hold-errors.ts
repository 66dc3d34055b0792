import type { Writable } from 'node:stream';

/**
 * Keeps an 'error' on `stream` from crashing the process while a sink owns
 * it: the error stays on `stream.errored`, so the sink's next write or
 * finish rejects with it. Returns the function that lets go again, which
 * keeps the listener on a failed stream: its 'error' event can come after
 * the failure was reported (a file stream emits it once its fd is closed).
 */
export function holdErrors(stream: Writable): () => void {
  const ignore = (): void => {};
  stream.on('error', ignore);
  return () => {
    if (stream.errored === null) stream.off('error', ignore);
  };
}
