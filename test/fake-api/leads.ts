/**
 * Deterministic lead generation for the fake Robofy API. Every value is a pure
 * function of the lead's capture index, so a test (or the benchmark) can
 * recompute exactly what the server sent without keeping a million objects.
 */
import { ByteWriter, utf8 } from './bytes.js';

export interface LeadFieldRow {
  field_name: string;
  field_type: string;
  field_value: string;
}

/** One row exactly as the API sends it (the session id is not part of it). */
export interface LeadRow {
  id: string;
  created_at: string;
  source: string;
  page_url: string;
  ip_address: string;
  lead_data: LeadFieldRow[];
}

export interface GeneratedLead {
  /** 0-based capture order. */
  index: number;
  /** The session the lead was captured in; only visible through the `sessionId` filter. */
  sessionId: string;
  createdAtMs: number;
  row: LeadRow;
}

export interface LeadGenOptions {
  /** created_at of lead 0, `YYYY-MM-DD HH:MM:SS` (UTC); default '2025-01-15 10:30:00'. */
  startTime?: string;
  /** Time between two consecutive leads, in ms; default a minute (a quiet chatbot: days). */
  spacingMs?: number;
  /** lead_data fields per lead: name, email, phone, message, then field_5...; default 4. */
  fields?: number;
  /** Leads with index >= fromLead also carry these fields (a form that grew later). */
  lateFields?: { fromLead: number; names: string[] };
  /** Lead ids are this and the 1-based index; default 'lead_'. */
  idPrefix?: string;
}

/** What `generateLead` may be told beyond the index: an added lead's own time and fields. */
export interface LeadOverrides {
  createdAtMs?: number;
  /** Values for fields of these names replace the generated ones; new names are appended. */
  fields?: Record<string, string>;
}

export const DEFAULT_START_TIME = '2025-01-15 10:30:00';
export const MINUTE_MS = 60_000;

/** The five sessions leads are spread over (lead i belongs to SESSION_IDS[i % 5]). */
export const SESSION_IDS: readonly string[] = [
  '3f2b8c1e-5a47-4d2e-9b1a-0c6e7f8a9b01',
  '7a1c9e2d-3b58-4f6a-8c2e-1d7f9a0b2c12',
  'b4d6f8a0-2c4e-4a6b-9d8f-3e5a7c9b1d23',
  'e9f1a3b5-7c9d-4e1f-a3b5-5c7d9e1f3a34',
  '0c2e4a6b-8d0f-4b2c-8e4a-6b8d0f2c4e45',
];

// Some names are non-ASCII so exporters meet UTF-8 in ordinary data, not only in hostile tests.
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Zoë', 'Linus', 'Margaret', 'José', 'Barbara', 'Ken', 'Frances', 'Søren'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Núñez', 'Torvalds', 'Hamilton', "O'Brien", 'Liskov', 'Thompson', 'Allen', 'Kjær', 'Wu', 'Dijkstra'];

// Messages rotate through the values a CSV/JSON writer gets wrong: commas, quotes,
// newlines, non-ASCII, and a leading `=` (spreadsheet formula injection).
const MESSAGES = [
  'Please call me back about pricing.',
  'Interested in the Pro plan, 5 seats.',
  'She said "ship it" today.',
  'Line one\nLine two',
  'Café au lait ☕ and naïve résumé',
  '=1+1 looks like a formula',
];

const BASE_FIELDS: ReadonlyArray<{ name: string; type: string; value: (i: number) => string }> = [
  { name: 'name', type: 'text', value: (i) => `${pick(FIRST_NAMES, i)} ${pick(LAST_NAMES, i)}` },
  { name: 'email', type: 'email', value: (i) => `${asciiSlug(pick(FIRST_NAMES, i))}.${asciiSlug(pick(LAST_NAMES, i))}.${i + 1}@example.com` },
  { name: 'phone', type: 'phone', value: (i) => `+1 415 555 0${String(i % 1000).padStart(3, '0')}` },
  { name: 'message', type: 'textarea', value: (i) => `${pick(MESSAGES, i)} [#${i + 1}]` },
];

function pick(list: readonly string[], i: number): string {
  return list[i % list.length] ?? '';
}

