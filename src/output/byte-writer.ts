/** Where a full buffer goes; the buffer is reused as soon as the returned promise settles. */
export type ByteSink = (bytes: Buffer) => Promise<void>;

/** UTF-8 takes at most this many bytes for one character (a surrogate pair). */
const MAX_CHAR_BYTES = 4;

/**
 * Gathers small writes into one reusable buffer and hands it to `sink`
 * when full. Reusing the buffer, rather than allocating one per write,
 * keeps memory flat: freed Buffers live outside the V8 heap and would pile
 * up until a major GC. Callers await the promise a write returns before
 * writing again.
 */
export class ByteWriter {
  readonly #buffer: Buffer;
  readonly #sink: ByteSink;
  #used = 0;
  #total = 0;

  constructor(size: number, sink: ByteSink) {
    this.#buffer = Buffer.allocUnsafe(size);
    this.#sink = sink;
  }

  /** Bytes taken in so far, flushed or not; up to date as soon as a write returns. */
  get total(): number {
    return this.#total;
  }

  /** Copies `bytes` in; returns a promise only when the buffer had to be handed over. */
  write(bytes: Uint8Array): Promise<void> | undefined {
    this.#total += bytes.length;
    if (this.#used + bytes.length > this.#buffer.length) return this.#writeAcross(bytes);
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
    return undefined;
  }

  /**
   * Encodes `text` as UTF-8 straight into the buffer. The text is measured
   * only when it may not have fitted: Buffer#write stops before a character
   * that does not fit, so with room for one more character left, it all went in.
   */
  writeText(text: string): Promise<void> | undefined {
    const written = this.#buffer.write(text, this.#used, 'utf8');
    if (this.#buffer.length - this.#used - written < MAX_CHAR_BYTES) {
      const byteLength = Buffer.byteLength(text, 'utf8');
      if (written < byteLength) {
        this.#total += byteLength;
        return this.#writeTextAfterFlush(text, byteLength);
      }
    }
    this.#used += written;
    this.#total += written;
    return undefined;
  }

  async flush(): Promise<void> {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    await this.#sink(this.#buffer.subarray(0, used));
  }

  async #writeAcross(bytes: Uint8Array): Promise<void> {
    // A buffer's worth or more with nothing gathered: hand it over as it is, not copied.
    if (this.#used === 0 && bytes.length >= this.#buffer.length) {
      await this.#sink(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      return;
    }
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(bytes.length - offset, this.#buffer.length - this.#used);
      this.#buffer.set(bytes.subarray(offset, offset + take), this.#used);
      this.#used += take;
      offset += take;
      if (this.#used === this.#buffer.length) await this.flush();
    }
  }

  async #writeTextAfterFlush(text: string, byteLength: number): Promise<void> {
    await this.flush();
    if (byteLength > this.#buffer.length) await this.#sink(Buffer.from(text, 'utf8'));
    else this.#used = this.#buffer.write(text, 0, 'utf8');
  }
}
