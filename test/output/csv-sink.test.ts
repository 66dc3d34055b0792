import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Lead } from '../../src/api/types.js';
import { createCsvSink } from '../../src/output/csv-sink.js';
import { csvRecord } from '../../src/output/csv-text.js';
import { createSink, type SinkOptions } from '../../src/output/sink.js';
import { pythonCsvRows } from '../python-oracle.js';
import { collector, lead, listDir, parseCsv, withTempDir } from './helpers.js';

const BASE = ['id', 'created_at', 'source', 'page_url', 'ip_address'];
const BASE_VALUES = ['2025-01-15 10:30:00', 'chat', 'https://example.com/', '10.0.0.1'];
const PLAIN = { delimiter: ',', escapeFormulas: false } as const;
const ESCAPED = { delimiter: ',', escapeFormulas: true } as const;
const NASTY = ['a,b', 'say "hi"', 'two\r\nlines', 'lone\rcr', 'lone\nlf', '\r', '"', ',', 'ünï€ødé 🚀', '""', ''];

async function exportCsv(
  pages: readonly (readonly Lead[])[],
  options: Omit<SinkOptions, 'out'> = {},
  readChunk?: number,
): Promise<string> {
  const { out, text } = collector();
  const sink = createCsvSink({ out, ...options }, readChunk === undefined ? {} : { readChunk });
  for (const page of pages) await sink.writeLeads(page);
  await sink.finish();
  return text();
}

describe('csvRecord', () => {
  it('quotes fields holding a lone CR or LF, which the padding scan relies on', () => {
    expect(csvRecord(['a\rb', 'c\nd', 'e', 'x\r'], 4, PLAIN)).toBe('"a\rb","c\nd",e,"x\r"\r\n');
  });

  it('writes what csv-stringify writes with CRLF records and record delimiters quoted', () => {
    const field = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', ' ', 'a') }));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), (cells) => {
        const reference = stringify([cells], { record_delimiter: '\r\n', quote_record_delimiter: true });
        expect(csvRecord(cells, cells.length, PLAIN)).toBe(reference);
      }),
      { numRuns: 300 },
    );
  });

  it('pads missing trailing cells and writes non-strings as JSON text', () => {
    expect(csvRecord(['=x', 2, null], 4, ESCAPED)).toBe("'=x,2,,\r\n");
    expect(csvRecord([1, true, null, undefined, { a: [1, 'x,y'] }, -2.5], 8, ESCAPED)).toBe(
      '1,true,,,"{""a"":[1,""x,y""]}",-2.5,,\r\n',
    );
  });
});