function asciiSlug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** 'YYYY-MM-DD HH:MM:SS' in UTC: the vendor's created_at form (no `T`, no zone). */
export function formatLeadTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Inverse of formatLeadTime; also accepts ISO 8601. Throws on anything else. */
export function parseLeadTime(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(text);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}Z`) : Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not a lead time: ${JSON.stringify(text)}`);
  return ms;
}

/**
 * A generator bound to one set of options, so the server parses startTime once
 * rather than once per row.
 */
export type LeadGenerator = (index: number, overrides?: LeadOverrides) => GeneratedLead;

export function createLeadGenerator(options: LeadGenOptions = {}): LeadGenerator {
  const startMs = parseLeadTime(options.startTime ?? DEFAULT_START_TIME);
  const spacingMs = options.spacingMs ?? MINUTE_MS;
  const fieldCount = options.fields ?? 4;
  const late = options.lateFields;
  const idPrefix = options.idPrefix ?? 'lead_';
  return (index, overrides) => {
    const createdAtMs = overrides?.createdAtMs ?? startMs + index * spacingMs;
    const lead_data = generatedFields(index, fieldCount);
    if (late !== undefined && index >= late.fromLead) {
      for (const name of late.names) lead_data.push({ field_name: name, field_type: 'text', field_value: `${name} of lead ${index + 1}` });
    }
    if (overrides?.fields !== undefined) applyFieldOverrides(lead_data, overrides.fields);
    return {
      index,
      sessionId: SESSION_IDS[index % SESSION_IDS.length] ?? '',
      createdAtMs,
      row: {
        id: `${idPrefix}${index + 1}`,
        created_at: formatLeadTime(createdAtMs),
        source: 'chatbot',
        page_url: `https://example.com/page/${index % 7}`,
        ip_address: `192.0.2.${index % 250}`,
        lead_data,
      },
    };
  };
}

/** Lead `index` (0-based capture order) as the server generates it with these options. */
export function generateLead(index: number, options: LeadGenOptions = {}, overrides?: LeadOverrides): GeneratedLead {
  return createLeadGenerator(options)(index, overrides);
}

/** Writes one base lead's row as JSON bytes. */
export type RowWriter = (w: ByteWriter, index: number) => void;

/**
 * Writes the same row as `createLeadGenerator(options)(index).row`, as JSON
 * bytes, from pieces encoded once. This is the benchmark's hot path: building
 * the row as an object (or a string) and encoding it cost several times more.
 * The test suite checks the two agree.
 */
