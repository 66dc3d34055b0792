import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/api/types.js';
import { columnLetters, exactNumber, xmlText } from '../../src/output/xlsx/cell-xml.js';
import { XlsxSink, type XlsxTuning } from '../../src/output/xlsx/xlsx-sink.js';
import type { SinkOptions } from '../../src/output/sink.js';
import { pythonXlsx, type XlsxCell, type XlsxWorkbook } from '../python-oracle.js';
import { lead, listDir, withTempDir } from './helpers.js';

const BASE = ['id', 'created_at', 'source', 'page_url', 'ip_address'];

/** Writes `pages` through an XlsxSink and reads the workbook back with Python. */
async function roundTrip(
  pages: readonly (readonly Lead[])[],
  options: Omit<SinkOptions, 'out'> = {},
  tuning: XlsxTuning = {},
): Promise<{ book: XlsxWorkbook; warnings: string[]; leftovers: string[] }> {
  return withTempDir(async (dir) => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const warnings: string[] = [];
    const sink = new XlsxSink({ out, tmpDir: dir, onWarning: (message) => warnings.push(message), ...options }, tuning);
    for (const page of pages) await sink.writeLeads(page);
    await sink.finish();
    const leftovers = await listDir(dir);
    const path = join(dir, 'leads.xlsx');
    await writeFile(path, Buffer.concat(chunks));
    return { book: pythonXlsx(path), warnings, leftovers };
  });
}

/** The cells of row `row` (1-based, as the sheet numbers them) from column `from` on. */
function cells(book: XlsxWorkbook, row: number, from = 0, sheet = 0): (XlsxCell | null)[] {
  return book.sheets[sheet]!.rows[row - 1]!.slice(from);
}

const text = (value: string): Partial<XlsxCell> => ({ type: 'inlineStr', value });
const number = (value: string): Partial<XlsxCell> => ({ type: 'n', value, format: 'General' });

