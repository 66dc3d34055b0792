import { describe, expect, it } from 'vitest';
import { GrowingCsv, type GrowingCsvOptions } from '../../src/output/growing-csv.js';
import { lead, parseCsv } from './helpers.js';

const BASE = ['id', 'created_at', 'source', 'page_url', 'ip_address'];
const ROW = (id: number): string[] => [String(id), '2025-01-15 10:30:00', 'chat', 'https://example.com/', '10.0.0.1'];

function growing(options: Partial<GrowingCsvOptions> = {}): { csv: GrowingCsv; warnings: [string[], number][] } {
  const warnings: [string[], number][] = [];
  const csv = new GrowingCsv({
    header: true,
    bom: false,
    style: { delimiter: ',', escapeFormulas: true },
    onNewColumns: (names, index) => warnings.push([[...names], index]),
    ...options,
  });
  return { csv, warnings };
}

describe('GrowingCsv', () => {
  it('writes the header once, before the first rows, with every column of that first batch', () => {
    const { csv, warnings } = growing();
    const first = csv.encode([lead(1, { name: 'Ada' }), lead(2, { name: 'Grace', email: 'g@example.com' })]);
    const second = csv.encode([lead(3, { name: 'Alan', email: 'a@example.com' })]);
    expect(parseCsv(first)).toEqual([
      [...BASE, 'name', 'email'],
      [...ROW(1), 'Ada', ''],
      [...ROW(2), 'Grace', 'g@example.com'],
    ]);
    expect(parseCsv(second)).toEqual([[...ROW(3), 'Alan', 'a@example.com']]);
    expect(warnings).toEqual([]);
  });

  it('appends a field that first appears later as a new last column, keeps its value, and reports it', () => {
    const { csv, warnings } = growing();
    const text =
      csv.encode([lead(1, { name: 'Ada' })]) +
      csv.encode([lead(2, { company: 'ACME', name: 'Grace', city: 'Paris' })]) +
      csv.encode([lead(3, { name: 'Alan' })]);
    expect(parseCsv(text)).toEqual([
      [...BASE, 'name'],
      [...ROW(1), 'Ada'],
      // Earlier columns keep their place; the new ones come last, in the order first seen.
      [...ROW(2), 'Grace', 'ACME', 'Paris'],
      [...ROW(3), 'Alan', '', ''],
    ]);
    expect(warnings).toEqual([[['company', 'city'], 6]]);
  });

  it('reports each new column once', () => {
    const { csv, warnings } = growing();
    csv.encode([lead(1, {})]);
    csv.encode([lead(2, { a: '1' })]);
    csv.encode([lead(3, { a: '2' })]);
    csv.encode([lead(4, { a: '3', b: '4' })]);
    expect(warnings).toEqual([
      [['a'], 5],
      [['b'], 6],
    ]);
  });

  it('with fixed --columns: that header, in that order, and nothing added', () => {
    const { csv, warnings } = growing({ columns: ['email', 'id', 'missing'] });
    const text = csv.encode([lead(1, { name: 'Ada', email: 'a@example.com' })]) + csv.encode([lead(2, { extra: 'x' })]);
    expect(parseCsv(text)).toEqual([
      ['email', 'id', 'missing'],
      ['a@example.com', '1', ''],
      ['', '2', ''],
    ]);
    expect(warnings).toEqual([]);
  });

  it('--no-header writes rows only', () => {
    const { csv } = growing({ header: false });
    expect(parseCsv(csv.encode([lead(1, { name: 'Ada' })]) + csv.encode([lead(2, { name: 'Grace' })]))).toEqual([
      [...ROW(1), 'Ada'],
      [...ROW(2), 'Grace'],
    ]);
  });

  it('an empty batch writes nothing, not even the header: that comes with the first lead and its columns', () => {
    const { csv } = growing();
    expect(csv.encode([])).toBe('');
    expect(parseCsv(csv.encode([lead(1, { name: 'Ada' })]))).toEqual([
      [...BASE, 'name'],
      [...ROW(1), 'Ada'],
    ]);
    expect(csv.encode([])).toBe('');
  });

  it('quotes commas, quotes and newlines (RFC 4180, CRLF records) and escapes formulas unless told not to', () => {
    const hostile = { message: 'a, "b"\nc', formula: '=1+1', phone: '+1 415' };
    const escaped = growing().csv.encode([lead(1, hostile)]);
    expect(escaped.endsWith('\r\n')).toBe(true);
    expect(parseCsv(escaped)[1]?.slice(5)).toEqual(['a, "b"\nc', "'=1+1", "'+1 415"]);
    const raw = growing({ style: { delimiter: ',', escapeFormulas: false } }).csv.encode([lead(1, hostile)]);
    expect(parseCsv(raw)[1]?.slice(5)).toEqual(['a, "b"\nc', '=1+1', '+1 415']);
  });

  it('keeps every value of a lead whose fields repeat a name or clash with a base column', () => {
    const { csv } = growing();
    const text = csv.encode([
      lead(1, [
        ['email', 'a@example.com'],
        ['email', 'b@example.com'],
        ['source', 'form'],
      ]),
    ]);
    expect(parseCsv(text)).toEqual([
      [...BASE, 'email', 'email#2', 'lead_data.source'],
      [...ROW(1), 'a@example.com', 'b@example.com', 'form'],
    ]);
  });
});
