import type { LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import { DeliveryWindow, type DeliverySnapshot } from '../leads/delivery-window.js';
import { acquireStateLock, type StateLock } from '../state/state-lock.js';
import { loadState, saveState, sourceOf } from '../state/state-file.js';

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
  #saving: Promise<void> = Promise.resolve();

  private constructor(path: string, query: LeadsQuery, lock: StateLock, window: DeliveryWindow, resume: DeliverySnapshot | undefined) {
    this.#path = path;
    this.#query = query;
    this.#lock = lock;
    this.#window = window;
    this.resume = resume;
  }

  static async open(path: string, query: LeadsQuery, now: number, overlapMs: number): Promise<TailState> {
    const lock = await acquireStateLock(path, now, 'tail');
    try {
      const state = await loadState(path, query);
      const window = new DeliveryWindow(state?.delivery, overlapMs);
      return new TailState(path, query, lock, window, state === undefined ? undefined : window.snapshot());
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Records leads as done and saves the file; saves run one after another, in the order asked. */
  confirm(leads: readonly Lead[], now: number): Promise<void> {
    for (const lead of leads) this.#window.markDelivered(lead, now);
    const snapshot = this.#window.snapshot();
    const save = (): Promise<void> =>
      saveState(this.#path, {
        version: 1,
        source: sourceOf(this.#query),
        columns: null,
        delivery: snapshot,
        updatedAt: new Date(now).toISOString(),
      });
    this.#saving = this.#saving.then(save);
    return this.#saving;
  }

  release(): Promise<void> {
    return this.#lock.release();
  }
}