describe('xlsx cell encoding', () => {
  it('names columns A..Z, AA.., XFD', () => {
    expect([0, 25, 26, 51, 52, 701, 702, 16_383].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA', 'XFD']);
  });

  it('escapes markup, controls and CR, and the underscore of a literal _xHHHH_', () => {
    expect(xmlText('a&b<c>d "e"')).toBe('a&amp;b&lt;c&gt;d "e"');
    expect(xmlText('\u0000\u0001\u001f\r\n\t\uFFFE')).toBe('_x0000__x0001__x001F__x000D_\n\t_xFFFE_');
    expect(xmlText('_x0041_ _x12_ _xZZZZ_')).toBe('_x005F_x0041_ _x12_ _xZZZZ_');
  });

  it('makes a number cell only of what a spreadsheet holds exactly', () => {
    const cases: [string, string | undefined][] = [
      ['42', '42'],
      ['1.50', '1.5'],
      ['-2.5e-7', '-2.5e-7'],
      ['1E3', '1000'],
      ['0.1', '0.1'],
      ['123456789012345', '123456789012345'],
      ['1234567890123456', undefined],
      ['9007199254740993', undefined],
      ['12345678901234567890', undefined],
      ['1e400', undefined],
      ['-0', undefined],
      ['0.30000000000000004', undefined],
    ];
    for (const [literal, expected] of cases) expect(exactNumber(literal), literal).toBe(expected);
  });
});

describe('XlsxSink, read back with Python (zipfile + xml.etree)', () => {
  it('types every cell, never writes a formula, and keeps hostile text exact', async () => {
    const long = 'x'.repeat(9_999) + '🚀';
    const hostile: [string, unknown][] = [
      ['formula', '=HYPERLINK("http://evil.example","click")'],
      ['plus', '+1 415 555 0100'],
      ['minus', '-5'],
      ['at', '@SUM(A1:A9)'],
      ['controls', 'a\u0000b\u0007c\u001bd\u000be\u000cf\u001f'],
      ['newlines', 'one\r\ntwo\rthree\nfour\tfive'],
      ['escape-like', '_x0041_ and _x005F_'],
      ['markup', '<t>&amp;</t> ]]>'],
      ['emoji', 'Zoë Núñez 🚀👍🏽'],
      ['padded', '  spaces  '],
      ['long', long],
      ['int', 42],
      ['float', -2.5],
      ['big', 2 ** 53 + 2],
      ['bigger', 12345678901234567890],
      ['yes', true],
      ['no', false],
      ['nothing', null],
      ['empty', ''],
      ['object', { a: [1, 'x'] }],
      ['zero-leading', '00123'],
      ['lone-surrogate', 'a\ud83db'],
    ];
    const { book, warnings } = await roundTrip([[lead(1, hostile)]]);
    expect(book.formulaParts).toEqual([]);
    const [header, row] = [cells(book, 1), cells(book, 2)];
    expect(header.map((cell) => cell?.value)).toEqual([...BASE, ...hostile.map(([name]) => name)]);
    expect(header.every((cell) => cell?.bold === true && cell.type === 'inlineStr')).toBe(true);
    expect(row[0]).toMatchObject(number('1'));
    // 2025-01-15 10:30:00 UTC as an Excel serial, shown as a date and time.
    expect(row[1]).toMatchObject({ type: 'n', value: String(45672 + 10.5 / 24), format: 'yyyy-mm-dd hh:mm:ss' });
    const values = row.slice(BASE.length);
    expect(values).toMatchObject([
      text('=HYPERLINK("http://evil.example","click")'),
      text('+1 415 555 0100'),
      text('-5'),
      text('@SUM(A1:A9)'),
      text('a\u0000b\u0007c\u001bd\u000be\u000cf\u001f'),
      text('one\r\ntwo\rthree\nfour\tfive'),
      text('_x0041_ and _x005F_'),
      text('<t>&amp;</t> ]]>'),
      text('Zoë Núñez 🚀👍🏽'),
      text('  spaces  '),
      text(long),
      number('42'),
      number('-2.5'),
      text(String(2 ** 53 + 2)),
      text(String(12345678901234567890)),
      { type: 'b', value: '1' },
      { type: 'b', value: '0' },
      null,
      null,
      text('{"a":[1,"x"]}'),
      text('00123'),
      // XML is UTF-8 text: half a surrogate pair cannot be written, so it becomes U+FFFD.
      text('a\ufffdb'),
    ]);
    expect(warnings).toEqual([
      'lead "1" holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which UTF-8 cannot carry: ' +
        'written to the workbook as U+FFFD (JSONL and JSON keep the escape)',
    ]);
  });

  it('writes the union of columns as the header, frozen, filtered and sized from the first rows', async () => {
    const pages = [
      [lead(1, { name: 'Ada' }), lead(2, { name: 'Grace', email: 'grace.hopper@navy.example' })],
      [lead(3, { late: 'x' })],
    ];
    const { book, leftovers } = await roundTrip(pages);
    const [sheet] = book.sheets;
    expect(book.sheets).toHaveLength(1);
    expect(sheet).toMatchObject({ name: 'Leads', frozen: true, autoFilter: 'A1:H4' });
    expect(cells(book, 1).map((cell) => cell?.value)).toEqual([...BASE, 'name', 'email', 'late']);
    expect(cells(book, 2, 5).map((cell) => cell?.value ?? null)).toEqual(['Ada']);
    expect(cells(book, 4, 5).map((cell) => cell?.value ?? null)).toEqual([null, null, 'x']);
    // email is as wide as its longest value, plus a margin; late as its name, the filter button and the margin.
    expect(sheet!.widths[6]).toBe('grace.hopper@navy.example'.length + 2);
    expect(sheet!.widths[7]).toBe('late'.length + 3 + 2);
    expect(leftovers).toEqual([]);
  });

  it('writes only the --columns asked for, in that order', async () => {
    const { book } = await roundTrip([[lead(1, { name: 'Ada', email: 'a@x' })]], { columns: ['email', 'created_at', 'missing'] });
    expect(book.sheets[0]!.rows).toMatchObject([
      [text('email'), text('created_at'), text('missing')],
      [text('a@x'), { type: 'n', format: 'yyyy-mm-dd hh:mm:ss' }],
    ]);
  });

  it('keeps created_at that is not a date, and a field named created_at, as text', async () => {
    const { book } = await roundTrip([[lead(1, { created_at: '2025-01-15 10:30:00' }, { created_at: 'yesterday' })]]);
    expect(cells(book, 1, 5)[0]).toMatchObject(text('lead_data.created_at'));
    expect(cells(book, 2)[1]).toMatchObject(text('yesterday'));
    expect(cells(book, 2, 5)[0]).toMatchObject(text('2025-01-15 10:30:00'));
  });

  it('cuts a value longer than a cell holds, and says which lead and column', async () => {
    const huge = 'y'.repeat(32_766) + '🚀' + 'z';
    const { book, warnings } = await roundTrip([[lead(7, { bio: huge, short: 'ok' })]]);
    // The cut never splits the emoji's surrogate pair: it goes whole.
    expect(cells(book, 2, 5)).toMatchObject([text('y'.repeat(32_766)), text('ok')]);
    expect(warnings).toEqual([
      'lead 7: the value of "bio" has 32,769 characters, more than a cell holds: cut to the first 32,767',
    ]);
  });

  it('names a hostile column in the warning without its terminal escapes', async () => {
    const { warnings } = await roundTrip([[lead(8, { 'x\u001b[2J': 'y'.repeat(40_000) })]]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('\u001b');
    expect(warnings[0]).toContain('x\\\\x1b[2J');
  });

  it('continues on "Leads 2", "Leads 3" when a sheet is full, each with the header, and says so', async () => {
    const leads = Array.from({ length: 7 }, (_, i) => lead(i + 1, i === 5 ? { late: 'z' } : {}));
    const { book, warnings } = await roundTrip([leads.slice(0, 2), leads.slice(2)], {}, { leadsPerSheet: 3 });
    expect(book.sheets.map((sheet) => [sheet.name, sheet.rows.length, sheet.autoFilter, sheet.frozen])).toEqual([
      ['Leads', 4, 'A1:F4', true],
      ['Leads 2', 4, 'A1:F4', true],
      ['Leads 3', 2, 'A1:F2', true],
    ]);
    for (const sheet of book.sheets) expect(sheet.rows[0]!.map((cell) => cell?.value)).toEqual([...BASE, 'late']);
    expect(book.sheets.flatMap((sheet) => sheet.rows.slice(1).map((row) => row[0]!.value))).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(warnings).toEqual([
      'more than 3 leads, the most a worksheet holds: lead 4 on are on the sheet "Leads 2"',
      'more than 3 leads, the most a worksheet holds: lead 7 on are on the sheet "Leads 3"',
    ]);
  });

  it('an empty export is a workbook with the header row alone', async () => {
    const { book } = await roundTrip([]);
    expect(book.sheets).toMatchObject([{ name: 'Leads', autoFilter: 'A1:E1', rows: [BASE.map(text)] }]);
  });

  it('removes its spool on abort', async () => {
    await withTempDir(async (dir) => {
      const sink = new XlsxSink({ out: new PassThrough(), tmpDir: dir });
      await sink.writeLeads([lead(1)]);
      expect((await listDir(dir)).map((name) => name.replace(/\d+-[0-9a-f]+/, 'N'))).toEqual(['robofy-N.xlsx.spool']);
      await sink.abort();
      expect(await listDir(dir)).toEqual([]);
    });
  });
});
