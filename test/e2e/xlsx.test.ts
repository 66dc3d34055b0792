/**
 * `--format xlsx` end to end: the real CLI writes a workbook from the fake
 * API, and Python's zipfile and xml.etree read it back (an independent
 * reader): every value, typed, no formula anywhere, atomic like every file.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type ExpectStatic } from 'vitest';
import type { LeadRow } from '../fake-api/server.js';
import { pythonXlsx, type XlsxWorkbook } from '../python-oracle.js';
import { apiEnv } from './run-cli.js';
import {
  cli,
  expectedCsvTable,
  expectOneLineError,
  expectQuietSuccess,
  exportArgs,
  fakeApi,
  generatedRows,
  HAS_SCRIPT,
  listDir,
  runInTty,
  scratch,
  SLOW,
} from './fixtures.js';

const MS_PER_DAY = 86_400_000;
const CREATED_AT = 1;

/** The sheet as the table the CSV export would write (no formula neutralisation), created_at back to its text. */
function asTable(book: XlsxWorkbook): string[][] {
  const [header = [], ...rows] = book.sheets[0]!.rows;
  const width = header.length;
  return [
    header.map((cell) => cell!.value),
    ...rows.map((row) =>
      Array.from({ length: width }, (_, i) => {
        const cell = row[i];
        if (cell === null || cell === undefined) return '';
        if (i !== CREATED_AT) return cell.value;
        const iso = new Date(Math.round((Number(cell.value) - 25_569) * MS_PER_DAY)).toISOString();
        return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
      }),
    ),
  ];
}

function expectWorkbookOf(book: XlsxWorkbook, rows: readonly LeadRow[], expect: ExpectStatic): void {
  expect(book.formulaParts).toEqual([]);
  expect(book.sheets).toHaveLength(1);
  const sheet = book.sheets[0]!;
  expect(sheet).toMatchObject({ name: 'Leads', frozen: true });
  expect(sheet.rows[0]!.every((cell) => cell?.bold === true)).toBe(true);
  expect(sheet.rows.slice(1).every((row) => row[CREATED_AT]?.format === 'yyyy-mm-dd hh:mm:ss')).toBe(true);
  expect(sheet.rows.slice(1).every((row) => row.every((cell) => cell === null || cell.type === 'inlineStr' || cell.format !== 'General'))).toBe(true);
  expect(asTable(book)).toEqual(expectedCsvTable(rows, { escape: false }));
}

describe.concurrent('robofy leads export --format xlsx', SLOW, () => {
  it('-o leads.xlsx: the format from the extension; the CSV table, typed; no temp file left', async ({ expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10, lateFields: { fromLead: 20, names: ['company', 'source'] } });
    const dir = scratch();
    const file = join(dir, 'leads.xlsx');
    expectQuietSuccess(await cli(api, exportArgs('-o', file)));
    expect(listDir(dir)).toEqual(['leads.xlsx']);
    const book = pythonXlsx(file);
    expectWorkbookOf(book, generatedRows(25, { lateFields: { fromLead: 20, names: ['company', 'source'] } }), expect);
    expect(book.sheets[0]!.autoFilter).toBe(`A1:${String.fromCharCode(64 + book.sheets[0]!.rows[0]!.length)}26`);
  });

  it('to stdout when it is not a terminal', async ({ expect }) => {
    const api = await fakeApi({ leads: 12 });
    const file = join(scratch(), 'piped.xlsx');
    const fd = openSync(file, 'w');
    try {
      expectQuietSuccess(await cli(api, exportArgs('--format', 'xlsx'), { stdout: fd }));
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK');
    expectWorkbookOf(pythonXlsx(file), generatedRows(12), expect);
  });

  it('numbers are number cells when a spreadsheet holds them exactly, else text; booleans are booleans', async ({ expect }) => {
    const row = (id: string, value: string): string =>
      `{"id":"${id}","created_at":"2025-01-15 10:30:00","lead_data":[{"field_name":"n","field_value":${value}}]}`;
    const values = ['42', '-1.5', '1.50', 'true', '12345678901234567890', '9007199254740993', '1e400', '-0', '"=1+1"', 'null'];
    const body = `{"message":"ok","data":{"report":{"rows":[${values.map((value, i) => row(`L${i}`, value)).join(',')}],"next_page_token":null}}}`;
    const api = await fakeApi({ leads: 0, faults: [{ page: 1, kind: 'body', body }] });
    const file = join(scratch(), 'numbers.xlsx');
    expectQuietSuccess(await cli(api, exportArgs('-o', file)));
    const book = pythonXlsx(file);
    expect(book.formulaParts).toEqual([]);
    const cells = book.sheets[0]!.rows.slice(1).map((cells) => cells[5] ?? null);
    expect(cells).toMatchObject([
      { type: 'n', value: '42' },
      { type: 'n', value: '-1.5' },
      { type: 'n', value: '1.5' },
      { type: 'b', value: '1' },
      // Beyond what a spreadsheet holds: text with the exact literal, never a rounded number.
      { type: 'inlineStr', value: '12345678901234567890' },
      { type: 'inlineStr', value: '9007199254740993' },
      { type: 'inlineStr', value: '1e400' },
      { type: 'inlineStr', value: '-0' },
      { type: 'inlineStr', value: '=1+1' },
      null,
    ]);
  });

  it.skipIf(!HAS_SCRIPT)('refuses a terminal as stdout: exit 2, nothing written', async ({ expect }) => {
    const api = await fakeApi({ leads: 3 });
    const result = await runInTty(exportArgs('--format', 'xlsx'), { ...apiEnv(api.url, scratch()), NO_COLOR: '1' });
    expect(result.code).toBe(2);
    expect(result.screen).toContain('robofy: error: an xlsx workbook is binary and stdout is a terminal: write it to a file with -o leads.xlsx');
    expect(api.leadRequests()).toEqual([]);
  });

  it.for([
    { args: ['--state', 'leads.state'], message: '--state cannot be combined with --format xlsx' },
    { args: ['--raw'], message: '--raw works with --format jsonl or json, not xlsx' },
    { args: ['--no-header'], message: '--no-header works with --format csv' },
    { args: ['--bom'], message: '--bom works with --format csv, not xlsx' },
  ])('refuses $args.0 with exit 2, before any request', async ({ args, message }, { expect }) => {
    const api = await fakeApi({ leads: 3 });
    const dir = scratch();
    expectOneLineError(await cli(api, exportArgs('-o', join(dir, 'leads.xlsx'), ...args), { cwd: dir }), 2, message);
    expect(api.leadRequests()).toEqual([]);
    expect(listDir(dir)).toEqual([]);
  });
});
