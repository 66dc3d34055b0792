/**
 * `--state`: incremental exports, as cron runs them. Every lead is delivered
 * by exactly one successful run (a failed run delivers nothing for good: the
 * next one delivers again), late leads inside the overlap are not lost, a
 * newest-first listing is read only as far as needed, and one state file
 * serves one run at a time.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { formatLeadTime } from '../fake-api/server.js';
import {
  BASE_COLUMNS,
  appendTo,
  cli,
  expectNoKey,
  expectNoStack,
  expectOneLineError,
  exportArgs,
  fakeApi,
  listDir,
  parseCsv,
  scratch,
  SLOW,
  type CliResult,
  jsonlIds,
} from './fixtures.js';

const MINUTE = 60_000;

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`the export failed (${String(result.code)}): ${result.stderr}`);
  expectNoKey(result);
  return result;
}

/** lead_1 ... lead_n, newest first (the fake's default order). */
function leadIds(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = to; i >= from; i--) out.push(`lead_${i}`);
  return out;
}

/** Leads that start two hours before now, so the state's watermark is where real leads would put it. */
function recentStart(): string {
  return formatLeadTime(Math.floor(Date.now() / 1000) * 1000 - 120 * MINUTE);
}

describe.concurrent('every lead exactly once across runs', SLOW, () => {
  it('run 1 outputs all, run 2 exactly the 3 new ones; appended with >>, the file holds each lead once', async ({ expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10 });
    const dir = scratch();
    const file = join(dir, 'leads.jsonl');
    const state = join(dir, 'leads.state');
    const args = exportArgs('--format', 'jsonl', '--state', state);

    expect(ok(await appendTo(file, api, args)).stderr).toBe('');
    expect(jsonlIds(readFileSync(file, 'utf8'))).toEqual(leadIds(1, 25));
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ version: 1, source: { projectId: 12, chatbotId: 'abc', sessionId: null }, columns: null });

    api.addLeads(3);
    const second = await cli(api, args);
    expect(ok(second).stdout.split('\n')).toHaveLength(4);
    expect(jsonlIds(second.stdout)).toEqual(['lead_28', 'lead_27', 'lead_26']);

    api.addLeads(2);
    ok(await appendTo(file, api, args));
    // Run 2 went to stdout above; the file got runs 1 and 3.
    expect(jsonlIds(readFileSync(file, 'utf8'))).toEqual([...leadIds(1, 25), 'lead_30', 'lead_29']);

    // A run with nothing new outputs nothing, and is still a success.
    const idle = ok(await cli(api, args));
    expect(idle.stdout).toBe('');
    expect(listDir(dir)).toEqual(['leads.jsonl', 'leads.state']);
  });

  it('appending every run with >> builds a file with every lead exactly once', async ({ expect }) => {
    const api = await fakeApi({ leads: 7, pageSize: 3 });
    const dir = scratch();
    const file = join(dir, 'all.jsonl');
    const args = exportArgs('--format', 'jsonl', '--state', join(dir, 's'));
    for (const added of [0, 1, 4, 0, 9]) {
      api.addLeads(added);
      ok(await appendTo(file, api, args));
    }
    const all = jsonlIds(readFileSync(file, 'utf8'));
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(leadIds(1, 21).sort());
  });

  it('a late lead (captured earlier, listed later) inside the overlap is delivered by the next run, once', async ({ expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10 });
    const dir = scratch();
    const args = exportArgs('--format', 'jsonl', '--state', join(dir, 's'));
    ok(await cli(api, args));
    // Between lead_10 and lead_11, 14 minutes behind the newest lead.
    api.addLeads(1, { createdAt: '2025-01-15 10:39:30' });
    expect(jsonlIds(ok(await cli(api, args)).stdout)).toEqual(['lead_26']);
    expect(ok(await cli(api, args)).stdout).toBe('');
  });

  it('with --overlap 10m, a lead later than that is taken for delivered (the documented trade-off); one inside it is not', async ({ expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10 });
    const dir = scratch();
    const state = join(dir, 's');
    ok(await cli(api, exportArgs('--format', 'jsonl', '--state', state, '--overlap', '10m')));
    // The newest lead is 10:54; the window reaches back to 10:44.
    api.addLeads(1, { createdAt: '2025-01-15 10:43:30' });
    api.addLeads(1, { createdAt: '2025-01-15 10:44:30' });
    // The overlap is kept in the state: later runs need not repeat it.
    expect(jsonlIds(ok(await cli(api, exportArgs('--format', 'jsonl', '--state', state))).stdout)).toEqual(['lead_27']);
  });

  it('widening --overlap on a later run catches leads late by more than the old overlap (delivering some again: at least once)', async ({ expect }) => {
    const api = await fakeApi({ leads: 60, pageSize: 10 });
    const dir = scratch();
    const state = join(dir, 's');
    expect(jsonlIds(ok(await cli(api, exportArgs('--format', 'jsonl', '--state', state, '--overlap', '10m'))).stdout)).toHaveLength(60);
    // The newest lead is 11:29: the 10 minute window reaches back to 11:19. This one is 44 minutes late.
    api.addLeads(1, { createdAt: '2025-01-15 10:45:30' });
    api.addLeads(2);
    const wider = jsonlIds(ok(await cli(api, exportArgs('--format', 'jsonl', '--state', state, '--overlap', '2h'))).stdout);
    expect(wider.slice(0, 2)).toEqual(['lead_63', 'lead_62']);
    expect(wider).toContain('lead_61');
    // Leads behind the old window (11:19, ids forgotten) come again; those inside it do not.
    expect(wider).toContain('lead_49');
    expect(wider).not.toContain('lead_50');
    expect(new Set(wider).size).toBe(wider.length);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ delivery: { overlapMs: 2 * 60 * MINUTE } });
    expect(ok(await cli(api, exportArgs('--format', 'jsonl', '--state', state))).stdout).toBe('');
  });

  it('a failed run does not advance the state (bytes unchanged); the next run delivers again', async ({ expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10 });
    const dir = scratch();
    const state = join(dir, 's');
    const args = exportArgs('--format', 'jsonl', '--state', state);
    ok(await cli(api, args));
    const before = readFileSync(state);
    api.addLeads(3);

    // Page 1 (with the 3 new leads) reaches stdout before page 2 fails.
    api.setFaults([{ page: 2, kind: 'status', status: 500 }]);
    const failed = await cli(api, [...args, '--retries', '0']);
    expectOneLineError(failed, 5, 'the API failed (500');
    expect(jsonlIds(failed.stdout).slice(0, 3)).toEqual(['lead_28', 'lead_27', 'lead_26']);
    expect(readFileSync(state).equals(before)).toBe(true);
    expect(listDir(dir)).toEqual(['s']);

    // Killed hard (no cleanup at all): the state is still the old one.
    api.setFaults([{ page: 2, kind: 'hang-headers' }]);
    const killed = await cli(api, args, {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (api.leadRequests().length >= 6) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 20);
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(readFileSync(state).equals(before)).toBe(true);

    // The next clean run delivers the same 3 again (at least once; never lost), and takes over the dead run's lock.
    api.setFaults([]);
    expect(jsonlIds(ok(await cli(api, args)).stdout)).toEqual(['lead_28', 'lead_27', 'lead_26']);
    expect(readFileSync(state).equals(before)).toBe(false);
    expect(ok(await cli(api, args)).stdout).toBe('');
    expect(listDir(dir)).toEqual(['s']);
  });

  it('a lead dated in the future does not swallow the leads after it', async ({ expect }) => {
    const api = await fakeApi({ leads: 20, pageSize: 10, startTime: recentStart() });
    const dir = scratch();
    const args = exportArgs('--format', 'jsonl', '--state', join(dir, 's'));
    api.addLeads(1, { createdAt: '2099-01-01 00:00:00' });
    expect(jsonlIds(ok(await cli(api, args)).stdout)[0]).toBe('lead_21');
    api.addLeads(3);
    expect(jsonlIds(ok(await cli(api, args)).stdout)).toEqual(['lead_24', 'lead_23', 'lead_22']);
  });
});

