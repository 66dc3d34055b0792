import { jsonText, parseJsonText } from '../api/exact-json.js';
import type { Lead } from '../api/types.js';
import { captureTime, inCaptureOrder } from '../leads/capture-order.js';
import { SpoolFile } from '../output/spool-file.js';

/** Leads held in memory at most; each full run of them is sorted and moved to a temp file. */
const DEFAULT_RUN_LEADS = 10_000;
const READ_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * An export's new leads, handed back oldest first (inCaptureOrder's order:
 * by capture time, ties and undated leads in listing order) in bounded
 * memory, however long the history: a listing that comes newest first can
 * only be delivered oldest first once it has been read to the end. Up to
 * `runLeads` leads wait in memory; each full run is sorted and written to a
 * private temp file as JSON lines (numbers keep their exact text), and the
 * runs are merged when read back.
 */
export class CaptureOrderSpool {
  readonly #dir: string;
  readonly #runLeads: number;
  readonly #runs: SpoolFile[] = [];
  #pending: Lead[] = [];
  #count = 0;

  constructor(dir: string, runLeads = DEFAULT_RUN_LEADS) {
    this.#dir = dir;
    this.#runLeads = runLeads;
  }

  get count(): number {
    return this.#count;
  }

  async add(leads: readonly Lead[]): Promise<void> {
    for (const lead of leads) this.#pending.push(lead);
    this.#count += leads.length;
    if (this.#pending.length >= this.#runLeads) await this.#spill();
  }

  /** Every lead added, oldest first, a batch at a time. Read once. */
  async *inOrder(batchLeads = 100): AsyncGenerator<Lead[]> {
    if (this.#runs.length === 0) {
      const sorted = inCaptureOrder(this.#pending);
      this.#pending = [];
      for (let i = 0; i < sorted.length; i += batchLeads) yield sorted.slice(i, i + batchLeads);
      return;
    }
    if (this.#pending.length > 0) await this.#spill();
    yield* mergeRuns(this.#runs.map((run) => new RunReader(run)), batchLeads);
  }

  /** Deletes the temp files. Never throws. */
  async remove(): Promise<void> {
    this.#pending = [];
    await Promise.all(this.#runs.map((run) => run.remove()));
    this.#runs.length = 0;
  }

  async #spill(): Promise<void> {
    const sorted = inCaptureOrder(this.#pending);
    this.#pending = [];
    const run = new SpoolFile(this.#dir, 'delivery');
    this.#runs.push(run);
    for (const lead of sorted) await run.append(`${jsonText(lead)}\n`);
    await run.flush();
  }
}

/** Merges sorted runs: by capture time, then by run, which is listing order (runs hold consecutive leads). */
async function* mergeRuns(readers: RunReader[], batchLeads: number): AsyncGenerator<Lead[]> {
  const heads = new MinHeap();
  for (let run = 0; run < readers.length; run++) {
    const lead = await readers[run]!.next();
    if (lead !== undefined) heads.push({ lead, time: captureTime(lead), run });
  }
  let batch: Lead[] = [];
  for (let head = heads.pop(); head !== undefined; head = heads.pop()) {
    batch.push(head.lead);
    const next = await readers[head.run]!.next();
    if (next !== undefined) heads.push({ lead: next, time: captureTime(next), run: head.run });
    if (batch.length >= batchLeads) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

interface Head {
  lead: Lead;
  time: number;
  run: number;
}

function before(a: Head, b: Head): boolean {
  return a.time < b.time || (a.time === b.time && a.run < b.run);
}

/** The runs' next leads, earliest on top. */
class MinHeap {
  readonly #items: Head[] = [];

  push(item: Head): void {
    const items = this.#items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): Head | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && before(items[left]!, items[least]!)) least = left;
      if (right < items.length && before(items[right]!, items[least]!)) least = right;
      if (least === i) break;
      [items[i], items[least]] = [items[least]!, items[i]!];
      i = least;
    }
    return top;
  }
}

/** One run's leads, read back a chunk at a time. */
class RunReader {
  readonly #run: SpoolFile;
  readonly #chunk = Buffer.allocUnsafe(READ_BYTES);
  #position = 0;
  #rest: Buffer = Buffer.alloc(0);
  #leads: Lead[] = [];
  #next = 0;
  #ended = false;

  constructor(run: SpoolFile) {
    this.#run = run;
  }

  async next(): Promise<Lead | undefined> {
    while (this.#next >= this.#leads.length) {
      if (this.#ended) return undefined;
      await this.#readChunk();
    }
    return this.#leads[this.#next++];
  }

  async #readChunk(): Promise<void> {
    const bytesRead = await this.#run.readAt(this.#chunk, this.#position);
    this.#position += bytesRead;
    if (bytesRead === 0) {
      if (this.#rest.length > 0) throw new Error('delivery spool ends inside a line');
      this.#ended = true;
      return;
    }
    const bytes = Buffer.concat([this.#rest, this.#chunk.subarray(0, bytesRead)]);
    const end = bytes.lastIndexOf(NEWLINE);
    // A line longer than a chunk: gather more before parsing.
    this.#rest = end === -1 ? bytes : bytes.subarray(end + 1);
    this.#leads = end === -1 ? [] : parseLines(bytes.toString('utf8', 0, end));
    this.#next = 0;
  }
}

function parseLines(text: string): Lead[] {
  return text.split('\n').map((line) => parseJsonText(line) as Lead);
}
