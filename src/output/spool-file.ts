import { randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteWriter } from './byte-writer.js';
import { writeFully } from './file-writable.js';

/** Spool writes move this much at a time: a handful of syscalls per thousand leads. */
export const SPOOL_BUFFER_SIZE = 1024 * 1024;

/**
 * A private temp file (mode 0600) that output is parked in until what must
 * come before it is known (a header that is the union of every lead's
 * columns), then read back. Text is appended through one reusable buffer.
 */
export class SpoolFile {
  readonly path: string;
  readonly #file: Promise<FileHandle>;
  readonly #writer: ByteWriter;
  #opened = false;

  /** `kind` names the file (`csv`, `xlsx`), so a leftover one says what made it. */
  constructor(dir: string, kind: string) {
    this.path = join(dir, `robofy-${process.pid}-${randomBytes(8).toString('hex')}.${kind}.spool`);
    this.#file = open(this.path, 'wx+', 0o600);
    // Reported by the first append; this only keeps it from being "unhandled" meanwhile.
    this.#file.catch(() => undefined);
    this.#writer = new ByteWriter(SPOOL_BUFFER_SIZE, async (bytes) => writeFully(await this.#file, bytes));
  }

  /** Bytes appended so far; up to date as soon as `append` returns. */
  get size(): number {
    return this.#writer.total;
  }

  /** Appends `data` (text as UTF-8); copied, so the caller may reuse it. Callers await what it returns before appending again. */
  append(data: string | Uint8Array): Promise<void> | undefined {
    const pending = typeof data === 'string' ? this.#writer.writeText(data) : this.#writer.write(data);
    return this.#opened ? pending : this.#openedThen(pending);
  }

  /** Writes out what is buffered; reads see everything appended before it. */
  async flush(): Promise<void> {
    await this.#writer.flush();
  }

  /** Reads into `buffer` from `position` (after flush); 0 at the end. */
  async readAt(buffer: Buffer, position: number, length = buffer.length): Promise<number> {
    if (!this.#opened) return 0;
    const { bytesRead } = await (await this.#file).read(buffer, 0, length, position);
    return bytesRead;
  }

  /** Closes and deletes the file. Never throws. */
  async remove(): Promise<void> {
    const file = await this.#file.catch(() => undefined);
    if (file === undefined) return;
    await file.close().catch(() => undefined);
    await rm(this.path, { force: true }).catch(() => undefined);
  }

  /** The first append waits for the file to open, so a failure to create it is reported there. */
  async #openedThen(pending: Promise<void> | undefined): Promise<void> {
    // Together, so a write that failed because the file did not open is not left unhandled.
    await Promise.all([this.#file, pending]);
    this.#opened = true;
  }
}
