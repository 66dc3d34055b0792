/**
 * Bad and hostile API input, through the real CLI. Each shape has one
 * documented outcome: a faithful export (every value written, none dropped
 * or changed) or a one-line error with exit 5 that leaves the output file
 * as it was. Never a crash, never a value silently lost.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { encodePageToken, generateLead, type Fault, type LeadRow } from '../fake-api/server.js';
import {
  BASE_COLUMNS,
  cli,
  expectOneLineError,
  expectReadOnceUpTo,
  expectedCsvTable,
  exportArgs,
  fakeApi,
  generatedRows,
  listDir,
  parseCsv,
  scratch,
  SLOW,
  type CliResult,
} from './fixtures.js';

type Format = 'csv' | 'jsonl' | 'json';

const CREATED = '2025-01-15 10:30:00';

/** A row as the API sends it, with these lead_data fields. */
function row(id: unknown, fields: unknown = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, created_at: CREATED, source: 'chatbot', page_url: 'https://example.com/', ip_address: '192.0.2.1', lead_data: fields, ...extra };
}

function field(name: unknown, value: unknown): Record<string, unknown> {
  return { field_name: name, field_type: 'text', field_value: value };
}

const BASE_VALUES = [CREATED, 'chatbot', 'https://example.com/', '192.0.2.1'];

/** Exports a one-page listing whose rows are exactly `rows`. */
async function exportRows(rows: unknown[], format: Format, args: string[] = []): Promise<CliResult> {
  const api = await fakeApi({ leads: 0, faults: [{ page: 1, kind: 'rows', rows }] });
  return cli(api, exportArgs('--format', format, ...args));
}

/** Exports a one-page listing whose body is exactly these bytes. */
async function exportBody(body: string | Buffer, format: Format, args: string[] = []): Promise<CliResult> {
  // The fake sends a Buffer body byte for byte (bytes a JS string cannot hold, such as invalid UTF-8).
  const api = await fakeApi({ leads: 0, faults: [{ page: 1, kind: 'body', body }] });
  return cli(api, exportArgs('--format', format, ...args));
}

function expectSuccess(result: CliResult): void {
  if (result.code !== 0 || result.stderr !== '') throw new Error(`export failed (${result.code}): ${result.stderr}`);
}

