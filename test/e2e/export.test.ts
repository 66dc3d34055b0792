/**
 * `robofy leads export` as a user runs it, against the fake API: every lead
 * exactly once, in the API's order, with the values the fake generated, in
 * each format and with each option. Expected output is computed from the
 * fake's own generator, never copied by hand (except the vendor's example).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import {
  SESSION_IDS,
  VENDOR_EXAMPLE_BODY,
  encodePageToken,
  formatLeadTime,
  generateLead,
  type FakeApiOptions,
  type LeadRow,
} from '../fake-api/server.js';
import { apiEnv } from './run-cli.js';
import {
  BASE_COLUMNS,
  HAS_SCRIPT,
  LEADS_PATH,
  cli,
  expectBearerOnAll,
  expectCleanQueries,
  expectNoKey,
  expectQuietSuccess,
  expectedCsvTable,
  exportArgs,
  fakeApi,
  flatEntries,
  generatedRows,
  ids,
  jsonlEntries,
  listDir,
  parseCsv,
  runInTty,
  scratch,
  SLOW,
} from './fixtures.js';

const MINUTE = 60_000;

/** The page tokens the leads requests carried, in order (undefined: first page). */
function tokensSent(api: Awaited<ReturnType<typeof fakeApi>>): (string | undefined)[] {
  return api.leadRequests().map((r) => r.query.nextPageToken);
}

function pageTokens(pages: number, awkward = false): (string | undefined)[] {
  return [undefined, ...Array.from({ length: pages - 1 }, (_, k) => encodePageToken(k + 2, awkward))];
}

/** JSONL as parsed rows: every line one object, each ended by `\n`, no blank line anywhere. */
function rowsFromJsonl(text: string): LeadRow[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`JSONL does not end with a newline: ${JSON.stringify(text.slice(-20))}`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as LeadRow);
}

describe.concurrent('formats of a multi-page listing', SLOW, () => {
  const options: FakeApiOptions = { leads: 23, pageSize: 5 };
  const rows = generatedRows(23);

  it('csv: every lead once, in the API order, values as generated (RFC 4180, CRLF)', async ({ expect }) => {
    const api = await fakeApi(options);
    const result = await cli(api, exportArgs());
    expectQuietSuccess(result);

    const table = parseCsv(result.stdout);
    expect(table[0]).toEqual([...BASE_COLUMNS, 'name', 'email', 'phone', 'message']);
    expect(table).toEqual(expectedCsvTable(rows));
    expect(table.slice(1).map((record) => record[0])).toEqual(ids(rows));
    expect(tokensSent(api)).toEqual(pageTokens(5));
    expect(api.requests.every((r) => r.path === LEADS_PATH && r.method === 'GET')).toBe(true);
    expectBearerOnAll(api);
    expectCleanQueries(api);
  });

  it('jsonl: one flat object per line, columns in order, values unchanged', async ({ expect }) => {
    const api = await fakeApi(options);
    const result = await cli(api, exportArgs('--format', 'jsonl'));
    expectQuietSuccess(result);
    expect(jsonlEntries(result.stdout)).toEqual(rows.map(flatEntries));
    expect(api.leadRequests()).toHaveLength(5);
    expectCleanQueries(api);
  });

  it('json: one array of the same flat objects', async ({ expect }) => {
    const api = await fakeApi(options);
    const result = await cli(api, exportArgs('-f', 'json'));
    expectQuietSuccess(result);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(parsed.map((lead) => Object.entries(lead))).toEqual(rows.map(flatEntries));
    expect(result.stdout.startsWith('[\n') && result.stdout.endsWith('\n]\n')).toBe(true);
  });

  it('an empty listing: csv is the base header, jsonl nothing, json []', async ({ expect }) => {
    const api = await fakeApi({ leads: 0 });
    const [csv, jsonl, json] = await Promise.all([
      cli(api, exportArgs()),
      cli(api, exportArgs('-f', 'jsonl')),
      cli(api, exportArgs('-f', 'json')),
    ]);
    for (const result of [csv, jsonl, json]) expectQuietSuccess(result);
    expect([csv.stdout, jsonl.stdout, json.stdout]).toEqual([`${BASE_COLUMNS.join(',')}\r\n`, '', '[]\n']);
  });
});

