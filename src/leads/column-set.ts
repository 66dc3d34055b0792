import type { FlatEntry } from './flatten.js';

/** The union of column names across leads, in first-seen order. */
export class ColumnSet {
  readonly #indexes = new Map<string, number>();
  readonly #names: string[] = [];
  // slotsOf's last answer: consecutive leads usually share one columns array.
  #lastColumns: readonly string[] | undefined;
  #lastGrow = false;
  #lastSlots: readonly number[] = [];

  constructor(initial?: readonly string[]) {
    if (initial !== undefined) {
      for (const name of initial) this.add(name);
    }
  }

  /** The column's index, adding it at the end when it is new. */
  add(name: string): number {
    const known = this.#indexes.get(name);
    if (known !== undefined) return known;
    const index = this.#names.length;
    this.#names.push(name);
    this.#indexes.set(name, index);
    return index;
  }

  indexOf(name: string): number | undefined {
    return this.#indexes.get(name);
  }

  /**
   * Where each of `columns` (a lead's columns, see leadColumns) sits in the
   * set, -1 for one it lacks; with `grow` those are added first, as toCells
   * does. The answer for the same array is cached: the set only ever grows,
   * so positions once known stay right.
   */
  slotsOf(columns: readonly string[], grow: boolean): readonly number[] {
    if (columns === this.#lastColumns && grow === this.#lastGrow) return this.#lastSlots;
    const slots = columns.map((name) => (grow ? this.add(name) : (this.indexOf(name) ?? -1)));
    this.#lastColumns = columns;
    this.#lastGrow = grow;
    this.#lastSlots = slots;
    return slots;
  }

  get names(): readonly string[] {
    return this.#names;
  }

  get size(): number {
    return this.#names.length;
  }
}

/**
 * The lead's values laid out in the set's column order; a column the lead
 * lacks is `undefined`. Unknown columns are added to the set when `grow` is
 * true (the row then has the set's new size) and ignored otherwise.
 */
export function toCells(entries: readonly FlatEntry[], columns: ColumnSet, grow: boolean): unknown[] {
  const cells = new Array<unknown>(columns.size).fill(undefined);
  for (const entry of entries) {
    const index = grow ? columns.add(entry[0]) : columns.indexOf(entry[0]);
    if (index !== undefined) cells[index] = entry[1];
  }
  return cells;
}