describe('CSV sink without --columns', () => {
  it('writes the union of columns in first-seen order, padding earlier rows', async () => {
    await withTempDir(async (tmpDir) => {
      const pages = [
        [lead(1, { email: 'a,b' }), lead(2, { name: 'say "hi"' })],
        [lead(3, { email: 'two\r\nlines' })],
        [lead(4, { late: 'lone\rcr', email: 'lone\nlf' })],
      ];
      const csv = await exportCsv(pages, { tmpDir });
      expect(parseCsv(csv)).toEqual([
        [...BASE, 'email', 'name', 'late'],
        ['1', ...BASE_VALUES, 'a,b', '', ''],
        ['2', ...BASE_VALUES, '', 'say "hi"', ''],
        ['3', ...BASE_VALUES, 'two\r\nlines', '', ''],
        ['4', ...BASE_VALUES, 'lone\nlf', '', 'lone\rcr'],
      ]);
      expect(await listDir(tmpDir)).toEqual([]);
    });
  });

  it('pads correctly whatever the read chunk size, across tricky values', async () => {
    await withTempDir(async (tmpDir) => {
      const pages = NASTY.map((value, i) => [lead(i, { [`c${i}`]: value, first: NASTY[(i + 3) % NASTY.length] })]);
      const expected = await exportCsv(pages, { tmpDir, escapeFormulas: false });
      const rows = parseCsv(expected);
      expect(rows[0]).toEqual([...BASE, 'c0', 'first', ...NASTY.slice(1).map((_, i) => `c${i + 1}`)]);
      expect(rows.every((row) => row.length === BASE.length + NASTY.length + 1)).toBe(true);
      expect(rows.slice(1).map((row) => row[5 + (Number(row[0]) === 0 ? 0 : Number(row[0]) + 1)])).toEqual(NASTY);
      for (const readChunk of [1, 2, 3, 5, 7, 64]) {
        expect(await exportCsv(pages, { tmpDir, escapeFormulas: false }, readChunk)).toBe(expected);
      }
    });
  });

  it('round-trips random values, columns and page splits', async () => {
    const names = fc.constantFrom('email', 'name', 'phone', '1', '20', 'notes', 'x y');
    const value = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom(...NASTY),
      fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', 'a') }),
    );
    const leadFields = fc.uniqueArray(fc.tuple(names, value), { selector: ([name]) => name, maxLength: 5 });
    const pages = fc.array(fc.array(leadFields, { maxLength: 4 }), { maxLength: 6 });
    await withTempDir(async (tmpDir) => {
      await fc.assert(
        fc.asyncProperty(pages, fc.integer({ min: 1, max: 40 }), async (fieldPages, readChunk) => {
          let id = 0;
          const leadPages = fieldPages.map((page) => page.map((fields) => lead(++id, fields, { source: null })));
          const columns = [...BASE];
          for (const page of fieldPages) {
            for (const fields of page) for (const [name] of fields) if (!columns.includes(name)) columns.push(name);
          }
          const expected = [columns];
          for (const page of leadPages) {
            for (const l of page) {
              const row = columns.map(() => '');
              row[0] = String(l.id);
              row[1] = String(l.created_at);
              row[3] = String(l.page_url);
              row[4] = String(l.ip_address);
              for (const field of l.lead_data ?? []) row[columns.indexOf(field.field_name)] = String(field.field_value);
              expected.push(row);
            }
          }
          const csv = await exportCsv(leadPages, { tmpDir, escapeFormulas: false }, readChunk);
          expect(parseCsv(csv)).toEqual(expected);
        }),
        { numRuns: 150 },
      );
      expect(await listDir(tmpDir)).toEqual([]);
    });
  });

  it('spools many pages that each widen the header', async () => {
    await withTempDir(async (tmpDir) => {
      const pages = Array.from({ length: 60 }, (_, p) =>
        Array.from({ length: 10 }, (_, i) => lead(p * 10 + i, p % 3 === 0 ? { [`f${p}`]: `v"${p},${i}\r` } : { f0: i })),
      );
      const rows = parseCsv(await exportCsv(pages, { tmpDir, escapeFormulas: false }, 4096));
      const width = BASE.length + 20;
      expect(rows).toHaveLength(601);
      expect(rows.every((row) => row.length === width)).toBe(true);
      expect(rows[0]!.slice(BASE.length)).toEqual(Array.from({ length: 20 }, (_, k) => `f${k * 3}`));
      expect(rows[1 + 30 * 10 + 4]![BASE.length + 10]).toBe('v"30,4\r');
      expect(rows[1 + 31 * 10 + 4]![BASE.length]).toBe('4');
    });
  });

  it('writes nothing but the base header for an empty export, and nothing without a header', async () => {
    expect(await exportCsv([[]])).toBe('id,created_at,source,page_url,ip_address\r\n');
    expect(await exportCsv([], { header: false })).toBe('');
  });

  it('leaves the header out with header: false', async () => {
    await withTempDir(async (tmpDir) => {
      const csv = await exportCsv([[lead(1)], [lead(2, { late: 'x' })]], { tmpDir, header: false });
      expect(parseCsv(csv)).toEqual([
        ['1', ...BASE_VALUES, ''],
        ['2', ...BASE_VALUES, 'x'],
      ]);
    });
  });

  it('escapes formulas by default, in values and header, and not when disabled', async () => {
    const leads = [lead(1, { '=cmd': '=1+2', phone: '+1 415', n: -5, at: '@x', safe: 'a=b', obj: { a: 1 }, t: true })];
    const escaped = parseCsv(await exportCsv([leads]));
    expect(escaped[0]!.slice(5)).toEqual(["'=cmd", 'phone', 'n', 'at', 'safe', 'obj', 't']);
    expect(escaped[1]!.slice(5)).toEqual(["'=1+2", "'+1 415", '-5', "'@x", 'a=b', '{"a":1}', 'true']);
    const plain = parseCsv(await exportCsv([leads], { escapeFormulas: false }));
    expect(plain[0]![5]).toBe('=cmd');
    expect(plain[1]!.slice(5)).toEqual(['=1+2', '+1 415', '-5', '@x', 'a=b', '{"a":1}', 'true']);
  });

  it('keeps the spool private while exporting and removes it on finish and on abort', async () => {
    await withTempDir(async (tmpDir) => {
      const { out } = collector();
      const sink = createSink('csv', { out, tmpDir });
      await sink.writeLeads([lead(1, { a: 'x' })]);
      // The spool is opened asynchronously, behind the first page's write.
      await vi.waitFor(async () => expect(await listDir(tmpDir)).toHaveLength(1));
      const [spool] = await listDir(tmpDir);
      expect(spool).toMatch(/^robofy-\d+-[0-9a-f]+\.csv\.spool$/);
      expect((await stat(join(tmpDir, spool!))).mode & 0o777).toBe(0o600);
      await sink.finish();
      expect(await listDir(tmpDir)).toEqual([]);

      const aborted = createSink('csv', { out, tmpDir });
      await aborted.writeLeads([lead(2)]);
      await vi.waitFor(async () => expect(await listDir(tmpDir)).toHaveLength(1));
      await aborted.abort();
      await aborted.abort();
      expect(await listDir(tmpDir)).toEqual([]);
    });
  });

  it('removes the spool on an abort that races its creation', async () => {
    await withTempDir(async (tmpDir) => {
      const sink = createSink('csv', { out: collector().out, tmpDir });
      await sink.writeLeads([lead(1)]);
      await sink.abort();
      expect(await listDir(tmpDir)).toEqual([]);
    });
  });

  it('fails the page write when the spool directory does not exist', async () => {
    await withTempDir(async (tmpDir) => {
      const sink = createSink('csv', { out: collector().out, tmpDir: join(tmpDir, 'missing') });
      await expect(async () => {
        await sink.writeLeads([lead(1)]);
        await sink.finish();
      }).rejects.toMatchObject({ code: 'ENOENT' });
      await sink.abort();
    });
  });
});

