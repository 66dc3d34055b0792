/** What the created_at of leads, in the order the API listed them, has shown so far. */
export type ListingOrder = 'unknown' | 'newest-first' | 'oldest-first' | 'unordered';

/**
 * Detects the API's ordering at run time: it is not documented, so nothing
 * may assume it. `newest-first` means every lead so far was no newer than the
 * one before and at least one was strictly older; one step the other way (or
 * a time that does not parse) makes the listing `unordered` for good.
 */
export class ListingOrderTracker {
  #previous: number | undefined;
  #order: ListingOrder = 'unknown';

  get order(): ListingOrder {
    return this.#order;
  }

  observe(time: number | undefined): void {
    if (this.#order === 'unordered') return;
    if (time === undefined) {
      this.#order = 'unordered';
      return;
    }
    const previous = this.#previous;
    this.#previous = time;
    if (previous === undefined || time === previous) return;
    const step: ListingOrder = time < previous ? 'newest-first' : 'oldest-first';
    this.#order = this.#order === 'unknown' || this.#order === step ? step : 'unordered';
  }
}
