import { ExitCode, RobofyError } from '../errors.js';

const INITIAL_BYTES = 256 * 1024;
/** Bodies up to this size keep the grown buffer for the next response. */
const KEEP_BYTES = 8 * 1024 * 1024;

/**
 * Reads response bodies into one buffer reused from page to page. A Buffer
 * per page (Buffer.concat) lives outside the V8 heap and piles up until a
 * major GC; over ten thousand pages that was most of the export's memory.
 */
export class BodyReader {
  #buffer: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  #busy = false;

  /** The whole body; the bytes are valid until the next read. */
  async read(body: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer> {
    // Two bodies at once (a caller's own concurrency) is rare: the second gets a buffer of its own.
    const shared = !this.#busy;
    this.#busy = true;
    let buffer: Buffer = shared ? this.#buffer : Buffer.allocUnsafe(INITIAL_BYTES);
    let size = 0;
    try {
      for await (const chunk of body) {
        if (size + chunk.length > maxBytes) throw tooLarge(maxBytes);
        if (size + chunk.length > buffer.length) buffer = grow(buffer, size, size + chunk.length);
        chunk.copy(buffer, size);
        size += chunk.length;
      }
      return buffer.subarray(0, size);
    } finally {
      if (shared) {
        if (buffer.length <= KEEP_BYTES) this.#buffer = buffer;
        this.#busy = false;
      }
    }
  }
}

function grow(buffer: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, needed));
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}

function tooLarge(maxBytes: number): RobofyError {
  return new RobofyError(`a response exceeded ${Math.round(maxBytes / 1048576)} MiB; refusing to read more`, {
    code: 'RESPONSE_TOO_LARGE',
    exitCode: ExitCode.Api,
  });
}
