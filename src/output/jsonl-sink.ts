import type { Writable } from 'node:stream';
import type { Lead } from '../api/types.js';
import { holdErrors } from './hold-errors.js';
import { createJsonEncoder, type LeadEncoder } from './json-encoder.js';
import type { LeadSink, SinkOptions } from './sink.js';
import { flushed, writeChunk } from './write-chunk.js';

/** One JSON object per line, each line ended by `\n`. */
export class JsonlSink implements LeadSink {
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
    let text = '';
    for (const lead of leads) text += this.#encode(lead) + '\n';
    this.#count += leads.length;
    return writeChunk(this.#out, text);
  }

  async finish(): Promise<void> {
    try {
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
