import type { Writable } from 'node:stream';
import { scannedLeads, type ScannedLead } from '../api/scanned-page.js';
import type { Lead } from '../api/types.js';
import { holdErrors } from './hold-errors.js';
import { createJsonEncoder, type LeadEncoder } from './json-encoder.js';
import { ByteBuilder } from './byte-builder.js';
import { scannedJsonObject } from './scanned-records.js';
import type { LeadSink, SinkOptions } from './sink.js';
import { flushed, writeChunk } from './write-chunk.js';

/** The text around the objects: what differs between JSONL and a JSON array. */
export interface JsonFraming {
  first: string;
  between: string;
  after: string;
  last: string;
  empty: string;
}

/** One object per line, each line ended by `\n`. */
export const JSONL: JsonFraming = { first: '', between: '', after: '\n', last: '', empty: '' };
/** A JSON array streamed one object per line: `[\n{…},\n{…}\n]\n`; no leads is `[]\n`. */
export const JSON_ARRAY: JsonFraming = { first: '[\n', between: ',\n', after: '', last: '\n]\n', empty: '[]\n' };

/** Leads as JSON objects, one per line, framed as JSONL or as one array; one write per page. */
export class JsonSink implements LeadSink {
  readonly columns = null;
  // Scanned leads are written flattened, with every column.
  readonly takesScanned: boolean;
  readonly #out: Writable;
  readonly #framing: JsonFraming;
  readonly #encode: LeadEncoder;
  readonly #release: () => void;
  #count = 0;

  constructor(options: SinkOptions, framing: JsonFraming) {
    this.#out = options.out;
    this.#framing = framing;
    this.#encode = createJsonEncoder(options);
    this.takesScanned = options.raw !== true && options.columns === undefined;
    this.#release = holdErrors(options.out);
  }

  get count(): number {
    return this.#count;
  }

  writeLeads(leads: readonly Lead[]): Promise<void> | undefined {
    if (leads.length === 0) return undefined;
    const scanned = scannedLeads(leads);
    if (scanned) return this.#writeScanned(scanned);
    const { first, between, after } = this.#framing;
    let text = '';
    for (let i = 0; i < leads.length; i++) {
      text += (this.#count === 0 && i === 0 ? first : between) + this.#encode(leads[i]!) + after;
    }
    this.#count += leads.length;
    return writeChunk(this.#out, text);
  }

  #writeScanned(leads: readonly ScannedLead[]): Promise<void> | undefined {
    const { first, between, after } = this.#framing;
    const out = new ByteBuilder(leads[0]!.rows.body.length);
    for (let i = 0; i < leads.length; i++) {
      out.text(this.#count === 0 && i === 0 ? first : between);
      scannedJsonObject(leads[i]!, out);
      out.text(after);
    }
    this.#count += leads.length;
    return writeChunk(this.#out, out.bytes());
  }

  async finish(): Promise<void> {
    try {
      const end = this.#count === 0 ? this.#framing.empty : this.#framing.last;
      if (end !== '') await writeChunk(this.#out, end);
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
