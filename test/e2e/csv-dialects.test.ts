/**
 * CSV that spreadsheets open right: `--delimiter` and `--bom` on export and
 * tail, read back by Python's csv module, and kept by `--state` appends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { pythonCsvRows } from '../python-oracle.js';
import { appendTo, cli, expectedCsvTable, expectOneLineError, expectQuietSuccess, exportArgs, fakeApi, generatedRows, scratch, SLOW } from './fixtures.js';

const BOM = [0xef, 0xbb, 0xbf];
const TAIL = ['leads', 'tail', '-p', '12', '-c', 'abc', '--interval', '0.2'];

describe.concurrent('--delimiter and --bom', SLOW, () => {
  it('export -o: EF BB BF, then the same table as plain CSV, separated by ";"', async ({ expect }) => {
    const api = await fakeApi({ leads: 25 });
    const file = join(scratch(), 'leads.csv');
    expectQuietSuccess(await cli(api, exportArgs('--bom', '--delimiter', ';', '-o', file)));
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual(BOM);
    expect(bytes.subarray(3, 6).toString()).toBe('id;');
    expect(pythonCsvRows(bytes, ';')).toEqual(expectedCsvTable(generatedRows(25)));
  });

  it.for([
    ['tab', '\t'],
    ['|', '|'],
    [',', ','],
  ])('export to stdout with --delimiter %s, no BOM', async ([option, delimiter], { expect }) => {
    const api = await fakeApi({ leads: 12 });
    const result = await cli(api, exportArgs('--delimiter', option!, '--no-escape-formulas'));
    expectQuietSuccess(result);
    expect(result.stdout.startsWith(`id${delimiter}created_at`)).toBe(true);
    expect(pythonCsvRows(result.stdout, delimiter!)).toEqual(expectedCsvTable(generatedRows(12), { escape: false }));
  });

  it('tail --format csv --delimiter tab --bom: BOM once, before the header', async ({ expect }) => {
    const api = await fakeApi({ leads: 25 });
    // Leads are one a minute from 10:30:00, so the replay alone reaches --count.
    const args = [...TAIL, '--format', 'csv', '--delimiter', 'tab', '--bom', '--since', '2025-01-15 10:50:00', '--count', '3'];
    const result = await cli(api, args);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout.startsWith('\uFEFFid\tcreated_at\t')).toBe(true);
    expect(result.stdout.indexOf('\uFEFF', 1)).toBe(-1);
    const rows = pythonCsvRows(result.stdout, '\t');
    expect(rows.map((row) => row[0])).toEqual(['id', 'lead_21', 'lead_22', 'lead_23']);
    expect(rows.slice(1)).toEqual(expectedCsvTable(generatedRows(25, {}, 'asc').slice(20, 23), { header: false }));
  });

  it.for([
    { args: exportArgs('--format', 'jsonl', '--bom'), message: '--bom works with --format csv, not jsonl' },
    { args: exportArgs('-o', 'x.json', '--delimiter', ';', '--bom'), message: '--bom and --delimiter work with --format csv, not json' },
    { args: [...TAIL, '--delimiter', ';'], message: '--delimiter works with --format csv, not jsonl' },
    { args: exportArgs('--delimiter', ':'), message: '--delimiter must be one of , ; tab |, got ":"' },
  ])('refuses with exit 2 and a clear line, before any request: $message', async ({ args, message }, { expect }) => {
    const api = await fakeApi({ leads: 3 });
    expectOneLineError(await cli(api, args, { cwd: scratch() }), 2, message);
    expect(api.leadRequests()).toEqual([]);
  });
});

describe.concurrent('--state appends keep the delimiter and write the BOM only at the start', SLOW, () => {
  it('run 2 without options appends ";" rows and no BOM; a run asking for "," exits 2, state untouched', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const file = join(dir, 'leads.csv');
    const state = join(dir, 'leads.state');
    expect((await appendTo(file, api, exportArgs('--state', state, '--delimiter', ';', '--bom'))).code).toBe(0);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ csv: { delimiter: ';', bom: true } });

    api.addLeads(2, { fields: { note: 'a;b, c' } });
    const second = await appendTo(file, api, exportArgs('--state', state, '--no-header', '--bom'));
    expect({ code: second.code, stderr: second.stderr }).toMatchObject({ code: 0 });
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual(BOM);
    expect(bytes.indexOf(Buffer.from(BOM), 3)).toBe(-1);
    const rows = pythonCsvRows(bytes, ';');
    expect(rows.map((row) => row[0])).toEqual(['id', 'lead_5', 'lead_4', 'lead_3', 'lead_2', 'lead_1', 'lead_7', 'lead_6']);
    expect(rows.at(-1)!.at(-1)).toBe('a;b, c');

    const before = readFileSync(state);
    const refused = await appendTo(file, api, exportArgs('--state', state, '--delimiter', ','));
    expectOneLineError(refused, 2, `--delimiter "," differs from the ";" this state file's CSV was written with`);
    expect(readFileSync(state).equals(before)).toBe(true);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('a file started without a BOM cannot get one later: --bom exits 2', async ({ expect }) => {
    const api = await fakeApi({ leads: 3 });
    const dir = scratch();
    const state = join(dir, 'leads.state');
    expect((await cli(api, exportArgs('--state', state))).code).toBe(0);
    api.addLeads(1);
    expectOneLineError(await cli(api, exportArgs('--state', state, '--bom')), 2, '--bom: the CSV this state file appends to was started without');
  });
});

describe.concurrent('tail --state', SLOW, () => {
  it('--bom: a restarted tail appends without a second BOM', async ({ expect }) => {
    const api = await fakeApi({ leads: 25 });
    const dir = scratch();
    const file = join(dir, 'leads.csv');
    const args = [...TAIL, '--format', 'csv', '--bom', '--state', join(dir, 'tail.state'), '--since', '2025-01-15 10:53:00', '--count', '2'];
    expect((await appendTo(file, api, args)).code).toBe(0);
    api.addLeads(1);
    expect((await appendTo(file, api, [...args.slice(0, -2), '--no-header', '--count', '1'])).code).toBe(0);
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual(BOM);
    expect(bytes.indexOf(Buffer.from(BOM), 3)).toBe(-1);
    expect(pythonCsvRows(bytes, ',').map((row) => row[0])).toEqual(['id', 'lead_24', 'lead_25', 'lead_26']);
  });

  it('a restarted tail continues the same CSV: no second header, the first delimiter and column order; a new field is a new last column', async ({ expect }) => {
    const api = await fakeApi({ leads: 25 });
    const dir = scratch();
    const file = join(dir, 'leads.csv');
    const tail = [...TAIL, '--format', 'csv', '--state', join(dir, 'tail.state')];
    expect((await appendTo(file, api, [...tail, '--delimiter', ';', '--since', '2025-01-15 10:53:00', '--count', '2'])).code).toBe(0);
    api.addLeads(1, { fields: { note: 'a;b, c' } });
    const second = await appendTo(file, api, [...tail, '--count', '1']);
    expect(second.code).toBe(0);
    const header = expectedCsvTable(generatedRows(1))[0]!;
    expect(second.stderr).toBe(`robofy: warning: new column "note" appended after column ${header.length}: the header above and the rows before have no cell for it\n`);
    const rows = pythonCsvRows(readFileSync(file), ';');
    expect(rows.map((row) => row[0])).toEqual(['id', 'lead_24', 'lead_25', 'lead_26']);
    expect(rows[0]).toEqual(header);
    expect(rows[3]).toHaveLength(header.length + 1);
    expect(rows[3]!.at(-1)).toBe('a;b, c');
  });

  it.for([
    { args: ['--delimiter', ','], message: `--delimiter "," differs from the ";" this state file's CSV was written with` },
    { args: ['--columns', 'id,email'], message: "--columns differs from the columns this state file's CSV was written with" },
    { args: ['--bom'], message: '--bom: the CSV this state file appends to was started without a byte-order mark' },
  ])('a restarted tail asking for another CSV exits 2, printing nothing, state untouched: $message', async ({ args, message }, { expect }) => {
    const api = await fakeApi({ leads: 25 });
    const state = join(scratch(), 'tail.state');
    const tail = [...TAIL, '--format', 'csv', '--state', state];
    expect((await cli(api, [...tail, '--delimiter', ';', '--since', '2025-01-15 10:54:00', '--count', '1'])).code).toBe(0);
    const before = readFileSync(state);
    api.addLeads(1);
    const refused = await cli(api, [...tail, ...args, '--count', '1']);
    expectOneLineError(refused, 2, message);
    expect(refused.stdout).toBe('');
    expect(readFileSync(state).equals(before)).toBe(true);
  });
});
