import type { Writable } from 'node:stream';
import { ByteWriter } from './byte-writer.js';
import { RecordPadder } from './record-padder.js';
import { SPOOL_BUFFER_SIZE, SpoolFile } from './spool-file.js';
import { flushed, writeChunk } from './write-chunk.js';

/** A run of consecutive records that all have `width` cells. */
interface Segment {
  bytes: number;
  width: number;
}

/**
 * CSV records parked in a private temp file until the full column set is
 * known. Records are stored as written; what is recorded beside them is only
 * where the record width changes, so the bookkeeping stays a handful of
 * segments however many rows go through.
 */
export class CsvSpool {
  readonly #file: SpoolFile;
  readonly #segments: Segment[] = [];
  readonly #delimiter: string;

  constructor(dir: string, delimiter: string) {
    this.#file = new SpoolFile(dir, 'csv');
    this.#delimiter = delimiter;
  }

  /** Appends CSV `records` (text, or its UTF-8 bytes) that all have `width` cells. */
  append(records: string | Uint8Array, width: number): Promise<void> | undefined {
    const before = this.#file.size;
    const pending = this.#file.append(records);
    const bytes = this.#file.size - before;
    const last = this.#segments.at(-1);
    if (last !== undefined && last.width === width) last.bytes += bytes;
    else this.#segments.push({ bytes, width });
    return pending;
  }

  /** Streams every record to `out`, padding narrower ones with empty cells up to `width`. */
  async copyTo(out: Writable, width: number, readChunk = SPOOL_BUFFER_SIZE): Promise<void> {
    await this.#file.flush();
    const input = Buffer.allocUnsafe(readChunk);
    // `out` may hold on to what it is given, so the buffer is reused only once `out` has flushed it.
    const output = new ByteWriter(SPOOL_BUFFER_SIZE, async (bytes) => {
      await writeChunk(out, bytes);
      await flushed(out);
    });
    const copier = new SegmentCopier(this.#segments, width, this.#delimiter);
    for (let position = 0; ; ) {
      const bytesRead = await this.#file.readAt(input, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      await copier.copy(input.subarray(0, bytesRead), output);
    }
    await output.flush();
  }

  /** Closes and deletes the file. Never throws. */
  remove(): Promise<void> {
    return this.#file.remove();
  }
}

/** Walks the spooled bytes segment by segment across read chunks. */
class SegmentCopier {
  readonly #segments: readonly Segment[];
  readonly #width: number;
  readonly #delimiter: string;
  #index = -1;
  #left = 0;
  #padder: RecordPadder | undefined;

  constructor(segments: readonly Segment[], width: number, delimiter: string) {
    this.#segments = segments;
    this.#width = width;
    this.#delimiter = delimiter;
  }

  async copy(chunk: Buffer, output: ByteWriter): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#left === 0) this.#nextSegment();
      const end = Math.min(chunk.length, offset + this.#left);
      const part = chunk.subarray(offset, end);
      // Segments already at full width go through untouched, without a scan.
      if (this.#padder === undefined) await output.write(part);
      else await writePieces(this.#padder.pad(part), output);
      this.#left -= end - offset;
      offset = end;
    }
  }

  #nextSegment(): void {
    const segment = this.#segments[++this.#index];
    if (segment === undefined) throw new Error('CSV spool holds more bytes than were written to it');
    this.#left = segment.bytes;
    const missing = this.#width - segment.width;
    this.#padder = missing === 0 ? undefined : new RecordPadder(Buffer.from(this.#delimiter.repeat(missing)));
  }
}

async function writePieces(pieces: readonly Buffer[], output: ByteWriter): Promise<void> {
  for (const piece of pieces) {
    const pending = output.write(piece);
    if (pending !== undefined) await pending;
  }
}