describe.concurrent('where the page token is and how the last page says so', SLOW, () => {
  const cases = (['report', 'data', 'both'] as const).flatMap((tokenLocation) =>
    (['null', 'empty', 'missing'] as const).map((lastPageToken) => ({ tokenLocation, lastPageToken, leads: 7 })),
  );
  // A listing that ends exactly on a page boundary.
  cases.push({ tokenLocation: 'data', lastPageToken: 'empty', leads: 6 });

  it.for(cases)('token in $tokenLocation, last page $lastPageToken, $leads leads', async ({ tokenLocation, lastPageToken, leads }, { expect }) => {
    const api = await fakeApi({ leads, pageSize: 3, tokenLocation, lastPageToken });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--raw'));
    expectQuietSuccess(result);
    expect(rowsFromJsonl(result.stdout)).toEqual(generatedRows(leads));
    const pages = Math.ceil(leads / 3);
    expect(tokensSent(api)).toEqual(pageTokens(pages));
    expectCleanQueries(api);
  });
});

describe.concurrent('an empty page that still has a token', SLOW, () => {
  it('does not end the export: the pages after it are read', async ({ expect }) => {
    const api = await fakeApi({ leads: 9, pageSize: 3, faults: [{ page: 2, kind: 'rows', rows: [] }] });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--raw'));
    expectQuietSuccess(result);
    const rows = generatedRows(9);
    expect(rowsFromJsonl(result.stdout)).toEqual([...rows.slice(0, 3), ...rows.slice(6)]);
    expect(tokensSent(api)).toEqual(pageTokens(3));
  });
});

describe.concurrent("the vendor's example response", SLOW, () => {
  it('csv and jsonl of lead_12345 John Doe, exactly; the example token is sent back URL-encoded', async ({ expect }) => {
    const api = await fakeApi({ fixture: 'vendor-example' });
    const [csv, jsonl, raw] = await Promise.all([
      cli(api, exportArgs()),
      cli(api, exportArgs('-f', 'jsonl')),
      cli(api, exportArgs('-f', 'jsonl', '--raw')),
    ]);
    for (const result of [csv, jsonl, raw]) expectQuietSuccess(result);

    expect(csv.stdout).toBe(
      'id,created_at,source,page_url,ip_address,name,email\r\n' +
        'lead_12345,2025-01-15 10:30:00,chatbot,https://example.com/contact,192.168.1.1,John Doe,john@example.com\r\n',
    );
    expect(jsonl.stdout).toBe(
      '{"id":"lead_12345","created_at":"2025-01-15 10:30:00","source":"chatbot","page_url":"https://example.com/contact",' +
        '"ip_address":"192.168.1.1","name":"John Doe","email":"john@example.com"}\n',
    );
    const documented = JSON.parse(VENDOR_EXAMPLE_BODY) as { data: { report: { rows: unknown[] } } };
    expect(rowsFromJsonl(raw.stdout)).toEqual(documented.data.report.rows);

    // Three runs, two requests each: the first page, then the example's token, URL-encoded.
    expect(api.leadRequests().map((r) => r.url).sort()).toEqual([
      ...Array<string>(3).fill(LEADS_PATH),
      ...Array<string>(3).fill(`${LEADS_PATH}?nextPageToken=eyJwYWdlIjoyfQ%3D%3D`),
    ]);
  });
});

describe.concurrent('--raw', SLOW, () => {
  it('jsonl lines are the API rows exactly; json is their array', async ({ expect }) => {
    const hostile = { id: 77, created_at: null, extra: { nested: [1, null, 'x'] }, lead_data: null };
    const api = await fakeApi({ leads: 7, pageSize: 3, faults: [{ page: 3, kind: 'rows', rows: [hostile] }] });
    const expected: unknown[] = [...generatedRows(7).slice(0, 6), hostile];
    const [jsonl, json] = await Promise.all([cli(api, exportArgs('-f', 'jsonl', '--raw')), cli(api, exportArgs('--raw', '-f', 'json'))]);
    expectQuietSuccess(jsonl);
    expectQuietSuccess(json);

    const lines = jsonl.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(expected);
    // Byte for byte what the server rendered, field order included.
    expect(lines).toEqual(expected.map((row) => JSON.stringify(row)));
    expect(JSON.parse(json.stdout)).toEqual(expected);
  });
});

