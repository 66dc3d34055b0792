/**
 * `robofy leads export` over several chatbots, against one fake API that
 * serves several projects and chatbots, each with its own leads and fields.
 * Output is read back by independent parsers (python3's csv module, jq), and
 * expected rows are computed from the fake's own generator.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { generateLead, type ChatbotListing, type FakeApi, type LeadRow, type RecordedRequest } from '../fake-api/server.js';
import { BASE_COLUMNS, SLOW, cli, expectNoKey, expectOneLineError, expectQuietSuccess, fakeApi, flatEntries, listDir, neutralised, scratch } from './fixtures.js';
import { pythonCsvRows, pythonXlsx } from '../python-oracle.js';

/** Three chatbots in two projects, with different forms; one of them grew a field later. */
const CHATBOTS: Record<string, ChatbotListing> = {
  '12/abc': { leads: 12, fields: 2, idPrefix: 'abc_' },
  '12/def': { leads: 9, fields: 4, idPrefix: 'def_', lateFields: { fromLead: 6, names: ['company', 'chatbot_id'] } },
  '31/xyz': { leads: 7, fields: 5, idPrefix: 'xyz_' },
};
const ALL = ['12/abc', '12/def', '31/xyz'];

function multiApi(options: { latencyMs?: number; chatbots?: Record<string, ChatbotListing> } = {}): Promise<FakeApi> {
  return fakeApi({ pageSize: 4, projects: { '12': [], '31': [] }, chatbots: options.chatbots ?? CHATBOTS, latencyMs: options.latencyMs ?? 0 });
}

/** The rows a chatbot's listing serves, newest first; `extra` leads added after the generated ones. */
function rowsOf(key: string, chatbots = CHATBOTS, extra = 0): LeadRow[] {
  const listing = chatbots[key]!;
  const count = (listing.leads ?? 25) + extra;
  return Array.from({ length: count }, (_, i) => generateLead(i, listing).row).reverse();
}

/** A combined record as expected: project_id and chatbot_id first, then the lead as a single export flattens it. */
function combinedEntries(key: string, row: LeadRow): [string, unknown][] {
  const [project, chatbot] = key.split('/');
  const own = flatEntries(row).map(([name, value]): [string, unknown] => [name === 'chatbot_id' ? 'lead_data.chatbot_id' : name, value]);
  return [['project_id', Number(project)], ['chatbot_id', chatbot], ...own];
}

function expectedCombinedCsv(keys: readonly string[]): string[][] {
  const records = keys.flatMap((key) => rowsOf(key).map((row) => combinedEntries(key, row)));
  const columns: string[] = [];
  for (const entries of records) for (const [name] of entries) if (!columns.includes(name)) columns.push(name);
  return [
    columns.map(neutralised),
    ...records.map((entries) => {
      const cells = new Map(entries);
      return columns.map((name) => (cells.has(name) ? neutralised(String(cells.get(name))) : ''));
    }),
  ];
}

/** python3's csv module reads the file: an oracle independent of the CLI's writer. */
function pythonCsv(path: string): string[][] {
  const script = 'import csv, json, sys\nprint(json.dumps(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))))';
  const result = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3 csv failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[][];
}

/** jq reads JSONL or a JSON array and gives each object's [key, value] pairs in its own key order. */
function jqEntries(text: string, filter: '.' | '.[]'): [string, unknown][][] {
  const result = spawnSync('jq', ['-c', `${filter} | [to_entries[] | [.key, .value]]`], { input: text, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`jq failed: ${result.stderr}`);
  return result.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as [string, unknown][]);
}

function leadRequestsOf(api: FakeApi, key: string): RecordedRequest[] {
  return api.leadRequests().filter((request) => request.path === `/v1/ai-agent/leads/${key}`);
}

