import type { FetchedPage, LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import { DeliveryWindow } from '../leads/delivery-window.js';
import { ListingOrderTracker } from '../leads/listing-order.js';
import { parseLeadTime } from '../leads/time.js';
import { acquireStateLock, type StateLock } from '../state/state-lock.js';
import { loadState, saveState, sourceOf, type CsvFileShape } from '../state/state-file.js';

interface EarlierRuns {
  columns: readonly string[];
  csv: CsvFileShape | undefined;
}

/**
 * `--state`: one run's view of what earlier runs delivered. The window read
 * at the start decides what is new; what this run writes goes into a second
 * window that becomes the state only after the output is complete, so a
 * failed or killed run re-delivers (at least once, never lost).
 */
export class IncrementalExport {
  readonly #path: string;
  readonly #query: LeadsQuery;
  readonly #lock: StateLock;
  readonly #before: DeliveryWindow;
  readonly #after: DeliveryWindow;
  readonly #order = new ListingOrderTracker();
  /** CSV columns of earlier runs (empty on the first run). */
  readonly columns: readonly string[];
  /** How earlier runs' CSV was written; undefined on the first run. */
  readonly csv: CsvFileShape | undefined;

  private constructor(path: string, query: LeadsQuery, lock: StateLock, window: DeliveryWindow, earlier: EarlierRuns) {
    this.#path = path;
    this.#query = query;
    this.#lock = lock;
    this.#before = window;
    this.#after = new DeliveryWindow(window.snapshot());
    this.columns = earlier.columns;
    this.csv = earlier.csv;
  }

  static async open(path: string, query: LeadsQuery, now: number, overlapMs?: number): Promise<IncrementalExport> {
    const lock = await acquireStateLock(path, now);
    try {
      const state = await loadState(path, query);
      const window = new DeliveryWindow(state?.delivery, overlapMs);
      // A CSV state from before delimiters were remembered wrote plain comma CSV without a BOM.
      const csv = state?.csv ?? (state?.columns ? { delimiter: ',', bom: false } : undefined);
      return new IncrementalExport(path, query, lock, window, { columns: state?.columns ?? [], csv });
    } catch (error) {
      await lock.release();
      throw error;
    }
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

  /** Saves what this run delivered; `csv` is how its CSV was written (undefined for other formats). */
  async commit(columns: readonly string[] | null, csv: CsvFileShape | undefined, now: number): Promise<void> {
    await saveState(this.#path, {
      version: 1,
      source: sourceOf(this.#query),
      columns: columns === null ? null : [...columns],
      ...(csv === undefined ? {} : { csv }),
      delivery: this.#after.snapshot(),
      updatedAt: new Date(now).toISOString(),
    });
  }

  release(): Promise<void> {
    return this.#lock.release();
  }
}