describe.concurrent('columns', SLOW, () => {
  it('fields that appear only on later pages get header columns; earlier rows are padded', async ({ expect }) => {
    const gen = { lateFields: { fromLead: 8, names: ['company', 'source'] } };
    const api = await fakeApi({ leads: 12, pageSize: 4, order: 'asc', ...gen });
    const rows = generatedRows(12, gen, 'asc');
    const [csv, jsonl] = await Promise.all([cli(api, exportArgs()), cli(api, exportArgs('-f', 'jsonl'))]);
    expectQuietSuccess(csv);
    expectQuietSuccess(jsonl);

    const table = parseCsv(csv.stdout);
    expect(table[0]).toEqual([...BASE_COLUMNS, 'name', 'email', 'phone', 'message', 'company', 'lead_data.source']);
    expect(table).toEqual(expectedCsvTable(rows));
    for (const record of table.slice(1, 9)) expect(record.slice(-2)).toEqual(['', '']);
    expect(table[9]?.slice(-2)).toEqual(['company of lead 9', 'source of lead 9']);
    expect(table.every((record) => record.length === 11)).toBe(true);

    const objects = jsonlEntries(jsonl.stdout);
    expect(objects).toEqual(rows.map(flatEntries));
    expect(objects[0]?.map(([key]) => key)).not.toContain('company');
    expect(Object.fromEntries(objects[11] ?? [])).toMatchObject({ source: 'chatbot', 'lead_data.source': 'source of lead 12' });
  });

  it('a field named like a base column becomes lead_data.<name>; a repeated field <name>#2', async ({ expect }) => {
    const api = await fakeApi({ leads: 6, pageSize: 3 });
    const [added] = api.addLeads(1, { fields: { id: 'id typed in the form', created_at: 'yesterday' } });
    const repeated: LeadRow = {
      ...generateLead(2).row,
      lead_data: [
        { field_name: 'name', field_type: 'text', field_value: 'Pat' },
        { field_name: 'email', field_type: 'email', field_value: 'pat@work.example' },
        { field_name: 'email', field_type: 'email', field_value: 'pat@home.example' },
      ],
    };
    api.setFaults([{ page: 2, kind: 'rows', rows: [repeated] }]);
    const all = generatedRows(6);
    const rows = [added!.row, ...all.slice(0, 2), repeated, all[5]!];

    const [csv, jsonl] = await Promise.all([cli(api, exportArgs()), cli(api, exportArgs('-f', 'jsonl'))]);
    expectQuietSuccess(csv);
    expectQuietSuccess(jsonl);
    const table = parseCsv(csv.stdout);
    expect(table[0]).toEqual([...BASE_COLUMNS, 'name', 'email', 'phone', 'message', 'lead_data.id', 'lead_data.created_at', 'email#2']);
    expect(table).toEqual(expectedCsvTable(rows));
    expect(table[1]?.slice(0, 2)).toEqual([added!.row.id, added!.row.created_at]);
    expect(table[1]?.slice(9, 11)).toEqual(['id typed in the form', 'yesterday']);
    expect(table[4]).toEqual([...flatEntries(repeated).slice(0, 5).map(([, v]) => v), 'Pat', 'pat@work.example', '', '', '', '', 'pat@home.example']);

    const objects = jsonlEntries(jsonl.stdout);
    expect(objects).toEqual(rows.map(flatEntries));
    expect(Object.fromEntries(objects[3] ?? [])).toMatchObject({ email: 'pat@work.example', 'email#2': 'pat@home.example' });
  });

  it('--columns created_at,name,email selects and orders, in csv and jsonl', async ({ expect }) => {
    const api = await fakeApi({ leads: 8, pageSize: 3 });
    const rows = generatedRows(8);
    const pick = (row: LeadRow): [string, string][] => {
      const flat = new Map(flatEntries(row));
      return ['created_at', 'name', 'email'].map((name) => [name, flat.get(name) ?? '']);
    };
    const [csv, jsonl, missing] = await Promise.all([
      cli(api, exportArgs('--columns', 'created_at,name,email')),
      cli(api, exportArgs('-f', 'jsonl', '--columns', 'created_at,name,email')),
      cli(api, exportArgs('-f', 'jsonl', '--columns', ' email , no_such_field')),
    ]);
    for (const result of [csv, jsonl, missing]) expectQuietSuccess(result);

    expect(parseCsv(csv.stdout)).toEqual([['created_at', 'name', 'email'], ...rows.map((row) => pick(row).map(([, v]) => v))]);
    expect(jsonlEntries(jsonl.stdout)).toEqual(rows.map(pick));
    expect(jsonlEntries(missing.stdout)).toEqual(rows.map((row) => [['email', new Map(flatEntries(row)).get('email')], ['no_such_field', null]]));
  });

  it('--no-header leaves out the header row only', async ({ expect }) => {
    const api = await fakeApi({ leads: 7, pageSize: 3 });
    const result = await cli(api, exportArgs('--no-header'));
    expectQuietSuccess(result);
    expect(parseCsv(result.stdout)).toEqual(expectedCsvTable(generatedRows(7), { header: false }));
    expect(result.stdout.startsWith('lead_7,')).toBe(true);
  });
});

