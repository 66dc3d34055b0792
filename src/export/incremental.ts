import type { FetchedPage, LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import { DeliveryWindow } from '../leads/delivery-window.js';
import { ListingOrderTracker } from '../leads/listing-order.js';
import { parseLeadTime } from '../leads/time.js';
import { acquireStateLock, type StateLock } from '../state/state-lock.js';
import {
  loadState,
  readStateFile,
  sameSource,
  sourceOf,
  writeStateFile,
  type CsvFileShape,
  type ExportState,
  type StateContents,
} from '../state/state-file.js';

/** A combined CSV output's header and how the file was written (for the list form of a state file). */
export interface CombinedCsv {
  columns: readonly string[] | null;
  csv: CsvFileShape | undefined;
}

// A CSV state from before delimiters were remembered wrote plain comma CSV without a BOM.
function earlierCsv(csv: CsvFileShape | undefined, columns: readonly string[] | null | undefined): CsvFileShape | undefined {
  return csv ?? (columns ? { delimiter: ',', bom: false } : undefined);
}

/**
 * `--state`: one chatbot's view of what earlier runs delivered. The window
 * read at the start decides what is new; what this run writes goes into a
 * second window that becomes the state only after the output is complete,
 * so a failed or killed run re-delivers (at least once, never lost).
 */
export class IncrementalExport {
  readonly query: LeadsQuery;
  readonly #book: StateBook;
  readonly #before: DeliveryWindow;
  readonly #after: DeliveryWindow;
  readonly #order = new ListingOrderTracker();
  /** CSV columns of earlier runs (empty on the first run). */
  readonly columns: readonly string[];
  /** How earlier runs' CSV was written; undefined on the first run. */
  readonly csv: CsvFileShape | undefined;

  constructor(book: StateBook, query: LeadsQuery, state: ExportState | undefined, overlapMs: number | undefined) {
    this.#book = book;
    this.query = query;
    this.#before = new DeliveryWindow(state?.delivery, overlapMs);
    this.#after = new DeliveryWindow(this.#before.snapshot());
    this.columns = state?.columns ?? [];
    this.csv = earlierCsv(state?.csv, state?.columns);
  }

  /** A one-chatbot export's state: the file must be this chatbot's, or list it. */
  static async open(path: string, query: LeadsQuery, now: number, overlapMs?: number): Promise<IncrementalExport> {
    const book = await StateBook.open(path, now, (p) => loadState(p, query).then((state) => (state ? [state] : [])));
    return book.view(query, overlapMs);
  }

  isNew(lead: Lead): boolean {
    return !this.#before.isDelivered(lead);
  }

  /** Records a written page of leads, to be saved by `commit`. */
  record(leads: readonly Lead[], now: number): void {
    for (const lead of leads) this.#after.markDelivered(lead, now);
  }

  /**
   * True once a newest-first listing has gone past the start window's
   * horizon: every lead further down was delivered by an earlier run, so a
   * run every few minutes reads a page or two, not the whole history.
   */
  reachedDelivered(page: FetchedPage): boolean {
    for (const lead of page.rows) this.#order.observe(parseLeadTime(lead.created_at));
    const last = page.rows.at(-1);
    if (last === undefined || this.#order.order !== 'newest-first') return false;
    const time = parseLeadTime(last.created_at);
    return time !== undefined && time < this.#before.horizon;
  }

  /** The state this run leaves, once its output is complete. */
  entry(columns: readonly string[] | null, csv: CsvFileShape | undefined, now: number): ExportState {
    return {
      version: 1,
      source: sourceOf(this.query),
      columns: columns === null ? null : [...columns],
      ...(csv === undefined ? {} : { csv }),
      delivery: this.#after.snapshot(),
      updatedAt: new Date(now).toISOString(),
    };
  }

  /** One chatbot's export is complete: its state is saved (and the file's other chatbots kept); `csv` is how its CSV was written (undefined for other formats). */
  commit(columns: readonly string[] | null, csv: CsvFileShape | undefined, now: number): Promise<void> {
    return this.#book.commit([this.entry(columns, csv, now)], undefined, now);
  }

  release(): Promise<void> {
    return this.#book.release();
  }
}

/**
 * One state file and its lock, holding every chatbot's state: a
 * many-chatbot export reads and saves them all under one lock. A chatbot
 * the file does not know yet starts from nothing; one the run does not
 * name keeps its entry untouched.
 */
export class StateBook {
  readonly #path: string;
  readonly #lock: StateLock;
  #contents: StateContents;

  private constructor(path: string, lock: StateLock, contents: StateContents) {
    this.#path = path;
    this.#lock = lock;
    this.#contents = contents;
  }

  static async open(path: string, now: number, check?: (path: string) => Promise<unknown>): Promise<StateBook> {
    const lock = await acquireStateLock(path, now, 'export');
    try {
      await check?.(path);
      const contents = (await readStateFile(path)) ?? { entries: [], columns: null, list: false };
      return new StateBook(path, lock, contents);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** CSV columns earlier runs wrote to a combined output (empty on the first run). */
  get combinedColumns(): readonly string[] {
    return this.#contents.columns ?? [];
  }

  /** How earlier runs wrote a combined CSV output; undefined on the first run. */
  get combinedCsv(): CsvFileShape | undefined {
    return earlierCsv(this.#contents.csv, this.#contents.columns);
  }

  view(query: LeadsQuery, overlapMs: number | undefined): IncrementalExport {
    const state = this.#contents.entries.find((entry) => sameSource(entry.source, query));
    return new IncrementalExport(this, query, state, overlapMs);
  }

  /**
   * Saves `entries` in place of the ones of the same chatbots (new ones at
   * the end), atomically; the rest stay. `combined`: the header and shape of a combined output.
   * Written in the list form once the file holds or held several chatbots.
   */
  async commit(entries: readonly ExportState[], combined: CombinedCsv | undefined, now: number): Promise<void> {
    const replaced = this.#contents.entries.map((old) => entries.find((entry) => sameChatbot(entry, old)) ?? old);
    const all = [...replaced, ...entries.filter((entry) => !replaced.includes(entry))];
    const contents: StateContents = {
      entries: all,
      columns: combined === undefined ? this.#contents.columns : combined.columns && [...combined.columns],
      ...csvOf(combined === undefined ? this.#contents.csv : combined.csv),
      list: this.#contents.list || all.length > 1 || combined !== undefined,
    };
    await writeStateFile(this.#path, contents, now);
    this.#contents = contents;
  }

  release(): Promise<void> {
    return this.#lock.release();
  }
}

function sameChatbot(a: ExportState, b: ExportState): boolean {
  return a.source.projectId === b.source.projectId && a.source.chatbotId === b.source.chatbotId && a.source.sessionId === b.source.sessionId;
}

function csvOf(csv: CsvFileShape | undefined): { csv?: CsvFileShape } {
  return csv === undefined ? {} : { csv };
}
