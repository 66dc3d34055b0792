import type { Lead, LeadField } from '../api/types.js';
import { originOf, ORIGIN_COLUMNS } from './lead-origin.js';

/** The row-level columns every lead has, in output order. */
export const BASE_COLUMNS = ['id', 'created_at', 'source', 'page_url', 'ip_address'] as const;

/** One output cell of a lead: its column name and the value exactly as the API sent it. */
export type FlatEntry = readonly [column: string, value: unknown];

const UNNAMED = '(unnamed)';
const FIELD_PREFIX = 'lead_data.';

// Up to this many columns a linear scan beats building a Map for the lead.
const LINEAR_SCAN_LIMIT = 32;
const FIRST_SUFFIX = 2;

/** Columns taken so far, each with the next suffix to try when it comes up again. */
type TakenColumns = Map<string, number>;

/**
 * Turns one lead into (column, value) pairs: the five base columns first
 * (always present, `null` when the row lacks one), then one pair per
 * `lead_data` field in the order the API sent them. Values are never
 * converted, dropped or overwritten; a missing `field_value` is `null`.
 *
 * Column naming rules for `lead_data` fields:
 * - the column is the field's `field_name`, as-is (a non-string name is
 *   written with `String(name)`);
 * - an empty, whitespace-only, `null` or absent name becomes `(unnamed)`;
 * - a name equal to a base column (`id`, `created_at`, `source`, `page_url`,
 *   `ip_address`) becomes `lead_data.<name>`, e.g. `lead_data.id`;
 * - a column already used earlier in the same lead gets the first free
 *   suffix `#2`, `#3`, ... (`email`, `email#2`), so every column within a
 *   lead is distinct even when the API sends names like `email#2` itself;
 * - a `lead_data` that is `null` or absent contributes no columns.
 *
 * A lead of a combined export (stamped with its origin) starts with
 * `project_id` and `chatbot_id`; a field named like one of those becomes
 * `lead_data.<name>` there.
 */
export function flattenLead(lead: Lead): FlatEntry[] {
  const entries: FlatEntry[] = [];
  const columns = leadColumns(lead);
  for (let i = 0; i < columns.length; i++) entries.push([columns[i], leadValue(lead, i)]);
  return entries;
}

/**
 * The columns flattenLead gives this lead, in order, without building its
 * entries: writers read the values with leadValue. Consecutive leads with
 * the same field names get the very same array, so a writer may cache what
 * it derives from it (column positions) by identity.
 */
export function leadColumns(lead: Lead): readonly string[] {
  const own = ownColumns(lead);
  return originOf(lead) === undefined ? own : withOrigin(own);
}

/** The value of the lead's `index`-th column in leadColumns order, exactly as flattenLead has it. */
export function leadValue(lead: Lead, index: number): unknown {
  const origin = originOf(lead);
  if (origin === undefined) return ownValue(lead, index);
  if (index === 0) return origin.projectId;
  if (index === 1) return origin.chatbotId;
  return ownValue(lead, index - ORIGIN_COLUMNS.length);
}

function ownColumns(lead: Lead): readonly string[] {
  const fields = lead.lead_data as readonly unknown[] | null | undefined;
  if (fields === null || fields === undefined || fields.length === 0) return BASE_COLUMNS;
  return fieldColumns(fields);
}

// withOrigin's last answer, by identity, so a combined export's consecutive
// leads of one form share one columns array too.
let previousOwn: readonly string[] | undefined;
let previousWithOrigin: readonly string[] = [];

/** The origin columns first; a field named like one of them is renamed, as a base column's name would be. */
function withOrigin(own: readonly string[]): readonly string[] {
  if (own === previousOwn) return previousWithOrigin;
  const columns: string[] = [...ORIGIN_COLUMNS];
  for (let i = 0; i < own.length; i++) {
    const column = own[i]!;
    columns.push(i >= BASE_COLUMNS.length && (ORIGIN_COLUMNS as readonly string[]).includes(column) ? FIELD_PREFIX + column : column);
  }
  previousOwn = own;
  previousWithOrigin = columns;
  return columns;
}

