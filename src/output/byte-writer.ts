/** Where a full buffer goes; the buffer is reused as soon as the returned promise settles. */
export type ByteSink = (bytes: Buffer) => Promise<void>;

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

  constructor(size: number, sink: ByteSink) {
    this.#buffer = Buffer.allocUnsafe(size);
    this.#sink = sink;
  }

  /** Copies `bytes` in; returns a promise only when the buffer had to be handed over. */
  write(bytes: Uint8Array): Promise<void> | undefined {
    if (this.#used + bytes.length > this.#buffer.length) return this.#writeAcross(bytes);
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
    return undefined;
  }

  /** Encodes `text` (whose UTF-8 length is `byteLength`) straight into the buffer. */
  writeString(text: string, byteLength: number): Promise<void> | undefined {
    if (this.#used + byteLength > this.#buffer.length) return this.#writeStringAfterFlush(text, byteLength);
    this.#used += this.#buffer.write(text, this.#used, 'utf8');
    return undefined;
  }

  async flush(): Promise<void> {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    await this.#sink(this.#buffer.subarray(0, used));
  }

  async #writeAcross(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(bytes.length - offset, this.#buffer.length - this.#used);
      this.#buffer.set(bytes.subarray(offset, offset + take), this.#used);
      this.#used += take;
      offset += take;
      if (this.#used === this.#buffer.length) await this.flush();
    }
  }

  async #writeStringAfterFlush(text: string, byteLength: number): Promise<void> {
    await this.flush();
    if (byteLength > this.#buffer.length) await this.#sink(Buffer.from(text, 'utf8'));
    else this.#used = this.#buffer.write(text, 0, 'utf8');
  }
}