/** The most requests the server was answering at one moment. */
function peakConcurrency(requests: readonly RecordedRequest[]): number {
  const events = requests.flatMap((r) => [
    { at: r.receivedAt, delta: 1 },
    { at: r.answeredAt ?? Infinity, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let peak = 0;
  for (const event of events) peak = Math.max(peak, (now += event.delta));
  return peak;
}

describe.concurrent('one combined output', SLOW, () => {
  it('csv: project_id and chatbot_id first, the union of columns, grouped in the order given, each lead once (python csv)', async ({ expect }) => {
    const api = await multiApi({ latencyMs: 20 });
    const out = join(scratch(), 'leads.csv');
    // abc named twice (as CHATBOT with -p, and as PROJECT/CHATBOT): read once.
    const result = await cli(api, ['leads', 'export', '-p', '12', '-c', 'abc', '-c', 'def', '-c', '31/xyz', '-c', '12/abc', '-o', out]);
    expectQuietSuccess(result);
    const table = pythonCsv(out);
    expect(table[0]!.slice(0, 2 + BASE_COLUMNS.length)).toEqual(['project_id', 'chatbot_id', ...BASE_COLUMNS]);
    expect(table).toEqual(expectedCombinedCsv(ALL));
    // Each lead once, under its own chatbot.
    const owners = table.slice(1).map((record) => `${record[0]}/${record[1]}:${record[2]}`);
    expect(new Set(owners).size).toBe(owners.length);
    for (const record of table.slice(1)) expect(record[2]!.startsWith(`${record[1]}_`)).toBe(true);
    for (const key of ALL) expect(leadRequestsOf(api, key)).toHaveLength(Math.ceil(rowsOf(key).length / 4));
  });

  it('xlsx: the same header and rows as the combined csv, ids first (python zipfile + xml)', async ({ expect }) => {
    const api = await multiApi();
    const dir = scratch();
    const args = ['leads', 'export', '-c', '12/abc', '-c', '12/def', '-c', '31/xyz', '--no-escape-formulas'];
    expectQuietSuccess(await cli(api, [...args, '-o', join(dir, 'leads.xlsx')]));
    expectQuietSuccess(await cli(api, [...args, '-o', join(dir, 'leads.csv')]));
    const book = pythonXlsx(join(dir, 'leads.xlsx'));
    expect(book.formulaParts).toEqual([]);
    const sheet = book.sheets[0]!.rows.map((row) => row.map((cell) => cell?.value ?? ''));
    const csv = pythonCsv(join(dir, 'leads.csv'));
    expect(sheet[0]).toEqual(csv[0]);
    expect(sheet[0]!.slice(0, 2)).toEqual(['project_id', 'chatbot_id']);
    expect(sheet.slice(1).map((row) => row.slice(0, 3))).toEqual(csv.slice(1).map((row) => row.slice(0, 3)));
  });

  it('jsonl on stdout from --chatbots-from (comments, blank lines, a repeat): the same records, keys in order (jq)', async ({ expect }) => {
    const api = await multiApi({ latencyMs: 10 });
    const list = join(scratch(), 'chatbots.txt');
    writeFileSync(list, '# our sites\n12/abc\n\n  12/def   # the shop\n31/xyz\n12/abc\n');
    const result = await cli(api, ['leads', 'export', '--chatbots-from', list, '--format', 'jsonl']);
    expectQuietSuccess(result);
    const expected = ALL.flatMap((key) => rowsOf(key).map((row) => combinedEntries(key, row)));
    expect(jqEntries(result.stdout, '.')).toEqual(expected);
  });

  it('json: one array of the same records (jq); --raw keeps each lead as sent, after its ids', async ({ expect }) => {
    const api = await multiApi();
    const dir = scratch();
    const [json, raw] = await Promise.all([
      cli(api, ['leads', 'export', '-c', '12/abc', '-c', '31/xyz', '-o', join(dir, 'leads.json')]),
      cli(api, ['leads', 'export', '-c', '12/abc', '-c', '31/xyz', '-f', 'jsonl', '--raw']),
    ]);
    expectQuietSuccess(json);
    expectQuietSuccess(raw);
    const keys = ['12/abc', '31/xyz'];
    expect(jqEntries(readFileSync(join(dir, 'leads.json'), 'utf8'), '.[]')).toEqual(
      keys.flatMap((key) => rowsOf(key).map((row) => combinedEntries(key, row))),
    );
    const rawRecords = raw.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rawRecords).toEqual(keys.flatMap((key) => rowsOf(key).map((row) => ({ project_id: Number(key.split('/')[0]), chatbot_id: key.split('/')[1], ...row }))));
    expect(Object.keys(rawRecords[0]!).slice(0, 3)).toEqual(['project_id', 'chatbot_id', 'id']);
  });

  it('a later chatbot spooled while an earlier one is written keeps numbers exactly as sent (python json)', async ({ expect }) => {
    const body =
      '{"data":{"report":{"rows":[{"id":"n1","created_at":"2025-01-15 10:30:00","lead_data":' +
      '[{"field_name":"big","field_value":12345678901234567890},{"field_name":"price","field_value":1.50}]}],"next_page_token":null}}}';
    const api = await fakeApi({
      pageSize: 4,
      latencyMs: 40,
      projects: { '12': [], '31': [] },
      chatbots: { '12/abc': CHATBOTS['12/abc']!, '31/xyz': { leads: 1 } },
      faults: [{ chatbot: '31/xyz', page: 1, kind: 'body', body }],
    });
    const result = await cli(api, ['leads', 'export', '-c', '12/abc', '-c', '31/xyz', '-f', 'jsonl']);
    expectQuietSuccess(result);
    const last = result.stdout.trim().split('\n').at(-1)!;
    expect(last).toBe(
      '{"project_id":31,"chatbot_id":"xyz","id":"n1","created_at":"2025-01-15 10:30:00","source":null,"page_url":null,"ip_address":null,"big":12345678901234567890,"price":1.50}',
    );
    // python3's json, numbers kept as their text: an oracle that does not round.
    const script = 'import json, sys\nrecord = json.loads(sys.stdin.read(), parse_int=str, parse_float=str)\nprint(json.dumps([record["big"], record["price"]]))';
    const python = spawnSync('python3', ['-c', script], { input: last, encoding: 'utf8' });
    expect(JSON.parse(python.stdout) as unknown).toEqual(['12345678901234567890', '1.50']);
  });

  it('--columns: the ids come first whatever the list says', async ({ expect }) => {
    const api = await multiApi();
    const result = await cli(api, ['leads', 'export', '-c', '12/abc', '-c', '12/def', '-f', 'jsonl', '--columns', 'email,chatbot_id,id']);
    expectQuietSuccess(result);
    const records = jqEntries(result.stdout, '.');
    expect(records[0]!.map(([key]) => key)).toEqual(['project_id', 'chatbot_id', 'email', 'id']);
    expect(records).toHaveLength(rowsOf('12/abc').length + rowsOf('12/def').length);
  });
});

describe.concurrent('one file per chatbot', SLOW, () => {
  it('{project}/{chatbot}: folders made, each file exactly what a single-chatbot export writes', async ({ expect }) => {
    const api = await multiApi({ latencyMs: 10 });
    const dir = scratch();
    const template = join(dir, 'exports', '{project}', '{chatbot}.csv');
    const result = await cli(api, ['leads', 'export', '--concurrency', '2', '-c', '12/abc', '-c', '12/def', '-c', '31/xyz', '-o', template]);
    expectQuietSuccess(result);
    expect(listDir(join(dir, 'exports'))).toEqual(['12', '31']);
    expect(listDir(join(dir, 'exports', '12'))).toEqual(['abc.csv', 'def.csv']);
    const singles = await Promise.all(
      ALL.map((key) => cli(api, ['leads', 'export', '-c', key, '-o', join(dir, `${key.split('/')[1]}-single.csv`)])),
    );
    for (const single of singles) expectQuietSuccess(single);
    for (const key of ALL) {
      const [project, chatbot] = key.split('/') as [string, string];
      const single = join(dir, `${chatbot}-single.csv`);
      const file = join(dir, 'exports', project, `${chatbot}.csv`);
      expect(readFileSync(file, 'utf8')).toBe(readFileSync(single, 'utf8'));
      const table = pythonCsv(file);
      expect(table[0]!.slice(0, BASE_COLUMNS.length)).toEqual([...BASE_COLUMNS]);
      expect(table.slice(1).map((record) => record[0])).toEqual(rowsOf(key).map((row) => row.id));
    }
  });

  it('a template that gives two chatbots one file is refused before any request', async ({ expect }) => {
    const api = await fakeApi({ chatbots: { '12/abc': {}, '31/abc': {} } });
    const result = await cli(api, ['leads', 'export', '-c', '12/abc', '-c', '31/abc', '-o', join(scratch(), '{chatbot}.csv')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('gives 12/abc and 31/abc the same file');
    expect(api.requests).toEqual([]);
  });
});

const six: Record<string, ChatbotListing> = Object.fromEntries(
  ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => [`12/${id}`, { leads: 12, idPrefix: `${id}_` }]),
);
const sixArgs = Object.keys(six).flatMap((key) => ['-c', key]);

describe.concurrent('concurrency', SLOW, () => {

  it.for([
    { flag: [] as string[], limit: 4 },
    { flag: ['--concurrency', '2'], limit: 2 },
  ])('$flag: listings overlap on the server, never more than $limit at once', async ({ flag, limit }, { expect }) => {
    const api = await multiApi({ latencyMs: 60, chatbots: six });
    const result = await cli(api, ['leads', 'export', ...sixArgs, '-f', 'jsonl', ...flag]);
    expectQuietSuccess(result);
    expect(result.stdout.trim().split('\n')).toHaveLength(72);
    const peak = peakConcurrency(api.leadRequests());
    expect(peak).toBeLessThanOrEqual(limit);
    expect(peak).toBeGreaterThanOrEqual(2);
  });

  it('--concurrency outside 1..16 is exit 2 before any request', async ({ expect }) => {
    const api = await multiApi();
    const values = ['0', '17', 'x'];
    const results = await Promise.all(values.map((value) => cli(api, ['leads', 'export', '-c', '12/abc', '-c', '12/def', '--concurrency', value])));
    for (const [i, result] of results.entries()) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--concurrency must be a whole number from 1 to 16, got "${values[i]}"`);
    }
    expect(api.requests).toEqual([]);
  });

});

// Alone (not concurrent with this file's other tests): the fake API runs in this process, and its clock is what is checked.
describe('one rate limit for the run', SLOW, () => {
  it('a 429 on one listing holds back every request of the run until its Retry-After has passed', async ({ expect }) => {
    const api = await fakeApi({
      pageSize: 4,
      latencyMs: 30,
      projects: { '12': [] },
      chatbots: six,
      faults: [{ chatbot: '12/b', page: 2, attempt: 1, kind: 'status', status: 429, retryAfter: '2' }],
    });
    const result = await cli(api, ['leads', 'export', ...sixArgs, '-f', 'jsonl', '--concurrency', '3']);
    expectQuietSuccess(result);
    expect(result.stdout.trim().split('\n')).toHaveLength(72);
    const requests = api.leadRequests();
    const limited = requests.find((r) => r.path.endsWith('/12/b') && r.query.nextPageToken !== undefined);
    const answered = limited!.answeredAt!;
    // Nothing started in the 2 s after the 429 was answered (slack for the CLI to read the 429, and for this
    // process, which runs the fake API, to see a request arrive, on a loaded machine).
    const during = requests.filter((r) => r.receivedAt > answered + 250 && r.receivedAt < answered + 1900);
    expect(during.map((r) => `${r.url} at +${Math.round(r.receivedAt - answered)} ms`)).toEqual([]);
    // And the run went on afterwards, for every listing that was not done.
    expect(requests.filter((r) => r.receivedAt >= answered + 1900).length).toBeGreaterThan(3);
  });
});

describe.concurrent('warnings name the chatbot', SLOW, () => {
  // Bytes that are not UTF-8 and a created_at that is not a date, both in 31/xyz's only lead.
  const body = Buffer.concat([
    Buffer.from('{"data":{"report":{"rows":[{"id":"x1","created_at":"yesterday","lead_data":[{"field_name":"name","field_value":"A'),
    Buffer.from([0xff]),
    Buffer.from('"}]}],"next_page_token":null}}}'),
  ]);
  const expected =
    'robofy: warning: 31/xyz: lead x1 has a created_at that is not a date ("yesterday"); kept\n' +
    'robofy: warning: 31/xyz: the API sent bytes that are not UTF-8 in lead "x1": written as U+FFFD (the replacement character)\n';

  it.for([
    { output: 'combined.jsonl', name: 'combined' },
    { output: '{chatbot}.jsonl', name: 'one file each' },
  ])('$name', async ({ output }, { expect }) => {
    const api = await fakeApi({
      pageSize: 4,
      projects: { '12': [], '31': [] },
      chatbots: { '12/abc': CHATBOTS['12/abc']!, '31/xyz': { leads: 1 } },
      faults: [{ chatbot: '31/xyz', page: 1, kind: 'body', body }],
    });
    const dir = scratch();
    const result = await cli(api, ['leads', 'export', '-c', '12/abc', '-c', '31/xyz', '--since', '2025-01-01', '-o', join(dir, output)]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expected });
  });
});

describe.concurrent('a chatbot that fails', SLOW, () => {
  it('combined: exit 4, the target untouched, stderr names the chatbot and why', async ({ expect }) => {
    const api = await multiApi({ latencyMs: 10 });
    const dir = scratch();
    const out = join(dir, 'leads.csv');
    writeFileSync(out, 'yesterday\n');
    const result = await cli(api, ['leads', 'export', '-c', '12/abc', '-c', '12/gone', '-c', '31/xyz', '-o', out]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^robofy: error: 12\/gone: project 12 \/ chatbot gone not found.*$/m);
    expect(result.stderr).toMatch(/^robofy: error: 1 of 3 chatbots failed; nothing was written to .*leads\.csv/m);
    expect(readFileSync(out, 'utf8')).toBe('yesterday\n');
    expect(listDir(dir)).toEqual(['leads.csv']);
    expectNoKey(result);
  });

  it('template: the other files are written, exit 4, stderr names the chatbot', async ({ expect }) => {
    const api = await multiApi({ latencyMs: 10 });
    const dir = scratch();
    const result = await cli(api, ['leads', 'export', '-c', '12/abc', '-c', '12/gone', '-c', '31/xyz', '-o', join(dir, '{project}-{chatbot}.jsonl')]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^robofy: error: 12\/gone: project 12 \/ chatbot gone not found/m);
    expect(result.stderr).toMatch(/^robofy: error: 1 of 3 chatbots failed; the other chatbots' files were written$/m);
    expect(listDir(dir)).toEqual(['12-abc.jsonl', '31-xyz.jsonl']);
    expect(jqEntries(readFileSync(join(dir, '31-xyz.jsonl'), 'utf8'), '.').map((entries) => entries[0]![1])).toEqual(
      rowsOf('31/xyz').map((row) => row.id),
    );
    expect(existsSync(join(dir, '12-gone.jsonl'))).toBe(false);
  });

  it('--chatbots-from with a malformed line: exit 2 naming the line, no request', async ({ expect }) => {
    const api = await multiApi();
    const list = join(scratch(), 'chatbots.txt');
    writeFileSync(list, '12/abc\n# fine\n12-def\n');
    const result = await cli(api, ['leads', 'export', '--chatbots-from', list]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`robofy: error: ${list} line 3: expected PROJECT/CHATBOT (e.g. 12/abc), got "12-def"\n`);
    expect(api.requests).toEqual([]);
  });
});

describe.concurrent('one state file for every chatbot', SLOW, () => {
  it('three runs: new leads of some chatbots only; an added chatbot starts from nothing, a removed one keeps its entry', async ({ expect }) => {
    const api = await multiApi();
    const dir = scratch();
    const state = join(dir, 'all.state');
    const run = (...keys: string[]) => cli(api, ['leads', 'export', ...keys.flatMap((key) => ['-c', key]), '-f', 'jsonl', '--state', state]);
    const idsOf = (text: string): string[] => jqEntries(text, '.').map((entries) => `${String(entries[1]![1])}:${String(entries[2]![1])}`);
    const expectIds = (key: string, rows: readonly LeadRow[]): string[] => rows.map((row) => `${key.split('/')[1]}:${row.id}`);

    const first = await run('12/abc', '12/def');
    expectQuietSuccess(first);
    expect(idsOf(first.stdout)).toEqual([...expectIds('12/abc', rowsOf('12/abc')), ...expectIds('12/def', rowsOf('12/def'))]);

    api.addLeads(2, { chatbot: '12/abc' });
    const second = await run('12/abc', '12/def', '31/xyz');
    expectQuietSuccess(second);
    expect(idsOf(second.stdout)).toEqual([...expectIds('12/abc', rowsOf('12/abc', CHATBOTS, 2).slice(0, 2)), ...expectIds('31/xyz', rowsOf('31/xyz'))]);
    const afterSecond = JSON.parse(readFileSync(state, 'utf8')) as { chatbots: { source: { chatbotId: string } }[] };
    expect(afterSecond.chatbots.map((entry) => entry.source.chatbotId)).toEqual(['abc', 'def', 'xyz']);

    api.addLeads(1, { chatbot: '12/abc' });
    api.addLeads(3, { chatbot: '12/def' });
    const third = await run('12/abc');
    expectQuietSuccess(third);
    // One chatbot: shaped as a single export (no ids columns).
    expect(jqEntries(third.stdout, '.').map((entries) => entries[0]![1])).toEqual(rowsOf('12/abc', CHATBOTS, 3).slice(0, 1).map((row) => row.id));
    const afterThird = JSON.parse(readFileSync(state, 'utf8')) as typeof afterSecond;
    // def and xyz were not in the run: their entries are byte for byte what the second run left.
    expect(afterThird.chatbots.slice(1)).toEqual(afterSecond.chatbots.slice(1));
    expect(listDir(dir)).toEqual(['all.state']);
  });
});

describe.concurrent('a combined CSV with --state keeps its delimiter and BOM', SLOW, () => {
  it('run 1 with --delimiter ";" --bom; run 2 appends ";" rows without a BOM; "," is refused, state untouched', async ({ expect }) => {
    const api = await multiApi();
    const dir = scratch();
    const state = join(dir, 'all.state');
    const keys = ['12/abc', '12/def'];
    const run = (out: string, ...extra: string[]) =>
      cli(api, ['leads', 'export', ...keys.flatMap((key) => ['-c', key]), '-o', join(dir, out), '--state', state, ...extra]);

    expectQuietSuccess(await run('first.csv', '--delimiter', ';', '--bom'));
    const first = readFileSync(join(dir, 'first.csv'));
    expect([...first.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(pythonCsvRows(first, ';')).toEqual(expectedCombinedCsv(keys));
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ csv: { delimiter: ';', bom: true } });

    api.addLeads(2, { chatbot: '12/abc' });
    expectQuietSuccess(await run('second.csv', '--no-header'));
    const second = readFileSync(join(dir, 'second.csv'));
    expect(second[0]).not.toBe(0xef);
    const newIds = rowsOf('12/abc', CHATBOTS, 2).slice(0, 2).map((row) => row.id);
    expect(pythonCsvRows(second, ';').map((record) => record.slice(0, 3))).toEqual(newIds.map((id) => ['12', 'abc', id]));

    const before = readFileSync(state);
    expectOneLineError(await run('third.csv', '--delimiter', ','), 2, `--delimiter "," differs from the ";" this state file's CSV was written with`);
    expect(readFileSync(state).equals(before)).toBe(true);
    expect(existsSync(join(dir, 'third.csv'))).toBe(false);
  });
});

describe.concurrent('delivery follows one chatbot', SLOW, () => {
  it('export and tail --exec with two chatbots: exit 2 before any request', async ({ expect }) => {
    const api = await multiApi();
    const two = ['-c', '12/abc', '-c', '12/def', '--exec', 'cat'];
    expectOneLineError(await cli(api, ['leads', 'export', ...two]), 2, "--exec delivers one chatbot's leads: give one -c/--chatbot");
    expectOneLineError(await cli(api, ['leads', 'tail', ...two]), 2, '--forward-to and --exec follow one chatbot');
    expect(api.requests).toEqual([]);
  });
});

describe.concurrent('tail over two chatbots', SLOW, () => {
  it('one poll loop each: every new lead once, with its ids; an outage of one is survived', async ({ expect }) => {
    const api = await fakeApi({
      pageSize: 4,
      projects: { '12': [], '31': [] },
      chatbots: { '12/abc': CHATBOTS['12/abc']!, '31/xyz': CHATBOTS['31/xyz']! },
      // xyz's third poll fails: a transient outage of one chatbot only.
      faults: [{ chatbot: '31/xyz', page: 1, attempt: 3, kind: 'status', status: 503 }],
    });
    let out = '';
    const running = cli(api, ['leads', 'tail', '-c', '12/abc', '-c', '31/xyz', '--interval', '0.2', '--count', '5', '-f', 'jsonl', '--retries', '0'], {
      onSpawn: (child) => child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8'))),
    });
    const firstPages = (key: string): number => leadRequestsOf(api, key).filter((r) => r.query.nextPageToken === undefined).length;
    const deadline = Date.now() + 40_000;
    // Both baselines done (a second poll of each has started), and xyz past its failed poll.
    while (firstPages('12/abc') < 2 || firstPages('31/xyz') < 4) {
      if (Date.now() > deadline) throw new Error('the tail did not poll both chatbots');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(out).toBe('');
    const added = [...api.addLeads(2, { chatbot: '12/abc' }).map((lead) => `abc:${lead.row.id}`), ...api.addLeads(3, { chatbot: '31/xyz' }).map((lead) => `xyz:${lead.row.id}`)];
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^robofy: warning: 31\/xyz: .*503/m);
    const records = jqEntries(out, '.');
    expect(records.map((entries) => entries.slice(0, 2).map(([key]) => key))).toEqual(records.map(() => ['project_id', 'chatbot_id']));
    expect(records.map((entries) => `${String(entries[1]![1])}:${String(entries[2]![1])}`).sort()).toEqual(added.sort());
    expect(records.map((entries) => entries[0]![1])).toEqual(records.map((entries) => (entries[1]![1] === 'abc' ? 12 : 31)));
    expectNoKey(result);
  });
});