function ownValue(lead: Lead, index: number): unknown {
  switch (index) {
    case 0:
      return orNull(lead.id);
    case 1:
      return orNull(lead.created_at);
    case 2:
      return orNull(lead.source);
    case 3:
      return orNull(lead.page_url);
    case 4:
      return orNull(lead.ip_address);
    default:
      return fieldValue((lead.lead_data as readonly unknown[])[index - BASE_COLUMNS.length]);
  }
}

// Consecutive leads of one chatbot share its form, so the previous lead's
// columns are usually right again: reuse them when the names match instead
// of re-running the uniqueness checks on every lead.
let previousNames: readonly unknown[] = [];
let previousColumns: readonly string[] = BASE_COLUMNS;

function fieldColumns(fields: readonly unknown[]): readonly string[] {
  return columnsFor(fields, fieldName);
}

/** leadColumns of a lead whose fields have these names (a string, or undefined for none), in order. */
export function columnsOfNames(names: readonly unknown[]): readonly string[] {
  return names.length === 0 ? BASE_COLUMNS : columnsFor(names, (name) => name);
}

function columnsFor<T>(fields: readonly T[], nameOf: (field: T) => unknown): readonly string[] {
  if (sameNames(fields, nameOf, previousNames)) return previousColumns;
  const names: unknown[] = [];
  const columns: string[] = [...BASE_COLUMNS];
  const taken: TakenColumns | undefined =
    BASE_COLUMNS.length + fields.length > LINEAR_SCAN_LIMIT ? new Map(BASE_COLUMNS.map((base) => [base, FIRST_SUFFIX])) : undefined;
  for (const field of fields) {
    const name = nameOf(field);
    const column = uniqueColumnName(fieldColumn(name), columns, taken);
    names.push(name);
    columns.push(column);
    taken?.set(column, FIRST_SUFFIX);
  }
  previousNames = names;
  previousColumns = columns;
  return columns;
}

function sameNames<T>(fields: readonly T[], nameOf: (field: T) => unknown, names: readonly unknown[]): boolean {
  if (fields.length !== names.length) return false;
  for (let i = 0; i < fields.length; i++) {
    const name = nameOf(fields[i]!);
    // An object name is stringified afresh each time: never trust the cache for it.
    if (name !== names[i] || (typeof name === 'object' && name !== null)) return false;
  }
  return true;
}

function orNull(value: unknown): unknown {
  return value === undefined ? null : value;
}

// Validation only promises an array: an entry that is not an object still
// keeps its value, under an unnamed column.
function fieldName(field: unknown): unknown {
  return typeof field === 'object' && field !== null ? (field as Partial<LeadField>).field_name : undefined;
}

function fieldValue(field: unknown): unknown {
  return orNull(typeof field === 'object' && field !== null ? (field as Partial<LeadField>).field_value : field);
}

function fieldColumn(name: unknown): string {
  if (name === null || name === undefined) return UNNAMED;
  const text = typeof name === 'string' ? name : String(name);
  if (isBlank(text)) return UNNAMED;
  return isBaseColumn(text) ? FIELD_PREFIX + text : text;
}

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const first = text.charCodeAt(0);
  // Printable ASCII first character: cannot be blank, skip the trim.
  if (first > 0x20 && first < 0x7f) return false;
  return text.trim().length === 0;
}

function isBaseColumn(text: string): boolean {
  for (const base of BASE_COLUMNS) {
    if (text === base) return true;
  }
  return false;
}

function uniqueColumnName(candidate: string, columns: readonly string[], taken: TakenColumns | undefined): string {
  if (!isTaken(candidate, columns, taken)) return candidate;
  // Resuming from the last suffix keeps a thousand repeats of one name linear.
  for (let suffix = taken?.get(candidate) ?? FIRST_SUFFIX; ; suffix++) {
    const next = `${candidate}#${suffix}`;
    if (!isTaken(next, columns, taken)) {
      taken?.set(candidate, suffix + 1);
      return next;
    }
  }
}

function isTaken(column: string, columns: readonly string[], taken: TakenColumns | undefined): boolean {
  if (taken !== undefined) return taken.has(column);
  return isBaseColumn(column) || columns.includes(column);
}