describe.concurrent('how much a run reads', SLOW, () => {
  it('newest first: once past what earlier runs delivered, a run stops (a page or two of 21)', async ({ expect }) => {
    const api = await fakeApi({ leads: 200, pageSize: 10, order: 'desc' });
    const dir = scratch();
    const args = exportArgs('--format', 'jsonl', '--state', join(dir, 's'));
    const first = ok(await cli(api, [...args, '--overlap', '5m']));
    expect(jsonlIds(first.stdout)).toHaveLength(200);
    expect(api.leadRequests()).toHaveLength(20);

    api.addLeads(3);
    const second = ok(await cli(api, args));
    expect(jsonlIds(second.stdout)).toEqual(['lead_203', 'lead_202', 'lead_201']);
    // Page 1 goes past the window; the next page may already be on its way (prefetch), no more.
    const read = api.leadRequests().length - 20;
    expect(read).toBeGreaterThanOrEqual(1);
    expect(read).toBeLessThanOrEqual(2);
  });

  it('oldest first: every page is read (the order gives no shortcut), and the output is still exactly the new leads', async ({ expect }) => {
    const api = await fakeApi({ leads: 200, pageSize: 10, order: 'asc' });
    const dir = scratch();
    const args = exportArgs('--format', 'jsonl', '--state', join(dir, 's'), '--overlap', '5m');
    expect(jsonlIds(ok(await cli(api, args)).stdout)).toHaveLength(200);
    api.addLeads(3);
    api.addLeads(1, { createdAt: '2025-01-15 13:47:30' });
    const second = ok(await cli(api, args));
    expect(jsonlIds(second.stdout)).toEqual(['lead_204', 'lead_201', 'lead_202', 'lead_203']);
    expect(api.leadRequests()).toHaveLength(20 + 21);
  });
});

