/**
 * An append-only byte writer for response bodies. Leads pages are written
 * straight into bytes because building a ~100 KB page as a JavaScript string
 * (many small concatenations, a join, then UTF-8 encoding) cost the server
 * more than the client's whole parse; see createRowWriter in leads.ts.
 *
 * Page buffers are recycled: a fresh 100 KB buffer costs page faults
 * (measured 0.1-0.4 ms each here, as much as rendering the page), a reused one
 * nothing. A buffer comes back only through release(), which the server calls
 * once the socket has taken the bytes; anything never released is simply
 * left to the garbage collector.
 */
const EMPTY: Buffer = Buffer.alloc(0);

export class ByteWriter {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private capacity: number;
  private readonly free: Buffer[] = [];
  /** Buffers handed out by finish() and not yet released: release() accepts nothing else. */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  constructor(initialSize = 1 << 16) {
    this.capacity = initialSize;
  }

  /** Start a new body in a buffer nobody else holds. */
  begin(): void {
    let next = this.free.pop();
    while (next !== undefined && next.length < this.capacity) next = this.free.pop();
    this.buf = next ?? Buffer.allocUnsafeSlow(this.capacity);
    this.pos = 0;
  }

  /** The body written since begin(): a view of the writer's buffer, valid until release(). */
  finish(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.lent.add(this.buf.buffer);
    // Until released, the buffer belongs to the caller: the next begin() must not write into it.
    this.buf = EMPTY;
    this.pos = 0;
    return out;
  }

  /** Hand back a body from finish() whose bytes are no longer needed; anything else is ignored. */
  release(body: Buffer): void {
    if (!this.lent.delete(body.buffer)) return;
    // allocUnsafeSlow buffers own their whole ArrayBuffer, so this is the buffer begin() took.
    const whole = Buffer.from(body.buffer, 0, body.buffer.byteLength);
    if (whole.length >= this.capacity && this.free.length < MAX_FREE) this.free.push(whole);
  }

  /** Pre-encoded bytes (static JSON pieces). */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    // Most pieces are a few dozen bytes, where a plain loop beats the native call's overhead.
    if (b.length > 64) this.buf.set(b, this.pos);
    else for (let k = 0; k < b.length; k++) this.buf[this.pos + k] = b[k] ?? 0;
    this.pos += b.length;
  }

  /** Any string, UTF-8 encoded. */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A non-negative integer in decimal, without going through a string. */
  uint(n: number): void {
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    this.uintPadded(n, digits);
  }

  /** A non-negative integer left-padded with zeros to `width` digits. */
  uintPadded(n: number, width: number): void {
    this.ensure(width);
    let v = n;
    for (let k = this.pos + width - 1; k >= this.pos; k--) {
      this.buf[k] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.pos += width;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    this.capacity = Math.max(this.capacity * 2, this.pos + extra);
    const next = Buffer.allocUnsafeSlow(this.capacity);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/** Recycled buffers kept at most: enough for the pages in flight on a few connections. */
const MAX_FREE = 8;

/** Pre-encode a static piece once. */
export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}
