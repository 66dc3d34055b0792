/**
 * `robofy leads tail --state`: a tail killed outright (SIGKILL, no cleanup)
 * and started again with the same state file prints exactly what was
 * captured while it was down, and nothing it had printed. The state file is
 * read with JSON.parse to know what the first run had saved before it died.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { GeneratedLead } from '../fake-api/server.js';
import { pythonCsvRows } from '../python-oracle.js';
import { expectNoKey, expectOneLineError, fakeApi, scratch, jsonlIds } from './fixtures.js';
import { crash, pollStarts, startCli, waitFor, type RunningCli } from './running-cli.js';

const TAIL = ['leads', 'tail', '-p', '12', '-c', 'abc', '--interval', '0.2'];

function idsOf(leads: readonly GeneratedLead[]): string[] {
  return leads.map((lead) => lead.row.id);
}

/** The ids the state file says were printed (those inside its overlap window). */
function savedIds(state: string): string[] {
  try {
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { delivery: { recent: [number, string][] } };
    return saved.delivery.recent.map(([, id]) => id);
  } catch {
    return [];
  }
}

async function waitForLines(running: RunningCli, count: number): Promise<void> {
  await waitFor(`${count} lines on stdout`, () => jsonlIds(running.stdout()).length >= count);
}

describe.concurrent('robofy leads tail --state', { timeout: 40_000 }, () => {
  it('killed with SIGKILL and restarted, prints exactly the leads captured meanwhile', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const state = join(scratch(), 'abc.tail');
    const first = startCli(context, api, [...TAIL, '--state', state]);
    // The first run saves its baseline: a restart resumes from it rather than starting afresh.
    await waitFor('the baseline saved', () => savedIds(state).length > 0);
    const printed = api.addLeads(2);
    await waitForLines(first, 2);
    await waitFor('the printed leads saved', () => idsOf(printed).every((id) => savedIds(state).includes(id)));
    await crash(first);

    const meanwhile = [...api.addLeads(2), ...api.addLeads(1, { createdAt: '2025-01-15 10:54:30' })];
    const second = startCli(context, api, [...TAIL, '--state', state, '--count', '4']);
    await waitForLines(second, 3);
    const after = api.addLeads(1);
    const result = await second.result;

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(jsonlIds(first.stdout())).toEqual(idsOf(printed));
    // Oldest first: the late lead (10:54:30) comes before the two captured after the first run's.
    expect(jsonlIds(result.stdout)).toEqual(idsOf([meanwhile[2]!, meanwhile[0]!, meanwhile[1]!, ...after]));
    expectNoKey(result);
  });

  it('a first run with --since prints the replay, and a restart does not print it again', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const state = join(scratch(), 'abc.tail');
    const first = await startCli(context, api, [...TAIL, '--state', state, '--since', '2025-01-15 10:51:00', '--count', '3']).result;
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(jsonlIds(first.stdout)).toEqual(['lead_22', 'lead_23', 'lead_24']);

    // --count stopped it before lead_25: the restart owes it; --since is for the first run only.
    const second = startCli(context, api, [...TAIL, '--state', state, '--since', '2025-01-15 10:30:00', '--count', '2']);
    await waitFor('the first poll', () => pollStarts(api) >= 3);
    const added = api.addLeads(1);
    const result = await second.result;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(jsonlIds(result.stdout)).toEqual(['lead_25', ...idsOf(added)]);
  });

  it('a CSV tail stopped before printing a lead: the restart starts the CSV, header and all', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const state = join(scratch(), 'abc.tail');
    const csvTail = [...TAIL, '--format', 'csv', '--delimiter', ';', '--state', state];
    const first = startCli(context, api, csvTail);
    await waitFor('the baseline saved', () => savedIds(state).length > 0);
    first.child().kill('SIGTERM');
    expect(await first.result).toMatchObject({ code: 0, stdout: '' });

    const added = api.addLeads(1);
    const second = await startCli(context, api, [...csvTail, '--count', '1']).result;
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(pythonCsvRows(second.stdout, ';').map((row) => row[0])).toEqual(['id', ...idsOf(added)]);
  });

  it('a second tail on the same state file exits 6 and leaves the first running', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const state = join(scratch(), 'abc.tail');
    const first = startCli(context, api, [...TAIL, '--state', state]);
    await waitFor('the baseline saved', () => savedIds(state).length > 0);
    const second = await startCli(context, api, [...TAIL, '--state', state]).result;
    expectOneLineError(second, 6, `another tail is using ${state} (pid ${first.child().pid}`);
    const added = api.addLeads(1);
    await waitForLines(first, 1);
    expect(jsonlIds(first.stdout())).toEqual(idsOf(added));
    first.child().kill('SIGTERM');
    expect((await first.result).code).toBe(0);
  });
});