describe.concurrent('formula neutralisation', SLOW, () => {
  it("csv cells starting with = + - @ get a leading '; jsonl keeps them; --no-escape-formulas turns it off", async ({ expect }) => {
    const api = await fakeApi({ leads: 6, pageSize: 4 });
    const [added] = api.addLeads(1, { fields: { '=HYPERLINK("x")': '@SUM(A1)', note: '-2+3', tabbed: '\tcell' } });
    const rows = [added!.row, ...generatedRows(6)];
    const [csv, plain, jsonl] = await Promise.all([
      cli(api, exportArgs()),
      cli(api, exportArgs('--no-escape-formulas')),
      cli(api, exportArgs('-f', 'jsonl')),
    ]);
    for (const result of [csv, plain, jsonl]) expectQuietSuccess(result);

    const table = parseCsv(csv.stdout);
    expect(table).toEqual(expectedCsvTable(rows));
    const header = table[0] ?? [];
    const column = (name: string): number => header.indexOf(name);
    // The generated lead 6 says "=1+1 ..." and every phone starts with "+".
    const lead6 = table.find((record) => record[0] === 'lead_6') ?? [];
    expect(lead6[column('message')]).toBe("'=1+1 looks like a formula [#6]");
    expect(lead6[column('phone')]).toBe("'+1 415 555 0005");
    expect(header.slice(-3)).toEqual([`'=HYPERLINK("x")`, 'note', 'tabbed']);
    expect(table[1]?.slice(-3)).toEqual(["'@SUM(A1)", "'-2+3", "'\tcell"]);
    for (const record of table.slice(1)) expect(record[column('phone')]?.startsWith("'+1 415 555 0")).toBe(true);

    expect(parseCsv(plain.stdout)).toEqual(expectedCsvTable(rows, { escape: false }));
    const plainLead6 = parseCsv(plain.stdout).find((record) => record[0] === 'lead_6') ?? [];
    expect(plainLead6[column('message')]).toBe(generateLead(5).row.lead_data[3]!.field_value);

    const objects = jsonlEntries(jsonl.stdout).map((entries) => Object.fromEntries(entries));
    expect(objects.find((o) => o.id === 'lead_6')).toMatchObject({ phone: '+1 415 555 0005', message: '=1+1 looks like a formula [#6]' });
    expect(objects[0]).toMatchObject({ '=HYPERLINK("x")': '@SUM(A1)', note: '-2+3', tabbed: '\tcell' });
  });
});

