import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lead, LeadField } from '../../src/api/types.js';
import { BASE_COLUMNS, flattenLead } from '../../src/leads/flatten.js';

function lead(fields: LeadField[] | null | undefined, extra: Partial<Lead> = {}): Lead {
  const row: Lead = { id: 'lead_1', created_at: '2025-01-15 10:30:00', ...extra };
  if (fields !== undefined) row.lead_data = fields;
  return row;
}

function field(name: unknown, value?: unknown): LeadField {
  const entry = { field_name: name, field_type: 'text' } as LeadField;
  if (value !== undefined) entry.field_value = value;
  return entry;
}

function columnsOf(row: Lead): string[] {
  return flattenLead(row).map(([column]) => column);
}

describe('flattenLead', () => {
  it('writes the five base columns first, null when absent, values unconverted', () => {
    const entries = flattenLead({ id: 42, created_at: '2025-01-15 10:30:00', source: 'chatbot', lead_data: [] });
    expect(entries).toEqual([
      ['id', 42],
      ['created_at', '2025-01-15 10:30:00'],
      ['source', 'chatbot'],
      ['page_url', null],
      ['ip_address', null],
    ]);
  });

  it('keeps a base value that is present but null or falsy', () => {
    const entries = flattenLead({ id: 0, created_at: null, source: '', page_url: false, ip_address: 0 });
    expect(entries.map(([, value]) => value)).toEqual([0, null, '', false, 0]);
  });

  it('adds no field columns when lead_data is null or absent', () => {
    expect(columnsOf(lead(null))).toEqual([...BASE_COLUMNS]);
    expect(columnsOf(lead(undefined))).toEqual([...BASE_COLUMNS]);
  });

  it('appends one column per field in API order, values as-is and missing values as null', () => {
    const nested = { a: [1, 2] };
    const entries = flattenLead(
      lead([field('name', 'John Doe'), field('age', 37), field('consent', true), field('extra', nested), field('empty')]),
    );
    expect(entries.slice(5)).toEqual([
      ['name', 'John Doe'],
      ['age', 37],
      ['consent', true],
      ['extra', nested],
      ['empty', null],
    ]);
    expect(entries[8]?.[1]).toBe(nested);
  });

  it('prefixes a field named like a base column with lead_data.', () => {
    const entries = flattenLead(lead([field('id', 'form-id'), field('created_at', 'yesterday'), field('ip_address', 'x')]));
    expect(entries[0]).toEqual(['id', 'lead_1']);
    expect(entries.slice(5)).toEqual([
      ['lead_data.id', 'form-id'],
      ['lead_data.created_at', 'yesterday'],
      ['lead_data.ip_address', 'x'],
    ]);
  });

  it('matches base column names exactly, so other casings and spacings stay as sent', () => {
    expect(columnsOf(lead([field('ID'), field(' id')])).slice(5)).toEqual(['ID', ' id']);
  });

  it('names empty, whitespace-only and missing field names (unnamed)', () => {
    const columns = columnsOf(lead([field('', 1), field('   ', 2), field('\t\u00a0', 3), field(null, 4), field(undefined, 5)]));
    expect(columns.slice(5)).toEqual(['(unnamed)', '(unnamed)#2', '(unnamed)#3', '(unnamed)#4', '(unnamed)#5']);
  });

  it('suffixes repeated names with #2, #3, ...', () => {
    const entries = flattenLead(lead([field('email', 'a@x'), field('phone', '1'), field('email', 'b@x'), field('email', 'c@x')]));
    expect(entries.slice(5)).toEqual([
      ['email', 'a@x'],
      ['phone', '1'],
      ['email#2', 'b@x'],
      ['email#3', 'c@x'],
    ]);
  });

  it('moves any taken candidate to the next free suffix, including names that look suffixed', () => {
    expect(columnsOf(lead([field('email#2'), field('email'), field('email')])).slice(5)).toEqual([
      'email#2',
      'email',
      'email#3',
    ]);
    expect(columnsOf(lead([field('lead_data.id'), field('id'), field('id')])).slice(5)).toEqual([
      'lead_data.id',
      'lead_data.id#2',
      'lead_data.id#3',
    ]);
    expect(columnsOf(lead([field('(unnamed)'), field('')])).slice(5)).toEqual(['(unnamed)', '(unnamed)#2']);
  });

  it('writes a non-string field name with String(name)', () => {
    expect(columnsOf(lead([field(7), field(true), field(7)])).slice(5)).toEqual(['7', 'true', '7#2']);
  });

  it('keeps the value of a lead_data entry that is not an object, under (unnamed)', () => {
    const row = lead(null);
    row.lead_data = ['stray', null] as unknown as LeadField[];
    expect(flattenLead(row).slice(5)).toEqual([
      ['(unnamed)', 'stray'],
      ['(unnamed)#2', null],
    ]);
  });

  it('applies the same rules to leads with many fields', () => {
    const fields = Array.from({ length: 60 }, (_, i) => field(i % 2 === 0 ? 'x' : 'id', i));
    const entries = flattenLead(lead(fields)).slice(5);
    expect(entries[0]).toEqual(['x', 0]);
    expect(entries[1]).toEqual(['lead_data.id', 1]);
    expect(entries[2]).toEqual(['x#2', 2]);
    expect(entries[59]).toEqual(['lead_data.id#30', 59]);
    expect(new Set(entries.map(([column]) => column)).size).toBe(60);
  });

  it('stays fast for thousands of repeats of one name', () => {
    const fields = Array.from({ length: 20_000 }, (_, i) => field(i === 3 ? 'x#3' : 'x', i));
    const started = performance.now();
    const columns = columnsOf(lead(fields)).slice(5);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(columns.slice(0, 6)).toEqual(['x', 'x#2', 'x#3', 'x#3#2', 'x#4', 'x#5']);
    expect(columns[19_999]).toBe('x#19999');
    expect(new Set(columns).size).toBe(20_000);
  });

  it('does not modify the lead', () => {
    const row = lead([field('id', 1), field('id', 2)]);
    const copy = structuredClone(row);
    flattenLead(row);
    expect(row).toEqual(copy);
  });

  const names = fc.oneof(
    fc.constantFrom('', ' ', 'email', 'email#2', 'id', 'lead_data.id', 'created_at', '(unnamed)', '(unnamed)#2', 'x#3', null),
    fc.string({ maxLength: 4 }),
    fc.integer({ min: 0, max: 3 }),
  );

  it('never loses a value and never repeats a column within a lead', () => {
    fc.assert(
      fc.property(fc.array(names, { maxLength: 60 }), (fieldNames) => {
        // Each value is a distinct object, so identity shows where it went.
        const values = fieldNames.map((_, i) => ({ i }));
        const entries = flattenLead(lead(fieldNames.map((name, i) => field(name, values[i]))));
        const columns = entries.map(([column]) => column);
        expect(columns.slice(0, 5)).toEqual([...BASE_COLUMNS]);
        expect(new Set(columns).size).toBe(columns.length);
        expect(entries.length).toBe(5 + values.length);
        values.forEach((value, i) => {
          expect(entries.filter(([, cell]) => cell === value)).toHaveLength(1);
          expect(entries[5 + i]?.[1]).toBe(value);
        });
      }),
    );
  });

  it('names columns the same whatever lead came before', () => {
    fc.assert(
      fc.property(fc.array(names, { maxLength: 40 }), fc.array(names, { maxLength: 40 }), (before, after) => {
        flattenLead(lead(before.map((name) => field(name, 1))));
        const next = lead(after.map((name) => field(name, 2)));
        const first = columnsOf(next);
        expect(columnsOf(next)).toEqual(first);
        expect(columnsOf(lead([...after.map((name) => field(name, 3))]))).toEqual(first);
        expect(new Set(first).size).toBe(first.length);
      }),
    );
  });

  it('renames when a lead with the same number of fields uses other names', () => {
    expect(columnsOf(lead([field('a'), field('b')])).slice(5)).toEqual(['a', 'b']);
    expect(columnsOf(lead([field('a'), field('a')])).slice(5)).toEqual(['a', 'a#2']);
    expect(columnsOf(lead([field('a'), field('id')])).slice(5)).toEqual(['a', 'lead_data.id']);
  });

  it('stringifies an object name afresh on every lead', () => {
    let calls = 0;
    const name = { toString: () => `n${++calls}` };
    expect(columnsOf(lead([field(name)])).slice(5)).toEqual(['n1']);
    expect(columnsOf(lead([field(name)])).slice(5)).toEqual(['n2']);
  });
});