/** JSONL as objects, in order. */
function jsonl(text: string): Record<string, unknown>[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error('JSONL must end with a newline');
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function page(rows: unknown[], token: unknown = null): string {
  return JSON.stringify({ message: 'ok', data: { report: { rows, next_page_token: token } } });
}

describe.concurrent('bodies and rows that cannot be exported: exit 5, one line, the existing file untouched', SLOW, () => {
  const ok = row('lead_x', [field('email', 'x@example.com')]);
  const cases: { name: string; fault: Fault; message: string; retried?: boolean }[] = [
    {
      name: 'an HTML page with status 200',
      fault: { page: 2, kind: 'body', body: '<html><body>Service Unavailable</body></html>', contentType: 'text/html' },
      message: 'malformed response from the API: text/html (HTML?) where JSON was expected (gave up after 1 attempt)',
      retried: true,
    },
    {
      name: 'truncated JSON',
      fault: { page: 2, kind: 'body', body: page([ok]).slice(0, 60) },
      message: 'malformed response from the API: the body is not valid JSON (60 bytes, application/json; truncated?) (gave up after 1 attempt)',
      retried: true,
    },
    {
      name: 'raw (unescaped) control characters inside a JSON string',
      fault: { page: 2, kind: 'body', body: page([ok]).replace('x@example.com', 'x\u0001\u0000y') },
      message: 'malformed response from the API: the body is not valid JSON',
      retried: true,
    },
    { name: '{}', fault: { page: 2, kind: 'body', body: '{}' }, message: 'malformed response from the API: expected a "data" object, got nothing' },
    { name: '[]', fault: { page: 2, kind: 'body', body: '[]' }, message: 'malformed response from the API: expected a JSON object, got an array' },
    { name: 'null', fault: { page: 2, kind: 'body', body: 'null' }, message: 'malformed response from the API: expected a JSON object, got null' },
    {
      name: 'data without a report',
      fault: { page: 2, kind: 'body', body: '{"message":"ok","data":{"rows":[]}}' },
      message: 'malformed response from the API: expected "data.report" to be an object, got nothing',
    },
    {
      name: 'rows that are an object',
      fault: { page: 2, kind: 'body', body: '{"data":{"report":{"rows":{"0":{"id":"a"}}}}}' },
      message: 'malformed response from the API: expected "data.report.rows" to be an array, got an object',
    },
    {
      name: 'rows that are a string',
      fault: { page: 2, kind: 'body', body: '{"data":{"report":{"rows":"[]"}}}' },
      message: 'malformed response from the API: expected "data.report.rows" to be an array, got a string',
    },
    {
      name: 'a row that is a number',
      fault: { page: 2, kind: 'rows', rows: [ok, 7] },
      message: 'malformed response from the API: row 2 is a number, not an object',
    },
    { name: 'a row without id', fault: { page: 2, kind: 'rows', rows: [{ created_at: CREATED }] }, message: 'row 1 has no usable "id" (got nothing)' },
    { name: 'a row with id ""', fault: { page: 2, kind: 'rows', rows: [ok, row('')] }, message: 'row 2 has no usable "id" (got a string)' },
    { name: 'a row with id null', fault: { page: 2, kind: 'rows', rows: [row(null)] }, message: 'row 1 has no usable "id" (got null)' },
    { name: 'a row with id {}', fault: { page: 2, kind: 'rows', rows: [row({})] }, message: 'row 1 has no usable "id" (got an object)' },
    { name: 'a row with id true', fault: { page: 2, kind: 'rows', rows: [row(true)] }, message: 'row 1 has no usable "id" (got a boolean)' },
    {
      name: 'lead_data that is a string',
      fault: { page: 2, kind: 'rows', rows: [row('L1', 'name=Ada')] },
      message: 'lead L1: "lead_data" is a string, not an array',
    },
    {
      name: 'lead_data that is an object',
      fault: { page: 2, kind: 'rows', rows: [row('L1', { name: 'Ada' })] },
      message: 'lead L1: "lead_data" is an object, not an array',
    },
    {
      name: 'a lead_data entry that is not an object',
      fault: { page: 2, kind: 'rows', rows: [row('L1', [field('a', 1), 'b'])] },
      message: 'lead L1: a lead_data entry is a string, not an object',
    },
    {
      name: 'a next_page_token that is an object',
      fault: { page: 2, kind: 'body', body: page([ok], { page: 3 }) },
      message: 'malformed response from the API: "data.report.next_page_token" is an object, not a string',
    },
    {
      name: 'a page token that comes straight back (A, A)',
      fault: { page: 2, kind: 'repeat-token', token: encodePageToken(2) },
      message: `the API sent page token "${encodePageToken(2)}" again after page 2: a pagination loop; stopping`,
    },
  ];

  it.for(cases)('$name', async ({ fault, message, retried }, { expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10, faults: [fault] });
    const dir = scratch();
    const out = join(dir, 'leads.jsonl');
    writeFileSync(out, '{"id":"from an earlier run"}\n');
    const result = await cli(api, exportArgs('-o', out, '--retries', '0'));
    expect(result.stdout).toBe('');
    expectOneLineError(result, 5, message);
    expect(readFileSync(out, 'utf8')).toBe('{"id":"from an earlier run"}\n');
    expect(listDir(dir)).toEqual(['leads.jsonl']);
    // Only an unparsable 2xx body is worth a retry; a well-formed body of the wrong shape is an answer.
    expectReadOnceUpTo(api, fault.page);
    if (retried) expect(result.stderr).toContain('gave up after 1 attempt');
  });
});