export function createRowWriter(options: LeadGenOptions = {}): RowWriter {
  const startMs = parseLeadTime(options.startTime ?? DEFAULT_START_TIME);
  const spacingMs = options.spacingMs ?? MINUTE_MS;
  const fieldCount = options.fields ?? 4;
  const late = options.lateFields;
  // name and email depend only on (i % FIRST, i % LAST), i.e. on i modulo their product.
  const period = FIRST_NAMES.length * LAST_NAMES.length;
  const names: Buffer[] = [];
  const emails: Buffer[] = [];
  for (let i = 0; i < period; i++) {
    names.push(utf8(`${JSON.stringify(`${pick(FIRST_NAMES, i)} ${pick(LAST_NAMES, i)}`)}}`));
    emails.push(utf8(`"${asciiSlug(pick(FIRST_NAMES, i))}.${asciiSlug(pick(LAST_NAMES, i))}.`));
  }
  // Messages without their closing quote, so the `[#n]` suffix can follow.
  const messages = MESSAGES.map((m) => utf8(`${JSON.stringify(m).slice(0, -1)} [#`));
  const head = (f: number, name: string, type: string): string =>
    `${f === 0 ? '' : ','}{"field_name":${JSON.stringify(name)},"field_type":${JSON.stringify(type)},"field_value":`;
  const baseHeads = BASE_FIELDS.slice(0, fieldCount).map((b, f) => utf8(head(f, b.name, b.type)));
  const extraHeads: Buffer[] = [];
  for (let f = BASE_FIELDS.length; f < fieldCount; f++) extraHeads.push(utf8(`${head(f, `field_${f + 1}`, 'text')}"value ${f + 1} of lead `));
  const lateHeads = (late?.names ?? []).map((name, k) =>
    utf8(`${head(fieldCount + k, name, 'text')}${JSON.stringify(`${name} of lead `).slice(0, -1)}`),
  );
  const time = createTimeWriter();
  const pieces = {
    id: utf8(`{"id":${JSON.stringify(options.idPrefix ?? 'lead_').slice(0, -1)}`),
    createdAt: utf8('","created_at":"'),
    pageUrl: utf8('","source":"chatbot","page_url":"https://example.com/page/'),
    ip: utf8('","ip_address":"192.0.2.'),
    leadData: utf8('","lead_data":['),
    email: utf8('@example.com"}'),
    phone: utf8('"+1 415 555 0'),
    quoteBrace: utf8('"}'),
    messageEnd: utf8(']"}'),
    end: utf8(']}'),
  };

  const baseField = (w: ByteWriter, f: number, i: number): void => {
    w.bytes(baseHeads[f] ?? EMPTY);
    if (f === 0) {
      w.bytes(names[i % period] ?? EMPTY);
    } else if (f === 1) {
      w.bytes(emails[i % period] ?? EMPTY);
      w.uint(i + 1);
      w.bytes(pieces.email);
    } else if (f === 2) {
      w.bytes(pieces.phone);
      w.uintPadded(i % 1000, 3);
      w.bytes(pieces.quoteBrace);
    } else {
      w.bytes(messages[i % messages.length] ?? EMPTY);
      w.uint(i + 1);
      w.bytes(pieces.messageEnd);
    }
  };
  const numberedField = (w: ByteWriter, headBytes: Buffer, i: number): void => {
    w.bytes(headBytes);
    w.uint(i + 1);
    w.bytes(pieces.quoteBrace);
  };

  return (w, i) => {
    w.bytes(pieces.id);
    w.uint(i + 1);
    w.bytes(pieces.createdAt);
    time(w, startMs + i * spacingMs);
    w.bytes(pieces.pageUrl);
    w.uint(i % 7);
    w.bytes(pieces.ip);
    w.uint(i % 250);
    w.bytes(pieces.leadData);
    for (let f = 0; f < baseHeads.length; f++) baseField(w, f, i);
    for (const h of extraHeads) numberedField(w, h, i);
    if (late !== undefined && i >= late.fromLead) for (const h of lateHeads) numberedField(w, h, i);
    w.bytes(pieces.end);
  };
}

const EMPTY: Buffer = Buffer.alloc(0);
const DAY_MS = 86_400_000;

/** formatLeadTime into bytes; the date part is cached since consecutive leads share a day. */
function createTimeWriter(): (w: ByteWriter, ms: number) => void {
  let cachedDay = Number.NaN;
  let dayBytes: Buffer = EMPTY;
  return (w, ms) => {
    const day = Math.floor(ms / DAY_MS);
    if (day !== cachedDay) {
      cachedDay = day;
      dayBytes = utf8(`${formatLeadTime(day * DAY_MS).slice(0, 10)} `);
    }
    const seconds = Math.floor((ms - day * DAY_MS) / 1000);
    w.bytes(dayBytes);
    w.uintPadded(Math.floor(seconds / 3600), 2);
    w.bytes(COLON);
    w.uintPadded(Math.floor(seconds / 60) % 60, 2);
    w.bytes(COLON);
    w.uintPadded(seconds % 60, 2);
  };
}
const COLON = utf8(':');

/** One base lead's row as JSON text: the row writer's output, for tests and tools. */
export function renderRowJson(index: number, options: LeadGenOptions = {}): string {
  const w = new ByteWriter(1024);
  w.begin();
  createRowWriter(options)(w, index);
  return w.finish().toString('utf8');
}

function generatedFields(index: number, count: number): LeadFieldRow[] {
  const out: LeadFieldRow[] = [];
  for (let f = 0; f < count; f++) {
    const base = BASE_FIELDS[f];
    if (base !== undefined) out.push({ field_name: base.name, field_type: base.type, field_value: base.value(index) });
    else out.push({ field_name: `field_${f + 1}`, field_type: 'text', field_value: `value ${f + 1} of lead ${index + 1}` });
  }
  return out;
}

function applyFieldOverrides(lead_data: LeadFieldRow[], fields: Record<string, string>): void {
  for (const [name, value] of Object.entries(fields)) {
    const existing = lead_data.filter((f) => f.field_name === name);
    if (existing.length === 0) lead_data.push({ field_name: name, field_type: 'text', field_value: value });
    for (const f of existing) f.field_value = value;
  }
}
