import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * A Writable over an open file that passes strings to the file as they are.
 * fs.WriteStream turns every string into a Buffer first; those Buffers live
 * outside the V8 heap and pile up until a major GC, which on a large export
 * meant tens of megabytes of dead memory. The handle is not closed here: its
 * owner syncs and closes it.
 */
export class FileWritable extends Writable {
  readonly #file: FileHandle;

  constructor(file: FileHandle, highWaterMark: number) {
    super({ decodeStrings: false, highWaterMark });
    this.#file = file;
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    writeAll(this.#file, chunk).then(() => callback(), callback);
  }
}

async function writeAll(file: FileHandle, chunk: string | Buffer): Promise<void> {
  let bytes: Buffer;
  if (typeof chunk === 'string') {
    const { bytesWritten } = await file.write(chunk, null, 'utf8');
    const length = Buffer.byteLength(chunk, 'utf8');
    if (bytesWritten === length) return;
    // A short write (the disk filling up) is rare: finish it from bytes.
    bytes = Buffer.from(chunk, 'utf8').subarray(bytesWritten);
  } else {
    bytes = chunk;
  }
  await writeFully(file, bytes);
}

/** All of `bytes`, however many short writes the file system makes of it. */
export async function writeFully(file: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