describe.concurrent('--since and --until', SLOW, () => {
  it.for([
    { args: ['--since', '2025-01-15 10:35:00', '--until', '2025-01-15T10:40:00Z'], from: 5, to: 10 },
    { args: ['--since', '2025-01-15T12:45:00+02:00'], from: 15, to: 20 },
    { args: ['--until', '2025-01-15 10:33'], from: 0, to: 3 },
    { args: ['--since', '2025-01-16'], from: 0, to: 0 },
  ])('absolute $args: leads [$from, $to)', async ({ args, from, to }, { expect }) => {
    const api = await fakeApi({ leads: 20, pageSize: 6 });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--raw', ...args));
    expectQuietSuccess(result);
    const expected = generatedRows(20).filter((_, k) => 19 - k >= from && 19 - k < to);
    expect(rowsFromJsonl(result.stdout)).toEqual(expected);
    // The time window filters; it does not stop paging (the API's order is not promised).
    expect(api.leadRequests()).toHaveLength(4);
  });

  // Lead i is created 30 minutes minus 30 s before the start of the test, plus i minutes,
  // so every bound below falls 30 s away from a lead as long as the CLI starts within 30 s.
  it.for([
    { args: ['--since', '1h'], from: 0, to: 30 },
    { args: ['--since', '10m'], from: 20, to: 30 },
    { args: ['--until', '5m'], from: 0, to: 25 },
    { args: ['--since', '20m', '--until', '300s'], from: 10, to: 25 },
    { args: ['--since', '1d', '--until', '1w'], from: 0, to: 0, usage: true },
  ])('relative $args: leads [$from, $to)', async ({ args, from, to, usage }, { expect }) => {
    const startMs = Math.floor(Date.now() / 1000) * 1000 - 30 * MINUTE + 30_000;
    const gen = { startTime: formatLeadTime(startMs) };
    const api = await fakeApi({ leads: 30, pageSize: 7, ...gen });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--raw', ...args));
    expectNoKey(result);
    if (usage) {
      expect(result).toMatchObject({ code: 2, stdout: '', stderr: 'robofy: error: --since must be earlier than --until\n' });
      expect(api.requests).toEqual([]);
      return;
    }
    expectQuietSuccess(result);
    const expected = generatedRows(30, gen).filter((_, k) => 29 - k >= from && 29 - k < to);
    expect(ids(rowsFromJsonl(result.stdout))).toEqual(ids(expected));
    expect(rowsFromJsonl(result.stdout)).toEqual(expected);
  });

  it('keeps a lead whose created_at is not a date, with one warning on stderr (one per run)', async ({ expect }) => {
    const odd = { ...generateLead(0).row, id: 'lead_odd', created_at: 'yesterday' };
    const odder = { ...generateLead(1).row, id: 'lead_odder', created_at: '' };
    const api = await fakeApi({ leads: 4, pageSize: 2, faults: [{ page: 2, kind: 'rows', rows: [odd, odder] }] });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--raw', '--since', '2025-01-15 10:32:00'));
    expect(result.code).toBe(0);
    expectNoKey(result);
    expect(result.stderr).toBe('robofy: warning: lead lead_odd has a created_at that is not a date ("yesterday"); kept\n');
    expect(rowsFromJsonl(result.stdout)).toEqual([...generatedRows(4).slice(0, 2), odd, odder]);
  });
});