describe.concurrent('lead ids quoted on stderr cannot drive the terminal', SLOW, () => {
  // Colour, an OSC 52 clipboard write, a right-to-left override, a C1 CSI and a newline.
  const hostileId = 'L\u001b[31m\u001b]52;c;ZXZpbA==\u0007\u202e\u009b\n1';
  const shown = 'L\\x1b[31m\\x1b]52;c;ZXZpbA==\\x07\\u202e\\x9b\\n1';

  it('in a warning', async ({ expect }) => {
    const odd = { ...generateLead(0).row, id: hostileId, created_at: 'yesterday' };
    const api = await fakeApi({ leads: 2, pageSize: 2, faults: [{ page: 1, kind: 'rows', rows: [odd] }] });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--since', '2025-01-15 10:30:00'));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`robofy: warning: lead ${shown} has a created_at that is not a date ("yesterday"); kept\n`);
    expect(JSON.parse(result.stdout).id).toBe(hostileId);
  });

  it('in an error, with --verbose too', async ({ expect }) => {
    const api = await fakeApi({ leads: 2, pageSize: 2, faults: [{ page: 1, kind: 'rows', rows: [row(hostileId, 'name=Ada')] }] });
    for (const verbose of [[], ['--verbose']]) {
      const result = await cli(api, exportArgs('--retries', '0', ...verbose));
      expect(result.code).toBe(5);
      expect(result.stderr).toContain(`lead ${shown}: "lead_data" is a string, not an array`);
      expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    }
  });
});

