import type { LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import { DeliveryWindow, type DeliverySnapshot } from '../leads/delivery-window.js';
import { acquireStateLock, type StateLock } from '../state/state-lock.js';
import { loadState, saveState, sourceOf, type CsvFileShape, type ExportState } from '../state/state-file.js';

/** The CSV a tail prints: how it was started, and its header's columns once written. */
export interface TailCsv {
  shape: CsvFileShape;
  columns(): readonly string[] | null;
}

/**
 * `leads tail --state`: the state file of `export --state` (watermark plus the
 * ids inside the overlap window, saved atomically, one run at a time), kept
 * up to date while the tail runs. It moves only over leads that were printed,
 * delivered or dead-lettered (`confirm`), never over leads merely fetched, so
 * a tail killed at any point and restarted skips nothing.
 */
export class TailState {
  readonly #path: string;
  readonly #query: LeadsQuery;
  readonly #lock: StateLock;
  readonly #window: DeliveryWindow;
  /** What the earlier run left, or undefined on a first run. */
  readonly resume: DeliverySnapshot | undefined;
  /** The CSV an earlier run started printing (its shape and header), if it did. */
  readonly earlierCsv: { shape: CsvFileShape; columns: readonly string[] } | undefined;
  #csv: TailCsv | undefined;
  #saving: Promise<void> = Promise.resolve();

  private constructor(path: string, query: LeadsQuery, lock: StateLock, window: DeliveryWindow, earlier: ExportState | undefined) {
    this.#path = path;
    this.#query = query;
    this.#lock = lock;
    this.#window = window;
    this.resume = earlier === undefined ? undefined : window.snapshot();
    this.earlierCsv = earlier?.csv && earlier.columns ? { shape: earlier.csv, columns: earlier.columns } : undefined;
  }

  static async open(path: string, query: LeadsQuery, now: number, overlapMs: number): Promise<TailState> {
    const lock = await acquireStateLock(path, now, 'tail');
    try {
      const state = await loadState(path, query);
      return new TailState(path, query, lock, new DeliveryWindow(state?.delivery, overlapMs), state);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** The CSV this run prints: saved with the state once its header is written, so a restart continues it. */
  printsCsv(csv: TailCsv): void {
    this.#csv = csv;
  }

  /** Records leads as done and saves the file; saves run one after another, in the order asked. */
  confirm(leads: readonly Lead[], now: number): Promise<void> {
    for (const lead of leads) this.#window.markDelivered(lead, now);
    const snapshot = this.#window.snapshot();
    const columns = this.#csv?.columns() ?? null;
    const state: ExportState = {
      version: 1,
      source: sourceOf(this.#query),
      columns: columns === null ? null : [...columns],
      ...(columns === null || this.#csv === undefined ? {} : { csv: this.#csv.shape }),
      delivery: snapshot,
      updatedAt: new Date(now).toISOString(),
    };
    const save = (): Promise<void> => saveState(this.#path, state);
    this.#saving = this.#saving.then(save);
    return this.#saving;
  }

  release(): Promise<void> {
    return this.#lock.release();
  }
}
