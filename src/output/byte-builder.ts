const SHORT_COPY = 64;

/** A Buffer filled from the front, grown by doubling. */
export class ByteBuilder {
  #buffer: Buffer;
  #used = 0;

  constructor(size: number) {
    this.#buffer = Buffer.allocUnsafe(Math.max(size, 256));
  }

  /** Starts over, keeping the buffer. */
  clear(): void {
    this.#used = 0;
  }

  /** What was written, as a view of the builder's own buffer. */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#used);
  }

  byte(value: number): void {
    this.#room(1);
    this.#buffer[this.#used++] = value;
  }

  copy(from: Buffer, start: number, end: number): void {
    this.#room(end - start);
    // Most values are a few dozen bytes: a loop here costs less than a call into Buffer#copy.
    if (end - start > SHORT_COPY) {
      this.#used += from.copy(this.#buffer, this.#used, start, end);
      return;
    }
    const buffer = this.#buffer;
    let used = this.#used;
    for (let i = start; i < end; i++) buffer[used++] = from[i]!;
    this.#used = used;
  }

  /**
   * Room for `bytes` more, for a caller that writes them itself: the buffer
   * and where to write. `wrote` then says where the writing ended.
   */
  reserve(bytes: number): { buffer: Buffer; at: number } {
    this.#room(bytes);
    return { buffer: this.#buffer, at: this.#used };
  }

  wrote(end: number): void {
    this.#used = end;
  }

  text(text: string): void {
    this.#room(Buffer.byteLength(text, 'utf8'));
    this.#used += this.#buffer.write(text, this.#used, 'utf8');
  }

  #room(bytes: number): void {
    if (this.#used + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#used + bytes));
    this.#buffer.copy(grown, 0, 0, this.#used);
    this.#buffer = grown;
  }
}