describe.concurrent('paging', SLOW, () => {
  it('--limit stops paging once enough leads are written', async ({ expect }) => {
    const api = await fakeApi({ leads: 50, pageSize: 10 });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--raw', '--limit', '15'));
    expectQuietSuccess(result);
    expect(rowsFromJsonl(result.stdout)).toEqual(generatedRows(50).slice(0, 15));
    // Pages 1 and 2 hold the 15 leads; page 3 may have been prefetched; 4 and 5 never asked for.
    const tokens = tokensSent(api);
    expect(tokens.slice(0, 2)).toEqual(pageTokens(2));
    expect(tokens.length).toBeLessThanOrEqual(3);
    expectCleanQueries(api);
  });

  it('--limit in csv, and a limit larger than the listing', async ({ expect }) => {
    const api = await fakeApi({ leads: 12, pageSize: 5 });
    const rows = generatedRows(12);
    const [three, all] = await Promise.all([cli(api, exportArgs('--limit', '3')), cli(api, exportArgs('--limit', '1000', '-f', 'jsonl', '--raw'))]);
    expectQuietSuccess(three);
    expectQuietSuccess(all);
    expect(parseCsv(three.stdout)).toEqual(expectedCsvTable(rows.slice(0, 3)));
    expect(rowsFromJsonl(all.stdout)).toEqual(rows);
  });

  it('--session sends sessionId on every page and exports that session only', async ({ expect }) => {
    const api = await fakeApi({ leads: 23, pageSize: 3 });
    const session = SESSION_IDS[1]!;
    const result = await cli(api, exportArgs('-f', 'jsonl', '--raw', '--session', session));
    expectQuietSuccess(result);
    const expected = generatedRows(23).filter((row) => generateLead(Number(row.id.slice(5)) - 1).sessionId === session);
    expect(ids(expected)).toEqual(['lead_22', 'lead_17', 'lead_12', 'lead_7', 'lead_2']);
    expect(rowsFromJsonl(result.stdout)).toEqual(expected);
    expect(api.leadRequests().map((r) => r.query)).toEqual([
      { sessionId: session },
      { nextPageToken: encodePageToken(2), sessionId: session },
    ]);
    expectCleanQueries(api);
  });

  it('no request carries an empty or "undefined" parameter; the first one has no query at all', async ({ expect }) => {
    const api = await fakeApi({ leads: 5, pageSize: 2 });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--session', ''));
    expectQuietSuccess(result);
    expect(api.leadRequests().map((r) => r.url)).toEqual([
      LEADS_PATH,
      `${LEADS_PATH}?nextPageToken=${encodeURIComponent(encodePageToken(2))}`,
      `${LEADS_PATH}?nextPageToken=${encodeURIComponent(encodePageToken(3))}`,
    ]);
    expectCleanQueries(api);
  });

  it('tokens holding + / = are URL-encoded and come back intact', async ({ expect }) => {
    const api = await fakeApi({ leads: 9, pageSize: 3, awkwardTokens: true });
    const result = await cli(api, exportArgs('-f', 'jsonl', '--raw'));
    expectQuietSuccess(result);
    expect(rowsFromJsonl(result.stdout)).toEqual(generatedRows(9));
    expect(tokensSent(api)).toEqual(pageTokens(3, true));
    for (const request of api.leadRequests().slice(1)) {
      const search = request.url.slice(request.url.indexOf('?') + 1);
      expect(search).toMatch(/%2B/);
      expect(search).toMatch(/%2F/);
      expect(search).toMatch(/%3D%3D$/);
      expect(search.slice('nextPageToken='.length)).not.toMatch(/[+/=]/);
    }
  });

  it('a lead the API sends twice is written once', async ({ expect }) => {
    const api = await fakeApi({ leads: 9, pageSize: 3, faults: [{ page: 1, kind: 'duplicate-rows' }, { page: 3, kind: 'duplicate-rows' }] });
    const rows = generatedRows(9);
    const [csv, jsonl] = await Promise.all([cli(api, exportArgs()), cli(api, exportArgs('-f', 'jsonl', '--raw'))]);
    expectQuietSuccess(csv);
    expectQuietSuccess(jsonl);
    expect(parseCsv(csv.stdout)).toEqual(expectedCsvTable(rows));
    expect(rowsFromJsonl(jsonl.stdout)).toEqual(rows);
  });
});

