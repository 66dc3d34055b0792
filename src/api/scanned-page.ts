import { numberFromLiteral, type ExactNumber } from './exact-json.js';
import type { Lead } from './types.js';

/**
 * How a scanned cell is held: its bytes in the page body, by kind.
 * Null: an absent key or `null` (no bytes). Text: a string with no escape,
 * the bytes between its quotes. Escaped: a string with a
 * backslash escape, its whole literal, quotes included. Literal: a number,
 * `true` or `false`, as sent.
 */
export const CellKind = { Null: 0, Text: 1, Escaped: 2, Literal: 3 } as const;
export type CellKind = (typeof CellKind)[keyof typeof CellKind];

/**
 * A page of leads read straight from its bytes, without building an object
 * per lead and per field: for each lead its columns (as leadColumns gives
 * them) and where each column's value lies in the body. Writers copy those
 * bytes to their output, which costs a fraction of JSON.parse and of
 * encoding the parsed values again.
 */
export interface ScannedRows {
  readonly body: Buffer;
  /** (start, end, kind) for every cell, lead after lead, in leadColumns order. */
  readonly cells: Int32Array;
  /** Where each lead's cells start in `cells` (in cells, not numbers); one more entry than leads. */
  readonly firstCell: Int32Array;
  /** Each lead's columns; consecutive leads of one form share the array. */
  readonly columns: readonly (readonly string[])[];
}

/** A lead of a scanned page: only what paging and deduplication read, and where its cells are. */
export class ScannedLead {
  constructor(
    readonly id: string | number,
    readonly created_at: unknown,
    readonly rows: ScannedRows,
    readonly index: number,
  ) {}

  // Nothing else may read a scanned lead as if it were a parsed one: fail loudly instead of finding no fields.
  get lead_data(): never {
    throw new Error('a scanned lead has no parsed lead_data');
  }
}

/** A LeadsPage whose rows are ScannedLeads. */
export class ScannedPage {
  constructor(
    readonly rows: Lead[],
    readonly nextPageToken: string | null,
  ) {}
}

/** The leads as ScannedLeads when they came from a scanned page (a batch never mixes pages), else undefined. */
export function scannedLeads(leads: readonly Lead[]): readonly ScannedLead[] | undefined {
  return leads.length > 0 && (leads[0] as unknown) instanceof ScannedLead ? (leads as unknown as readonly ScannedLead[]) : undefined;
}

/** A Literal cell's value as parseUtf8Json gives it: a boolean, or a number (an ExactNumber where JavaScript cannot hold it as written). */
export function literalValue(literal: string): boolean | number | ExactNumber {
  if (literal === 'true' || literal === 'false') return literal === 'true';
  return numberFromLiteral(literal);
}
