import type { Writable } from 'node:stream';
import type { Lead } from '../api/types.js';
import { holdErrors } from './hold-errors.js';
import { createJsonEncoder, type LeadEncoder } from './json-encoder.js';
import type { LeadSink, SinkOptions } from './sink.js';
import { flushed, writeChunk } from './write-chunk.js';

/** A JSON array streamed one object per line: `[\n{…},\n{…}\n]\n`; no leads is `[]\n`. */
export class JsonSink implements LeadSink {
  readonly #out: Writable;
  readonly #encode: LeadEncoder;
  readonly #release: () => void;
  #count = 0;

  constructor(options: SinkOptions) {
    this.#out = options.out;
    this.#encode = createJsonEncoder(options);
    this.#release = holdErrors(options.out);
  }

  get count(): number {
    return this.#count;
  }

  readonly columns = null;

  writeLeads(leads: readonly Lead[]): Promise<void> | undefined {
    if (leads.length === 0) return undefined;
    let text = this.#count === 0 ? '[\n' : ',\n';
    for (let i = 0; i < leads.length; i++) text += (i === 0 ? '' : ',\n') + this.#encode(leads[i]!);
    this.#count += leads.length;
    return writeChunk(this.#out, text);
  }

  async finish(): Promise<void> {
    try {
      await writeChunk(this.#out, this.#count === 0 ? '[]\n' : '\n]\n');
      await flushed(this.#out);
    } finally {
      this.#release();
    }
  }

  abort(): Promise<void> {
    this.#release();
    return Promise.resolve();
  }
}
