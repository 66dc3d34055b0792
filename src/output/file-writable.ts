import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { ByteWriter } from './byte-writer.js';

/**
 * A Writable over an open file that gathers what it is given in one reused
 * buffer and writes the file a buffer at a time. Strings are encoded
 * straight into that buffer: fs.WriteStream turns every string into a
 * Buffer of its own first, and those live outside the V8 heap and pile up
 * until a major GC (tens of megabytes on a large export); one write per
 * page also cost a promise and a system call each. A write's callback
 * comes once its bytes are copied, so the caller may reuse them; the rest
 * reaches the file when the buffer fills or the stream ends, or after
 * every write for a file something may be reading as it grows (a FIFO, a
 * terminal: `stream`). The handle is not closed here: its owner syncs and
 * closes it.
 */
export class FileWritable extends Writable {
  readonly #writer: ByteWriter;
  readonly #stream: boolean;

  constructor(file: FileHandle, bufferSize: number, options: { stream: boolean }) {
    super({ decodeStrings: false, highWaterMark: bufferSize });
    this.#writer = new ByteWriter(bufferSize, (bytes) => writeFully(file, bytes));
    this.#stream = options.stream;
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const pending = typeof chunk === 'string' ? this.#writer.writeText(chunk) : this.#writer.write(chunk);
    if (pending === undefined && !this.#stream) callback();
    else this.#settle(pending).then(() => callback(), callback);
  }

  async #settle(pending: Promise<void> | undefined): Promise<void> {
    await pending;
    if (this.#stream) await this.#writer.flush();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#writer.flush().then(() => callback(), callback);
  }
}

/** All of `bytes`, however many short writes the file system makes of it. */
export async function writeFully(file: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