describe.concurrent('output destination', SLOW, () => {
  it('-o writes the file (the same bytes stdout gets) and nothing on stdout', async ({ expect }) => {
    const api = await fakeApi({ leads: 11, pageSize: 4 });
    const dir = scratch();
    const file = join(dir, 'leads.csv');
    const [toFile, toStdout, toDash] = await Promise.all([cli(api, exportArgs('-o', file)), cli(api, exportArgs()), cli(api, exportArgs('-o', '-'))]);
    for (const result of [toFile, toStdout, toDash]) expectQuietSuccess(result);
    expect(toFile.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(toStdout.stdout);
    expect(toDash.stdout).toBe(toStdout.stdout);
    expect(parseCsv(toStdout.stdout)).toEqual(expectedCsvTable(generatedRows(11)));
    expect(listDir(dir)).toEqual(['leads.csv']);
  });

  it('replaces an existing file atomically: readers see the old content or the whole new one', async ({ expect }) => {
    const api = await fakeApi({ leads: 12, pageSize: 3, latencyMs: 120 });
    const dir = scratch();
    const file = join(dir, 'leads.jsonl');
    const old = '{"old":true}\n';
    writeFileSync(file, old);
    const seen = new Set<string>();
    let poll: NodeJS.Timeout | undefined;
    const result = await cli(api, exportArgs('-o', file, '--raw'), {
      onSpawn: () => {
        poll = setInterval(() => seen.add(readFileSync(file, 'utf8')), 10);
      },
    });
    clearInterval(poll);
    expectQuietSuccess(result);
    const final = generatedRows(12).map((row) => `${JSON.stringify(row)}\n`).join('');
    expect(readFileSync(file, 'utf8')).toBe(final);
    seen.add(readFileSync(file, 'utf8'));
    expect([...seen].every((text) => text === old || text === final), 'a partial file was visible').toBe(true);
    expect(seen.has(old)).toBe(true);
    expect(listDir(dir)).toEqual(['leads.jsonl']);
  });

  it.for([
    { file: 'x.jsonl', args: [], format: 'jsonl' },
    { file: 'x.ndjson', args: [], format: 'jsonl' },
    { file: 'X.JSON', args: [], format: 'json' },
    { file: 'x.txt', args: [], format: 'csv' },
    { file: 'x.jsonl', args: ['-f', 'csv'], format: 'csv' },
  ])('-o $file $args writes $format', async ({ file, args, format }, { expect }) => {
    const api = await fakeApi({ leads: 4, pageSize: 3 });
    const dir = scratch();
    // A relative path, from the folder the CLI runs in.
    const result = await cli(api, exportArgs('-o', file, ...args), { cwd: dir });
    expectQuietSuccess(result);
    expect(result.stdout).toBe('');
    const text = readFileSync(join(dir, file), 'utf8');
    const rows = generatedRows(4);
    if (format === 'csv') expect(parseCsv(text)).toEqual(expectedCsvTable(rows));
    if (format === 'jsonl') expect(jsonlEntries(text)).toEqual(rows.map(flatEntries));
    if (format === 'json') expect((JSON.parse(text) as object[]).map((o) => Object.entries(o))).toEqual(rows.map(flatEntries));
    expect(listDir(dir)).toEqual([file]);
  });
});

describe.concurrent('on a terminal', SLOW, () => {
  it.skipIf(!HAS_SCRIPT)('a spinner, then a one-line summary on stderr; --quiet shows nothing', async ({ expect }) => {
    // Slow enough pages that the spinner draws at least one frame with the progress text.
    const api = await fakeApi({ leads: 11, pageSize: 4, latencyMs: 150 });
    const dir = scratch();
    const env = { ...apiEnv(api.url, scratch()), NO_COLOR: '1' };
    const file = (name: string): string => join(dir, name);
    const [wide, bare, quiet] = await Promise.all([
      runInTty(exportArgs('-o', file('wide.csv')), env, { columns: 100 }),
      // A terminal whose size was never set: 0 columns.
      runInTty(exportArgs('-o', file('bare.csv')), env),
      runInTty(exportArgs('-o', file('quiet.csv'), '--quiet'), env, { columns: 100 }),
    ]);
    for (const result of [wide, bare, quiet]) expectNoKey({ code: result.code, signal: null, stdout: result.screen, stderr: '' });
    const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const summary = (name: string): RegExp => new RegExp(`✓ Exported 11 leads to ${literal(file(name))} in \\d+\\.\\ds \\(3 pages\\)\\r\\n`);
    expect(wide.code).toBe(0);
    expect(wide.screen).toMatch(summary('wide.csv'));
    expect(wide.screen).toContain('Exporting…');
    expect(bare).toMatchObject({ code: 0 });
    expect(bare.screen).toMatch(new RegExp(`^${summary('bare.csv').source}$`));
    expect(quiet).toEqual({ code: 0, screen: '' });
    const expected = expectedCsvTable(generatedRows(11));
    for (const name of ['wide.csv', 'bare.csv', 'quiet.csv']) expect(parseCsv(readFileSync(file(name), 'utf8'))).toEqual(expected);
  });
});