describe.concurrent('hostile rows that are exported faithfully', SLOW, () => {
  it('lead_data missing, null or empty, and a row with nothing but an id: base columns only', async ({ expect }) => {
    const { lead_data: _none, ...missing } = row('missing');
    const rows = [missing, row('null', null), row('empty', []), { id: 'bare' }];
    expect(JSON.stringify(rows[0])).not.toContain('lead_data');
    const [csv, lines, json] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl'), exportRows(rows, 'json')]);
    for (const result of [csv, lines, json]) expectSuccess(result);

    expect(parseCsv(csv.stdout)).toEqual([
      [...BASE_COLUMNS],
      ['missing', ...BASE_VALUES],
      ['null', ...BASE_VALUES],
      ['empty', ...BASE_VALUES],
      ['bare', '', '', '', ''],
    ]);
    const base = { created_at: CREATED, source: 'chatbot', page_url: 'https://example.com/', ip_address: '192.0.2.1' };
    const expected = [
      { id: 'missing', ...base },
      { id: 'null', ...base },
      { id: 'empty', ...base },
      { id: 'bare', created_at: null, source: null, page_url: null, ip_address: null },
    ];
    expect(jsonl(lines.stdout)).toEqual(expected);
    expect(JSON.parse(json.stdout)).toEqual(expected);
    // Exactly the base columns, in order, and nothing else.
    for (const object of jsonl(lines.stdout)) expect(Object.keys(object)).toEqual([...BASE_COLUMNS]);
  });

  it('values that are numbers, booleans, null, missing, objects and arrays: unchanged in JSON, their JSON text in CSV', async ({ expect }) => {
    const values: [string, unknown, string][] = [
      ['int', 42, '42'],
      ['float', 3.5, '3.5'],
      ['negative', -7, '-7'],
      ['zero', 0, '0'],
      ['exp', 1e21, '1e+21'],
      ['yes', true, 'true'],
      ['no', false, 'false'],
      ['nothing', null, ''],
      ['object', { a: 1, b: [1, 'two', null] }, '{"a":1,"b":[1,"two",null]}'],
      ['array', [1, 'x'], '[1,"x"]'],
      ['empty', '', ''],
      ['spaces', '  padded  ', '  padded  '],
    ];
    const fields = [...values.map(([name, value]) => field(name, value)), { field_name: 'absent', field_type: 'text' }];
    const rows = [row('types', fields)];
    const [csv, lines, json] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl'), exportRows(rows, 'json')]);
    for (const result of [csv, lines, json]) expectSuccess(result);

    expect(parseCsv(csv.stdout)).toEqual([
      [...BASE_COLUMNS, ...values.map(([name]) => name), 'absent'],
      ['types', ...BASE_VALUES, ...values.map(([, , text]) => text), ''],
    ]);
    const expected = { id: 'types', created_at: CREATED, source: 'chatbot', page_url: 'https://example.com/', ip_address: '192.0.2.1', ...Object.fromEntries(values.map(([n, v]) => [n, v])), absent: null };
    expect(jsonl(lines.stdout)).toEqual([expected]);
    expect(JSON.parse(json.stdout)).toEqual([expected]);
    expect(lines.stdout).toContain('"int":42,"float":3.5,"negative":-7,"zero":0,"exp":1e+21,"yes":true,"no":false,"nothing":null,');
  });

  it('numbers JavaScript cannot hold keep their exact text in every format, base columns and ids included', async ({ expect }) => {
    const literals = ['12345678901234567890', '9007199254740993', '1e400', '-0', '1.50', '0.1'];
    const fields = literals.map((literal, i) => `{"field_name":"n${i}","field_type":"number","field_value":${literal}}`);
    const rowText = (id: string, name: string): string =>
      `{"id":${id},"created_at":1736937000.000,"source":"chatbot","page_url":null,"ip_address":-0,"lead_data":[` +
      `${fields.join(',')},{"field_name":"name","field_type":"text","field_value":"${name}"}]}`;
    // Two ids JavaScript would take for one number: both leads are written.
    const rows = [rowText('12345678901234567891', 'Zoë'), rowText('12345678901234567892', 'Ada')];
    const body = `{"message":"ok","data":{"report":{"rows":[${rows.join(',')}],"next_page_token":null}}}`;
    const [csv, lines, json, raw] = await Promise.all([
      exportBody(body, 'csv'),
      exportBody(body, 'jsonl'),
      exportBody(body, 'json'),
      exportBody(body, 'jsonl', ['--raw']),
    ]);
    for (const result of [csv, lines, json, raw]) expectSuccess(result);

    const numbers = literals.map((literal, i) => `"n${i}":${literal}`).join(',');
    const flat = (id: string, name: string): string =>
      `{"id":${id},"created_at":1736937000.000,"source":"chatbot","page_url":null,"ip_address":-0,${numbers},"name":"${name}"}`;
    expect(lines.stdout).toBe(`${flat('12345678901234567891', 'Zoë')}\n${flat('12345678901234567892', 'Ada')}\n`);
    expect(json.stdout).toBe(`[\n${flat('12345678901234567891', 'Zoë')},\n${flat('12345678901234567892', 'Ada')}\n]\n`);
    expect(raw.stdout).toBe(`${rows[0]}\n${rows[1]}\n`);
    expect(parseCsv(csv.stdout)).toEqual([
      [...BASE_COLUMNS, ...literals.map((_, i) => `n${i}`), 'name'],
      ['12345678901234567891', '1736937000.000', 'chatbot', '', '-0', ...literals, 'Zoë'],
      ['12345678901234567892', '1736937000.000', 'chatbot', '', '-0', ...literals, 'Ada'],
    ]);
  });

  it('a 1.5 MB value full of commas, quotes, CRLF and non-ASCII is exported intact in every format', async ({ expect }) => {
    const unit = 'Zoë said "hi, there",\r\nthen ☕ and 𝄞; ';
    const huge = unit.repeat(Math.ceil((1.5 * 1024 * 1024) / Buffer.byteLength(unit)));
    expect(Buffer.byteLength(huge)).toBeGreaterThan(1.5 * 1024 * 1024);
    const rows = [row('big', [field('notes', huge), field('email', 'big@example.com')]), row('small', [field('email', 's@example.com')])];
    const [csv, lines, json] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl'), exportRows(rows, 'json')]);
    for (const result of [csv, lines, json]) expectSuccess(result);

    const table = parseCsv(csv.stdout);
    expect(table[0]).toEqual([...BASE_COLUMNS, 'notes', 'email']);
    expect(table[1]![5] === huge, 'the CSV cell differs from the value').toBe(true);
    expect(table[2]).toEqual(['small', ...BASE_VALUES, '', 's@example.com']);
    const [big] = jsonl(lines.stdout);
    expect(big!.notes === huge, 'the JSONL value differs').toBe(true);
    expect((JSON.parse(json.stdout) as { notes?: string }[])[0]!.notes === huge, 'the JSON value differs').toBe(true);
  });

  it('field names that are empty, blank, null or absent become (unnamed), (unnamed)#2, ...; base names and repeats are kept apart', async ({ expect }) => {
    const fields = [
      field('', 'empty name'),
      field('   ', 'blank name'),
      field(null, 'null name'),
      { field_type: 'text', field_value: 'no name' },
      field('id', 'a field called id'),
      field('email', 'first'),
      field('email', 'second'),
    ];
    const rows = [row('names', fields)];
    const [csv, lines] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl')]);
    for (const result of [csv, lines]) expectSuccess(result);
    const columns = ['(unnamed)', '(unnamed)#2', '(unnamed)#3', '(unnamed)#4', 'lead_data.id', 'email', 'email#2'];
    const values = ['empty name', 'blank name', 'null name', 'no name', 'a field called id', 'first', 'second'];
    expect(parseCsv(csv.stdout)).toEqual([
      [...BASE_COLUMNS, ...columns],
      ['names', ...BASE_VALUES, ...values],
    ]);
    expect(Object.entries(jsonl(lines.stdout)[0]!)).toEqual([
      ['id', 'names'],
      ['created_at', CREATED],
      ['source', 'chatbot'],
      ['page_url', 'https://example.com/'],
      ['ip_address', '192.0.2.1'],
      ...columns.map((c, i) => [c, values[i]]),
    ]);
  });

  it('names like __proto__, "2" and "=cmd" keep their place and their value (JSON text checked as written)', async ({ expect }) => {
    const rows = [row('keys', [field('__proto__', 'p'), field('constructor', 'c'), field('2', 'two'), field('10', 'ten'), field('=cmd', 'formula name')])];
    const [csv, lines] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl')]);
    for (const result of [csv, lines]) expectSuccess(result);
    expect(lines.stdout).toBe(
      '{"id":"keys","created_at":"2025-01-15 10:30:00","source":"chatbot","page_url":"https://example.com/","ip_address":"192.0.2.1",' +
        '"__proto__":"p","constructor":"c","2":"two","10":"ten","=cmd":"formula name"}\n',
    );
    // Column names are user data: a formula-like one is neutralised in the header like any cell.
    expect(parseCsv(csv.stdout)[0]).toEqual([...BASE_COLUMNS, '__proto__', 'constructor', '2', '10', "'=cmd"]);
  });

  it('10,000 distinct field names in one lead: the CSV header has them all, in order, with every value', async ({ expect }) => {
    const names = Array.from({ length: 10_000 }, (_, i) => `field ${String(i).padStart(5, '0')}`);
    const rows = [row('wide', names.map((name, i) => field(name, `v${i}`))), row('narrow', [field('field 09999', 'last only')])];
    const [csv, lines] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl')]);
    for (const result of [csv, lines]) expectSuccess(result);
    const table = parseCsv(csv.stdout);
    expect(table).toHaveLength(3);
    expect(table[0]).toEqual([...BASE_COLUMNS, ...names]);
    expect(table[1]).toEqual(['wide', ...BASE_VALUES, ...names.map((_, i) => `v${i}`)]);
    expect(table[2]).toEqual(['narrow', ...BASE_VALUES, ...names.map((_, i) => (i === 9999 ? 'last only' : ''))]);
    const [wide] = jsonl(lines.stdout);
    expect(Object.keys(wide!)).toEqual([...BASE_COLUMNS, ...names]);
  });

  it('control characters in values (escaped in the JSON) come out as the same characters', async ({ expect }) => {
    const values = [
      'nul\u0000inside',
      'bell\u0007',
      'esc \u001b[31mred\u001b[0m',
      'del\u007f',
      'nel\u0085',
      'line sep\u2028para sep\u2029',
      'cr\ronly',
      'crlf\r\nand lf\nend',
      'tab\tinside',
      '\u0000 first',
      'bom\ufeff',
    ];
    const rows = [row('ctl', values.map((value, i) => field(`c${i}`, value)))];
    const [csv, lines, json] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl'), exportRows(rows, 'json')]);
    for (const result of [csv, lines, json]) expectSuccess(result);
    expect(parseCsv(csv.stdout)[1]).toEqual(['ctl', ...BASE_VALUES, ...values]);
    const expected = Object.fromEntries(values.map((value, i) => [`c${i}`, value]));
    expect(jsonl(lines.stdout)[0]).toMatchObject(expected);
    expect((JSON.parse(json.stdout) as Record<string, unknown>[])[0]).toMatchObject(expected);
    // JSON escapes them: a JSONL line stays one line.
    expect(lines.stdout.split('\n')).toHaveLength(2);
  });

  it('a value that starts with a tab or CR is formula-neutralised in CSV only', async ({ expect }) => {
    const rows = [row('lead', [field('a', '\tcmd'), field('b', '\r\nx'), field('c', '@SUM(1)')])];
    const [csv, lines] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl')]);
    expect(parseCsv(csv.stdout)[1]!.slice(5)).toEqual(["'\tcmd", "'\r\nx", "'@SUM(1)"]);
    expect(jsonl(lines.stdout)[0]).toMatchObject({ a: '\tcmd', b: '\r\nx', c: '@SUM(1)' });
  });

  it('invalid UTF-8 bytes in a value and in a field name are decoded to U+FFFD, nothing dropped', async ({ expect }) => {
    const invalid = Buffer.from([
      0x41, 0xff, 0x42, // a byte that never starts anything
      0xc3, 0x28, 0x43, // a lead byte followed by ASCII
      0xe2, 0x82, 0x44, // a 3-byte sequence cut short
      0xf0, 0x9f, 0x98, 0x45, // a 4-byte sequence cut short
      0xed, 0xa0, 0x80, 0x46, // an encoded surrogate
      0xc0, 0xaf, 0x47, // an overlong "/"
      0xf4, 0x90, 0x80, 0x80, 0x48, // above U+10FFFF
    ]);
    const decoded = 'A\uFFFDB\uFFFD(C\uFFFDD\uFFFDE\uFFFD\uFFFD\uFFFDF\uFFFD\uFFFDG\uFFFD\uFFFD\uFFFD\uFFFDH';
    const head = Buffer.from(
      '{"message":"ok","data":{"report":{"rows":[{"id":"utf8","created_at":"2025-01-15 10:30:00","source":"chatbot",' +
        '"page_url":"https://example.com/","ip_address":"192.0.2.1","lead_data":[{"field_name":"name","field_type":"text","field_value":"',
    );
    const mid = Buffer.from('"},{"field_name":"x');
    const tail = Buffer.from('y","field_type":"text","field_value":"ok ✓"}]}],"next_page_token":null}}}');
    const body = Buffer.concat([head, invalid, mid, Buffer.from([0xfe]), tail]);
    const [csv, lines] = await Promise.all([exportBody(body, 'csv'), exportBody(body, 'jsonl')]);
    for (const result of [csv, lines]) {
      expect(result.code).toBe(0);
      // One warning naming the lead, however many bad bytes.
      expect(result.stderr).toBe('robofy: warning: the API sent bytes that are not UTF-8 in lead "utf8": written as U+FFFD (the replacement character)\n');
    }
    expect(parseCsv(csv.stdout)).toEqual([
      [...BASE_COLUMNS, 'name', 'x\uFFFDy'],
      ['utf8', ...BASE_VALUES, decoded, 'ok ✓'],
    ]);
    expect(jsonl(lines.stdout)).toEqual([
      { id: 'utf8', created_at: CREATED, source: 'chatbot', page_url: 'https://example.com/', ip_address: '192.0.2.1', name: decoded, 'x\uFFFDy': 'ok ✓' },
    ]);
  });

  it('a lone surrogate stays the same escape in JSONL and JSON; in CSV it is U+FFFD, said once', async ({ expect }) => {
    const rows = (id: string): string =>
      `{"id":"${id}","created_at":"${CREATED}","source":"chatbot","page_url":"https://example.com/","ip_address":"192.0.2.1",` +
      `"lead_data":[{"field_name":"note","field_type":"text","field_value":"a\\ud83db"},{"field_name":"pair","field_type":"text","field_value":"\\ud83d\\ude00"}]}`;
    const body = `{"message":"ok","data":{"report":{"rows":[${rows('s1')},${rows('s2')}],"next_page_token":null}}}`;
    const [csv, lines, json, raw] = await Promise.all([
      exportBody(body, 'csv'),
      exportBody(body, 'jsonl'),
      exportBody(body, 'json'),
      exportBody(body, 'json', ['--raw']),
    ]);
    for (const result of [lines, json, raw]) expectSuccess(result);
    const flat = (id: string): string =>
      `{"id":"${id}","created_at":"${CREATED}","source":"chatbot","page_url":"https://example.com/","ip_address":"192.0.2.1","note":"a\\ud83db","pair":"😀"}`;
    expect(lines.stdout).toBe(`${flat('s1')}\n${flat('s2')}\n`);
    expect(json.stdout).toBe(`[\n${flat('s1')},\n${flat('s2')}\n]\n`);
    expect(raw.stdout).toContain('"field_value":"a\\ud83db"');
    expect(csv.code).toBe(0);
    expect(csv.stderr).toBe(
      'robofy: warning: lead "s1" holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which UTF-8 cannot carry: ' +
        'written to the CSV as U+FFFD (JSONL and JSON keep the escape)\n',
    );
    expect(parseCsv(csv.stdout).slice(1)).toEqual([
      ['s1', ...BASE_VALUES, 'a\uFFFDb', '😀'],
      ['s2', ...BASE_VALUES, 'a\uFFFDb', '😀'],
    ]);
  });

  it('the same lead on two pages (even with other content the second time) is written once, the first copy', async ({ expect }) => {
    // Page 2 starts with lead_25 (already on page 1) again, changed, then its own rows.
    const again = { ...generateLead(24).row, source: 'changed' };
    const page2 = [again, ...generatedRows(25).slice(10, 20)];
    const faults: Fault[] = [{ page: 2, kind: 'rows', rows: page2 }];
    const [csvApi, jsonlApi] = await Promise.all([fakeApi({ leads: 25, pageSize: 10, faults }), fakeApi({ leads: 25, pageSize: 10, faults })]);
    const [csv, lines] = await Promise.all([cli(csvApi, exportArgs()), cli(jsonlApi, exportArgs('--format', 'jsonl'))]);
    for (const result of [csv, lines]) expectSuccess(result);
    expect(parseCsv(csv.stdout)).toEqual(expectedCsvTable(generatedRows(25)));
    const objects = jsonl(lines.stdout);
    expect(objects.map((o) => o.id)).toEqual(generatedRows(25).map((r: LeadRow) => r.id));
    expect(objects[0]).toMatchObject({ id: 'lead_25', source: 'chatbot' });
  });

  it('ids 42 and "42" are the same lead; a numeric id is written as the number it was', async ({ expect }) => {
    const rows = [row(42, [field('n', 'first')]), row('42', [field('n', 'second')]), row(7.5, [field('n', 'fraction')])];
    const [csv, lines] = await Promise.all([exportRows(rows, 'csv'), exportRows(rows, 'jsonl')]);
    for (const result of [csv, lines]) expectSuccess(result);
    expect(parseCsv(csv.stdout).slice(1).map((r) => [r[0], r[5]])).toEqual([
      ['42', 'first'],
      ['7.5', 'fraction'],
    ]);
    expect(lines.stdout.split('\n').map((line) => line.slice(0, 10))).toEqual(['{"id":42,"', '{"id":7.5,', '']);
  });

  it('--raw writes hostile rows back exactly as parsed (values, odd members, key order)', async ({ expect }) => {
    const rows = [
      { ...row('raw', [field('', null), field('n', { deep: [1, { x: '\u0000' }] })]), extra_member: [true], created_at: 'not a date' },
      { id: 'minimal' },
    ];
    const result = await exportRows(rows, 'jsonl', ['--raw']);
    expectSuccess(result);
    expect(result.stdout).toBe(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  });
});