describe.concurrent('one run per state file', SLOW, () => {
  it('a second run while the first holds the lock exits 6 with a clear message, asking nothing of the API', async ({ expect }) => {
    // Each page takes 2.5 s: the first run holds the lock for 7.5 s, time enough for a second CLI to start even on a busy machine.
    const api = await fakeApi({ leads: 25, pageSize: 10, latencyMs: 2500 });
    const dir = scratch();
    const state = join(dir, 'leads.state');
    const args = exportArgs('--format', 'jsonl', '--state', state);
    let second: Promise<CliResult> | undefined;
    const first = cli(api, args, {
      onSpawn: () => {
        const poll = setInterval(() => {
          if (api.leadRequests().length >= 1 && second === undefined) {
            clearInterval(poll);
            second = cli(api, args);
          }
        }, 10);
      },
    });
    const firstResult = await first;
    expect(second).toBeDefined();
    const secondResult = await second!;

    expect(jsonlIds(ok(firstResult).stdout)).toHaveLength(25);
    expect(secondResult.stdout).toBe('');
    const line = expectOneLineError(secondResult, 6, `another export is using ${state} (pid `);
    expect(line).toContain(`on ${hostname()}`);
    expect(line).toContain('try again when it ends');
    expect(api.leadRequests()).toHaveLength(3);
    expect(listDir(dir)).toEqual(['leads.state']);
  });

  it('a stale lock left by a dead process is taken over', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const state = join(dir, 'leads.state');
    writeFileSync(`${state}.lock`, JSON.stringify({ pid: 2 ** 30, host: hostname(), startedAt: '2025-01-15T10:00:00.000Z' }));
    const result = ok(await cli(api, exportArgs('--format', 'jsonl', '--state', state)));
    expect(result.stderr).toBe('');
    expect(jsonlIds(result.stdout)).toHaveLength(5);
    expect(listDir(dir)).toEqual(['leads.state']);
  });

  it('a lock from another machine, recent, is respected: exit 6', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const state = join(dir, 'leads.state');
    const lock = JSON.stringify({ pid: 1234, host: 'build-server-7', startedAt: new Date().toISOString() });
    writeFileSync(`${state}.lock`, lock);
    const result = await cli(api, exportArgs('--state', state));
    expectOneLineError(result, 6, `another robofy run is using ${state} (pid 1234 on build-server-7`);
    expect(readFileSync(`${state}.lock`, 'utf8')).toBe(lock);
    expect(api.leadRequests()).toEqual([]);
  });
});

describe.concurrent('csv with a state file', SLOW, () => {
  it('run 2 with --no-header lines up with run 1 columns; a new field becomes the last column, with a warning', async ({ expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10 });
    const dir = scratch();
    const file = join(dir, 'leads.csv');
    const state = join(dir, 'leads.state');
    ok(await appendTo(file, api, exportArgs('--state', state)));
    const header = [...BASE_COLUMNS, 'name', 'email', 'phone', 'message'];
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ columns: header });

    // Two new leads whose form sends its fields in another order, plus a field never seen.
    const fresh = [
      ['new_1', '2025-01-15 11:00:00', 'Ida', 'ida@example.com', '+1 555 0001', 'hello', 'Acme'],
      ['new_2', '2025-01-15 11:01:00', 'Joe', 'joe@example.com', '+1 555 0002', 'hi, there', 'Initech'],
    ].map(([id, created, name, email, phone, message, company]) => ({
      id,
      created_at: created,
      source: 'chatbot',
      page_url: 'https://example.com/form',
      ip_address: '192.0.2.9',
      lead_data: [
        { field_name: 'company', field_type: 'text', field_value: company },
        { field_name: 'message', field_type: 'textarea', field_value: message },
        { field_name: 'phone', field_type: 'phone', field_value: phone },
        { field_name: 'email', field_type: 'email', field_value: email },
        { field_name: 'name', field_type: 'text', field_value: name },
      ],
    }));
    api.setFaults([{ page: 1, kind: 'rows', rows: [fresh[1], fresh[0]] }]);
    const second = await appendTo(file, api, exportArgs('--state', state, '--no-header'));
    expect(second.code).toBe(0);
    expect(second.stderr).toBe(
      'robofy: warning: new column company added after column 9; files appended by earlier runs have no header for them\n',
    );

    const table = parseCsv(readFileSync(file, 'utf8'));
    expect(table[0]).toEqual(header);
    expect(table).toHaveLength(1 + 25 + 2);
    for (const record of table.slice(1, 26)) expect(record).toHaveLength(9);
    const added = table.slice(26).map((record) => Object.fromEntries(record.map((cell, i) => [[...header, 'company'][i]!, cell])));
    expect(added).toEqual([
      { id: 'new_2', created_at: '2025-01-15 11:01:00', source: 'chatbot', page_url: 'https://example.com/form', ip_address: '192.0.2.9', name: 'Joe', email: 'joe@example.com', phone: "'+1 555 0002", message: 'hi, there', company: 'Initech' },
      { id: 'new_1', created_at: '2025-01-15 11:00:00', source: 'chatbot', page_url: 'https://example.com/form', ip_address: '192.0.2.9', name: 'Ida', email: 'ida@example.com', phone: "'+1 555 0001", message: 'hello', company: 'Acme' },
    ]);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ columns: [...header, 'company'] });

    // Run 3: the known columns stay (company too), no new warning.
    api.setFaults([]);
    api.addLeads(1, { createdAt: '2025-01-15 12:00:00' });
    const third = await appendTo(file, api, exportArgs('--state', state, '--no-header'));
    expect({ code: third.code, stderr: third.stderr }).toEqual({ code: 0, stderr: '' });
    const last = parseCsv(readFileSync(file, 'utf8')).at(-1)!;
    expect(last).toHaveLength(10);
    expect([last[0], last[9]]).toEqual(['lead_26', '']);
  });
});

