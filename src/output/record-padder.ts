const QUOTE = 0x22;
const CR = 0x0d;

/**
 * Appends `pad` (e.g. `,,`) to every CSV record of a stream of bytes, just
 * before the record's CRLF. Records are found with a quote-aware scan: a CR
 * outside quotes starts a record delimiter, and an escaped `""` inside a
 * quoted field toggles out and back in, so it needs no special case. The
 * quote state carries over from one chunk to the next.
 */
export class RecordPadder {
  readonly #pad: Buffer;
  #inQuotes = false;

  constructor(pad: Buffer) {
    this.#pad = pad;
  }

  /** The bytes of `chunk` with the padding inserted, as pieces to concatenate in order. */
  pad(chunk: Buffer): Buffer[] {
    const pieces: Buffer[] = [];
    const end = chunk.length;
    let emitted = 0;
    let pos = 0;
    // Cached positions of the next quote and CR at or after `pos`
    // (`end` when there is none), so neither is searched for twice.
    let nextQuote = -1;
    let nextCr = -1;
    for (;;) {
      if (nextQuote < pos) nextQuote = find(chunk, QUOTE, pos);
      if (this.#inQuotes) {
        if (nextQuote === end) break;
        this.#inQuotes = false;
        pos = nextQuote + 1;
        continue;
      }
      if (nextCr < pos) nextCr = find(chunk, CR, pos);
      if (nextCr < nextQuote) {
        pieces.push(chunk.subarray(emitted, nextCr), this.#pad);
        emitted = nextCr;
        pos = nextCr + 1;
      } else if (nextQuote < end) {
        this.#inQuotes = true;
        pos = nextQuote + 1;
      } else {
        break;
      }
    }
    pieces.push(chunk.subarray(emitted));
    return pieces;
  }
}

function find(chunk: Buffer, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at === -1 ? chunk.length : at;
}
