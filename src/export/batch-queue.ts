import { randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonText, parseJsonText } from '../api/exact-json.js';
import type { Lead } from '../api/types.js';
import { writeFully } from '../output/file-writable.js';

interface Spooled {
  position: number;
  length: number;
}

/**
 * One chatbot's leads on their way into a combined output, in the order
 * they were selected. While the output is busy with an earlier chatbot they
 * are parked in a private temp file (memory does not grow with a waiting
 * listing); once it is this chatbot's turn the backlog is read back, and
 * after that each batch is handed over in memory, one at a time, so the
 * listing waits for the writer as a single export does.
 */
export class BatchQueue {
  readonly #dir: string;
  readonly #spooled: Spooled[] = [];
  #file: Promise<FileHandle> | undefined;
  #path = '';
  #written = 0;
  #read = 0;
  #reading = false;
  #handoff: Lead[] | undefined;
  #ended = false;
  #failure: { error: unknown } | undefined;
  #abandoned: { error: unknown } | undefined;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Adds a batch; resolves once it is spooled or, when the reader is live, once the previous one was taken. */
  async put(leads: readonly Lead[]): Promise<void> {
    this.#throwIfAbandoned();
    if (this.#reading && this.#read === this.#spooled.length) {
      while (this.#handoff !== undefined) {
        await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
        this.#throwIfAbandoned();
      }
      this.#handoff = [...leads];
    } else {
      await this.#spool(leads);
    }
    this.#wakeReader?.();
  }

  /** No more batches. */
  end(): void {
    this.#ended = true;
    this.#wakeReader?.();
  }

  /** The listing failed: the reader gets `error` after the batches that came before it. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#wakeReader?.();
  }

  /** Nobody will read on (the run is stopping): every put from now on, waiting or not, rejects with `error`. */
  abandon(error: unknown): void {
    this.#abandoned = { error };
    this.#wakeWriter?.();
  }

  /** Every batch in order: the spooled backlog first, then live ones. Read once. */
  async *batches(): AsyncGenerator<Lead[]> {
    this.#reading = true;
    for (;;) {
      if (this.#read < this.#spooled.length) {
        yield await this.#readBack(this.#spooled[this.#read++]!);
      } else if (this.#handoff !== undefined) {
        const leads = this.#handoff;
        this.#handoff = undefined;
        this.#wakeWriter?.();
        yield leads;
      } else if (this.#failure !== undefined) {
        throw this.#failure.error;
      } else if (this.#ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.#wakeReader = resolve));
      }
    }
  }

  /** Closes and deletes the spool file, if there is one. Never throws. */
  async remove(): Promise<void> {
    const file = await this.#file?.catch(() => undefined);
    if (file === undefined) return;
    await file.close().catch(() => undefined);
    await rm(this.#path, { force: true }).catch(() => undefined);
  }

  #throwIfAbandoned(): void {
    if (this.#abandoned) throw this.#abandoned.error;
  }

  async #spool(leads: readonly Lead[]): Promise<void> {
    if (this.#file === undefined) {
      this.#path = join(this.#dir, `robofy-${process.pid}-${randomBytes(8).toString('hex')}.leads.spool`);
      this.#file = open(this.#path, 'wx+', 0o600);
    }
    // Each lead's own text, so numbers keep the exact text the API sent.
    const bytes = Buffer.from(`[${leads.map((lead) => jsonText(lead)).join(',')}]`, 'utf8');
    const position = this.#written;
    this.#written += bytes.length;
    // Appended at the file's own offset; reads give their position (pread), so they never move it.
    await writeFully(await this.#file, bytes);
    this.#spooled.push({ position, length: bytes.length });
  }

  async #readBack({ position, length }: Spooled): Promise<Lead[]> {
    const file = await this.#file!;
    const bytes = Buffer.allocUnsafe(length);
    for (let done = 0; done < length; ) {
      const { bytesRead } = await file.read(bytes, done, length - done, position + done);
      if (bytesRead === 0) throw new Error('lead spool is shorter than what was written to it');
      done += bytesRead;
    }
    const text = bytes.toString('utf8');
    return parseJsonText(text) as Lead[];
  }
}