describe.concurrent('state files that cannot be used: exit 2, left untouched', SLOW, () => {
  it('--limit with --state (the skipped leads would be lost)', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const result = await cli(api, exportArgs('--state', join(dir, 's'), '--limit', '2'));
    expectOneLineError(result, 2, '--limit cannot be combined with --state');
    expect(listDir(dir)).toEqual([]);
    expect(api.leadRequests()).toEqual([]);
  });

  it('CSV with --columns other than the ones the state was written with (the appends would not line up)', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const state = join(dir, 's');
    ok(await cli(api, exportArgs('--state', state, '--columns', 'id,name')));
    const before = readFileSync(state);
    api.addLeads(2);
    const requests = api.leadRequests().length;
    const result = await cli(api, exportArgs('--state', state, '--columns', 'id,email'));
    expectOneLineError(result, 2, "--columns differs from the columns this state file's CSV was written with (id,name)");
    expect(readFileSync(state).equals(before)).toBe(true);
    expect(api.leadRequests()).toHaveLength(requests);
    const same = ok(await cli(api, exportArgs('--state', state, '--columns', 'id,name', '--no-header')));
    const rows = parseCsv(same.stdout);
    expect(rows.map((row) => row[0])).toEqual(['lead_7', 'lead_6']);
    expect(rows.every((row) => row.length === 2)).toBe(true);
  });

  it('a state file made for another chatbot', async ({ expect }) => {
    const api = await fakeApi({ leads: 5, projects: { '12': ['abc', 'other'] } });
    const dir = scratch();
    const state = join(dir, 's');
    ok(await cli(api, ['leads', 'export', '-p', '12', '-c', 'other', '--state', state]));
    const before = readFileSync(state);
    const requests = api.leadRequests().length;
    const result = await cli(api, exportArgs('--state', state));
    expectOneLineError(result, 2, `the state file ${state} belongs to project 12 / chatbot other, not to this export; move it away`);
    expect(readFileSync(state).equals(before)).toBe(true);
    expect(listDir(dir)).toEqual(['s']);
    expect(api.leadRequests()).toHaveLength(requests);
  });

  it.for([
    { name: 'cut off', text: '{"version":1,"source":{"projectId":12,"chatbotId":"abc"' , message: 'is not valid JSON' },
    { name: 'not ours', text: '{"hello":"world"}\n', message: 'is not a robofy state file' },
    { name: 'empty', text: '', message: 'is not valid JSON' },
  ])('a corrupt state file ($name)', async ({ text, message }, { expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const state = join(dir, 's');
    writeFileSync(state, text);
    const result = await cli(api, exportArgs('--state', state, '-o', join(dir, 'out.csv')));
    expectOneLineError(result, 2, `the state file ${state} ${message}; move it away to start a fresh incremental export`);
    expectNoStack(result);
    expect(readFileSync(state, 'utf8')).toBe(text);
    expect(listDir(dir)).toEqual(['s']);
    expect(api.leadRequests()).toEqual([]);
  });

  it('a state file in a folder that does not exist', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const state = join(dir, 'missing', 's');
    const result = await cli(api, exportArgs('--state', state));
    expectOneLineError(result, 2, `cannot create the lock file ${state}.lock (ENOENT)`);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});
