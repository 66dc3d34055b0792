import { jsonText } from '../api/exact-json.js';
import type { Lead } from '../api/types.js';
import { ColumnSet, toCells } from '../leads/column-set.js';
import { flattenLead, leadColumns, leadValue, type FlatEntry } from '../leads/flatten.js';
import { originOf } from '../leads/lead-origin.js';

/** Turns one lead into the text of one JSON object (no trailing newline). */
export type LeadEncoder = (lead: Lead) => string;

export interface JsonEncoderOptions {
  columns?: readonly string[];
  raw?: boolean;
}

/** Flattened objects keep their column order exactly; values are written unchanged, numbers as their exact text. */
export function createJsonEncoder(options: JsonEncoderOptions): LeadEncoder {
  if (options.raw === true) return rawText;
  if (options.columns !== undefined) return selectedColumnsEncoder(options.columns);
  return leadText;
}

/**
 * The lead as the API sent it (numbers as their exact text); in a combined
 * export, after its origin. The lead's text is reused as it is, so a lead
 * that has keys of those names itself keeps them, after ours.
 */
function rawText(lead: Lead): string {
  const text = jsonText(lead);
  const origin = originOf(lead);
  if (origin === undefined) return text;
  const ids = `{"project_id":${origin.projectId},"chatbot_id":${JSON.stringify(origin.chatbotId)}`;
  return text === '{}' ? `${ids}}` : `${ids},${text.slice(1)}`;
}

function selectedColumnsEncoder(columns: readonly string[]): LeadEncoder {
  const set = new ColumnSet(columns);
  const names = set.names;
  return (lead) => {
    const cells = toCells(flattenLead(lead), set, false);
    return objectText(names.map((name, i): FlatEntry => [name, cells[i]]));
  };
}

/**
 * A plain object would move integer-like keys ("2", "10") first, and a
 * `__proto__` key would set its prototype; with neither present, its
 * property order is the insertion order (ECMA-262 OrdinaryOwnPropertyKeys)
 * and one native JSON.stringify is about twice as fast as assembling the text.
 * An object or array value (rare) may hold an ExactNumber, which only
 * jsonText writes right.
 */
function objectText(entries: readonly FlatEntry[]): string {
  return entries.every(isPlainEntry) ? viaObject(entries) : assembled(entries);
}

/** objectText(flattenLead(lead)), with the object built straight from the lead. */
function leadText(lead: Lead): string {
  const columns = leadColumns(lead);
  if (!ordinaryColumns(columns)) return assembled(flattenLead(lead));
  const object: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const value = leadValue(lead, i);
    if (typeof value === 'object' && value !== null) return assembled(flattenLead(lead));
    object[columns[i]] = value;
  }
  return JSON.stringify(object);
}

// ordinaryColumns' last answer, by identity: consecutive leads share a columns array.
let checkedColumns: readonly string[] | undefined;
let checkedOrdinary = false;

function ordinaryColumns(columns: readonly string[]): boolean {
  if (columns !== checkedColumns) {
    checkedOrdinary = columns.every(isOrdinaryKey);
    checkedColumns = columns;
  }
  return checkedOrdinary;
}

function viaObject(entries: readonly FlatEntry[]): string {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) object[key] = value ?? null;
  return JSON.stringify(object);
}

function assembled(entries: readonly FlatEntry[]): string {
  let text = '{';
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!;
    text += (i === 0 ? '' : ',') + JSON.stringify(key) + ':' + jsonText(value);
  }
  return text + '}';
}

/**
 * Deliberately broader than "array index": any key starting with a digit
 * takes the assembled path, and so does any object or array value.
 */
function isPlainEntry(entry: FlatEntry): boolean {
  const value = entry[1];
  return isOrdinaryKey(entry[0]) && (typeof value !== 'object' || value === null);
}

function isOrdinaryKey(key: string): boolean {
  const first = key.charCodeAt(0);
  return !(first >= 0x30 && first <= 0x39) && key !== '__proto__';
}