describe('CSV sink with --columns', () => {
  it('streams the header and each page as they come', async () => {
    const { out, text } = collector();
    const sink = createSink('csv', { out, columns: ['email', 'id', '2', 'missing'] });
    await sink.writeLeads([lead(1, [['2', 'two'], ['email', 'a,b']])]);
    expect(text()).toBe('email,id,2,missing\r\n"a,b",1,two,\r\n');
    await sink.writeLeads([lead(2, { other: 'ignored', email: '=x' })]);
    await sink.finish();
    expect(text()).toBe("email,id,2,missing\r\n\"a,b\",1,two,\r\n'=x,2,,\r\n");
    expect(sink.count).toBe(2);
  });

  it('writes the header alone for an empty export, and nothing without a header', async () => {
    const withHeader = collector();
    const sink = createSink('csv', { out: withHeader.out, columns: ['id', 'email'] });
    await sink.finish();
    expect(withHeader.text()).toBe('id,email\r\n');
    expect(await exportCsv([[lead(1, { email: 'e' })]], { columns: ['email'], header: false })).toBe('e\r\n');
  });
});

describe('CSV for spreadsheets: --delimiter and --bom, read back by Python’s csv module', () => {
  const HOSTILE = ['a,b', 'c;d', 'e\tf', 'g|h', 'say "hi"', 'two\r\nlines', 'lone\rcr', 'lone\nlf', ' padded ', 'Zoë Núñez 🚀', ''];

  it.each([',', ';', '\t', '|'] as const)('quotes exactly what %j needs, streamed and spooled (padded late columns)', async (delimiter) => {
    await withTempDir(async (tmpDir) => {
      const pages = HOSTILE.map((value, i) => [lead(i, i % 2 === 0 ? { a: value } : { a: value, [`late${i}`]: value })]);
      const columns = [...BASE, 'a', ...HOSTILE.map((_, i) => `late${i}`).filter((_, i) => i % 2 === 1)];
      const expected = pages.map(([l]) => {
        const row = columns.map(() => '');
        [String(l!.id), ...BASE_VALUES].forEach((value, i) => (row[i] = value));
        for (const field of l!.lead_data ?? []) row[columns.indexOf(field.field_name)] = String(field.field_value);
        return row;
      });
      for (const fixed of [undefined, columns]) {
        const csv = await exportCsv(pages, { tmpDir, delimiter, escapeFormulas: false, ...(fixed ? { columns: fixed } : {}) }, 7);
        expect(pythonCsvRows(csv, delimiter)).toEqual([columns, ...expected]);
        // Only fields that hold this delimiter, a quote, CR or LF are quoted.
        const quoted = (value: string): boolean => csv.includes(`"${value.replaceAll('"', '""')}"`);
        for (const value of ['a,b', 'c;d', 'e\tf', 'g|h']) expect(quoted(value), value).toBe(value.includes(delimiter));
      }
      expect(await listDir(tmpDir)).toEqual([]);
    });
  });

  it('starts with EF BB BF when asked, before the header or, without one, before the first row', async () => {
    const bytes = async (options: Omit<SinkOptions, 'out'>): Promise<Buffer> => Buffer.from(await exportCsv([[lead(1, { name: 'Zoë' })]], options));
    const withHeader = await bytes({ bom: true, delimiter: ';' });
    expect([...withHeader.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(pythonCsvRows(withHeader, ';')).toEqual([
      [...BASE, 'name'],
      ['1', ...BASE_VALUES, 'Zoë'],
    ]);
    const headless = await bytes({ bom: true, header: false, columns: ['id', 'name'] });
    expect(headless.toString('utf8')).toBe('\uFEFF1,Zoë\r\n');
    expect((await bytes({}))[0]).toBe('i'.charCodeAt(0));
  });
});
