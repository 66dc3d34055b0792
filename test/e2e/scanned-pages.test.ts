/**
 * A plain export reads the pages it can straight from their bytes and
 * parses the rest; one listing can hold both. Through the real CLI, the
 * output is read back by Python's csv module and by JSON.parse, and must
 * hold every lead exactly, whichever way its page was read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { pythonCsvRows } from '../python-oracle.js';
import type { LeadRow } from '../fake-api/server.js';
import { cli, expectedCsvTable, exportArgs, fakeApi, flatEntries, generatedRows, scratch, SLOW } from './fixtures.js';

const LATE = { fromLead: 220, names: ['company', 'source'] };

/**
 * 300 leads over three pages, newest first. Page 2 holds a value with a
 * control character, which JSON writes as a `\u` escape, so that page is
 * parsed; pages 1 and 3 are read from their bytes. Page 1 brings two
 * late fields, so the columns grow from one kind of page to the other.
 */
async function mixedListing(): Promise<{ api: Awaited<ReturnType<typeof fakeApi>>; rows: LeadRow[] }> {
  const rows = generatedRows(300, { fields: 6, lateFields: LATE });
  const second = rows.slice(100, 200).map((row) => structuredClone(row));
  second[7]!.lead_data[3]!.field_value = 'bell \u0007 and "quotes", ok';
  second[50]!.lead_data.push({ field_name: 'only_here', field_type: 'text', field_value: '=SUM(A1)' });
  const api = await fakeApi({ leads: 300, pageSize: 100, fields: 6, lateFields: LATE, faults: [{ page: 2, kind: 'rows', rows: second }] });
  return { api, rows: [...rows.slice(0, 100), ...second, ...rows.slice(200)] };
}

describe.concurrent('a listing with pages read both ways', SLOW, () => {
  it('CSV: every lead and column, as Python reads it', async ({ expect }) => {
    const { api, rows } = await mixedListing();
    const file = join(scratch(), 'leads.csv');
    const result = await cli(api, exportArgs('-o', file, '--format', 'csv'));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(pythonCsvRows(readFileSync(file), ',')).toEqual(expectedCsvTable(rows));
  });

  it('JSONL and JSON: every lead flattened, keys in order', async ({ expect }) => {
    const { api, rows } = await mixedListing();
    const expected = rows.map((row) => Object.entries(Object.fromEntries(flatEntries(row))));
    const jsonl = await cli(api, exportArgs('--format', 'jsonl'));
    expect(jsonl.code).toBe(0);
    const lines = jsonl.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => Object.entries(JSON.parse(line) as object))).toEqual(expected);
    const json = await cli(api, exportArgs('--format', 'json'));
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as object[]).map((lead) => Object.entries(lead))).toEqual(expected);
  });
});
