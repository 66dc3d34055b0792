/**
 * `robofy leads tail` end to end: the real CLI (bin/robofy.js, a child
 * process with pipes, so no TTY) against the fake API on 127.0.0.1, which
 * captures leads while the tail runs. Polls every 0.2 s; every test ends on
 * its own through --count or a signal, and a child still running when its
 * test finishes is killed.
 */
import type { ChildProcess } from 'node:child_process';
import { describe, it, type TestContext } from 'vitest';
import { decodePageToken, startFakeApi, type FakeApi, type FakeApiOptions, type GeneratedLead } from '../fake-api/server.js';
import { cli, expectNoKey, expectNoStack, expectOneLineError, fakeApi, parseCsv, type CliResult, jsonlIds } from './fixtures.js';

const TAIL = ['leads', 'tail', '-p', '12', '-c', 'abc', '--interval', '0.2'];
// Generous: a loaded machine can take seconds to start a node process. Each test ends on its own much sooner.
const TEST_TIMEOUT = 30_000;

interface RunningTail {
  /** Resolves when the child exits. */
  result: Promise<CliResult>;
  /** stdout so far. */
  stdout(): string;
  child(): ChildProcess;
}

/** Starts a tail; the child is killed when the test finishes, however it finishes. */
function tail(context: TestContext, api: FakeApi | { url: string }, args: readonly string[], env: Record<string, string | undefined> = {}): RunningTail {
  let child: ChildProcess | undefined;
  let out = '';
  const result = cli(api, [...TAIL, ...args], {
    env,
    timeoutMs: TEST_TIMEOUT,
    onSpawn: (spawned) => {
      child = spawned;
      spawned.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
      });
    },
  });
  context.onTestFinished(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    result,
    stdout: () => out,
    child: () => {
      if (!child) throw new Error('not spawned yet');
      return child;
    },
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Requests for a first page: one per poll (or per retry of a failed poll). */
function pollStarts(api: FakeApi): number {
  return api.leadRequests().filter((request) => request.query.nextPageToken === undefined).length;
}

/** Waits until `polls` more polls have started: the ones before them are done. */
async function waitForPolls(api: FakeApi, polls: number): Promise<void> {
  const target = pollStarts(api) + polls;
  await waitFor(`${polls} more polls`, () => pollStarts(api) >= target);
}

/** The baseline poll is done once the second poll starts. */
async function waitForBaseline(api: FakeApi): Promise<void> {
  await waitFor('the baseline poll', () => pollStarts(api) >= 2);
}

async function waitForLines(running: RunningTail, count: number): Promise<void> {
  await waitFor(`${count} lines on stdout`, () => running.stdout().split('\n').length - 1 >= count);
}

function idsOf(leads: readonly GeneratedLead[]): string[] {
  return leads.map((lead) => lead.row.id);
}

/** Page numbers each poll read, in order: [[1, 2], [1, 2], ...]. */
function pagesPerPoll(api: FakeApi): number[][] {
  const polls: number[][] = [];
  for (const request of api.leadRequests()) {
    const token = request.query.nextPageToken;
    if (token === undefined) polls.push([1]);
    else polls.at(-1)?.push(decodePageToken(token) ?? -1);
  }
  return polls;
}

function stderrLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line !== '');
}

describe.concurrent('robofy leads tail', { timeout: TEST_TIMEOUT }, () => {
  it('prints leads captured after it starts, once each, in capture order; never the old ones', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, ['--count', '5']);
    await waitForBaseline(api);
    const first = api.addLeads(2);
    await waitForLines(running, 2);
    await waitForPolls(api, 2);
    const second = api.addLeads(3);
    const result = await running.result;

    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(jsonlIds(result.stdout)).toEqual(idsOf([...first, ...second]));
    // jsonl by default when piped: the leads as exact JSON, one per line.
    const printed = result.stdout.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(printed[0]).toMatchObject({ id: first[0]?.row.id, created_at: first[0]?.row.created_at, name: first[0]?.row.lead_data[0]?.field_value });
    expectNoKey(result);
  });

  it('--since replays the leads captured since then, oldest first, then follows', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    // Leads are one a minute from 10:30:00: leads 21..25 are at 10:50..10:54.
    const running = tail(context, api, ['--since', '2025-01-15 10:50:00', '--count', '7']);
    await waitForLines(running, 5);
    const added = api.addLeads(2);
    const result = await running.result;

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(jsonlIds(result.stdout)).toEqual(['lead_21', 'lead_22', 'lead_23', 'lead_24', 'lead_25', ...idsOf(added)]);
  });

  it('--count can be reached by the replay alone', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const result = await tail(context, api, ['--since', '2025-01-15 10:50:00', '--count', '3']).result;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(jsonlIds(result.stdout)).toEqual(['lead_21', 'lead_22', 'lead_23']);
  });

  it('prints a late lead (captured before the newest, inside the overlap) once; one older than the overlap is not', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, ['--count', '3']);
    await waitForBaseline(api);
    const newest = api.addLeads(1); // 10:55
    await waitForLines(running, 1);
    const late = api.addLeads(1, { createdAt: '2025-01-15 10:50:30' });
    await waitForLines(running, 2);
    // The documented trade-off: older than the 15m window behind the newest, so taken for one already printed.
    api.addLeads(1, { createdAt: '2025-01-15 10:20:00' });
    await waitForPolls(api, 3);
    const last = api.addLeads(1);
    const result = await running.result;

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(jsonlIds(result.stdout)).toEqual(idsOf([...newest, ...late, ...last]));
  });

  it('an outage of 503s loses nothing, is said once, and its end is said once', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, ['--count', '3', '--retries', '0']);
    await waitForBaseline(api);
    api.setFaults([{ page: 1, kind: 'status', status: 503 }]);
    const during = api.addLeads(2);
    await waitForPolls(api, 4);
    api.setFaults([]);
    await waitForLines(running, 2);
    const after = api.addLeads(1);
    const result = await running.result;

    expect(result.code).toBe(0);
    expect(jsonlIds(result.stdout)).toEqual(idsOf([...during, ...after]));
    const lines = stderrLines(result);
    expect(lines, result.stderr).toHaveLength(2);
    expect(lines[0]).toMatch(/^robofy: warning: the API failed \(503\b.*; still following/);
    expect(lines[1]).toMatch(/^robofy: the API answers again after \d+\.\ds; following resumed$/);
    expectNoStack(result);
  });

  it.for([
    { name: 'one retry absorbs it', retries: [] as string[] },
    { name: 'the tail waits it out', retries: ['--retries', '0'] },
  ])('a server restart loses nothing and reprints nothing ($name)', async ({ retries }, context) => {
    const { expect } = context;
    const options: FakeApiOptions = { leads: 25 };
    const api = await fakeApi(options);
    const running = tail(context, api, ['--count', '3', ...retries]);
    await waitForBaseline(api);
    const before = api.addLeads(1);
    await waitForLines(running, 1);
    await api.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The same leads (and the one printed already), plus two captured while it was down.
    const restarted = await startFakeApi({ ...options, port: Number(new URL(api.url).port) });
    context.onTestFinished(() => restarted.close());
    restarted.addLeads(1);
    const meanwhile = restarted.addLeads(2);
    const result = await running.result;

    expect(result.code).toBe(0);
    expect(jsonlIds(result.stdout)).toEqual(idsOf([...before, ...meanwhile]));
    expect(stderrLines(result).filter((line) => line.includes('warning')).length).toBeLessThanOrEqual(1);
    expectNoStack(result);
  });

  it.for(['SIGINT', 'SIGTERM'] as const)('%s ends it cleanly: output flushed, exit 0, nothing on stderr', async (signal, context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, []);
    await waitForBaseline(api);
    const added = api.addLeads(2);
    await waitForLines(running, 2);
    running.child().kill(signal);
    const result = await running.result;

    expect(result).toEqual({ code: 0, signal: null, stdout: expect.any(String), stderr: '' });
    expect(jsonlIds(result.stdout)).toEqual(idsOf(added));
    expect(result.stdout.endsWith('\n')).toBe(true);
  });

  it('stdout closed by its reader (| head) ends it quietly with 141', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, []);
    await waitForBaseline(api);
    running.child().stdout?.destroy();
    api.addLeads(1);
    const result = await running.result;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 141, stderr: '' });
  });

  it('a signal during a slow poll ends it at once, exit 0', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, []);
    await waitForBaseline(api);
    api.setFaults([{ page: 1, kind: 'hang-headers' }]);
    await waitForPolls(api, 1);
    const started = Date.now();
    running.child().kill('SIGINT');
    const result = await running.result;
    expect(result).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });
    // Well short of the 30 s request timeout: the hanging request was aborted, not waited for.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('--format pretty neutralises escape sequences, controls and bidi overrides in lead values', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, ['--format', 'pretty', '--count', '1']);
    await waitForBaseline(api);
    api.addLeads(1, {
      fields: {
        name: '\x1b[31mred\x1b[0m',
        link: '\x1b]8;;http://x\x07click\x1b]8;;\x07',
        clip: '\x1b]52;c;ZXZpbA==\x07',
        message: 'over\rwrite\x07 and\nnext',
        bidi: 'invoice\u202efdp.exe',
        c1: '\x9b31m',
      },
    });
    const result = await running.result;

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines).toHaveLength(2);
    const line = lines[0] ?? '';
    // Not a single control, C1 or bidi character reaches the terminal; colour is off on a pipe.
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    for (const shown of [
      'name: \\x1b[31mred\\x1b[0m',
      'link: \\x1b]8;;http://x\\x07click\\x1b]8;;\\x07',
      'clip: \\x1b]52;c;ZXZpbA==\\x07',
      'message: over\\rwrite\\x07 and\\nnext',
      'bidi: invoice\\u202efdp.exe',
      'c1: \\x9b31m',
    ]) {
      expect(line).toContain(shown);
    }
    expect(line).toMatch(/^2025-01-15 10:55:00 {2}chatbot {2}lead_26 {2}/);
  });

  it('--format jsonl keeps hostile values exact', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, ['--format', 'jsonl', '--count', '1']);
    await waitForBaseline(api);
    const hostile = { name: '\x1b[31mred', bidi: '\u202e', c1: '\x9b', cr: 'a\rb\x07' };
    api.addLeads(1, { fields: hostile });
    const result = await running.result;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject(hostile);
  });

  it('--format csv: header once; a field that first appears later becomes a new last column, with a warning', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const running = tail(context, api, ['--format', 'csv', '--count', '3']);
    await waitForBaseline(api);
    const [plain] = api.addLeads(1);
    await waitForLines(running, 2);
    const [grown] = api.addLeads(1, { fields: { company: 'ACME' } });
    await waitForLines(running, 3);
    const [again] = api.addLeads(1);
    const result = await running.result;

    expect(result.code).toBe(0);
    const table = parseCsv(result.stdout);
    const header = ['id', 'created_at', 'source', 'page_url', 'ip_address', 'name', 'email', 'phone', 'message'];
    expect(table[0]).toEqual(header);
    expect(table.map((row) => row[0])).toEqual(['id', plain?.row.id, grown?.row.id, again?.row.id]);
    expect(table[1]).toHaveLength(9);
    expect(table[2]).toHaveLength(10);
    expect(table[2]?.[9]).toBe('ACME');
    expect(table[3]).toHaveLength(10);
    expect(table[3]?.[9]).toBe('');
    expect(stderrLines(result)).toEqual([
      'robofy: warning: new column "company" appended after column 9: the header above and the rows before have no cell for it',
    ]);
  });

  it.for([
    { overlap: '15m', pages: [1, 2] },
    { overlap: '5m', pages: [1] },
  ])('on a newest-first listing each poll reads only the pages back to the overlap window (--overlap $overlap)', async ({ overlap, pages }, context) => {
    const { expect } = context;
    // 10 pages of 10 leads, one a minute: a whole read would be 10 requests.
    const api = await fakeApi({ leads: 100, pageSize: 10 });
    const running = tail(context, api, ['--count', '2', '--overlap', overlap]);
    await waitForBaseline(api);
    await waitForPolls(api, 2);
    const [first] = api.addLeads(1);
    await waitForLines(running, 1);
    await waitForPolls(api, 2);
    const [second] = api.addLeads(1);
    const result = await running.result;

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(jsonlIds(result.stdout)).toEqual([first?.row.id, second?.row.id]);
    const polls = pagesPerPoll(api);
    expect(polls.length).toBeGreaterThanOrEqual(5);
    for (const poll of polls) expect(poll).toEqual(pages);
  });

  it('on an oldest-first listing it reads every page, still prints each new lead once, and --verbose says why', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25, pageSize: 10, order: 'asc' });
    const running = tail(context, api, ['--count', '3', '--verbose']);
    await waitForBaseline(api);
    const first = api.addLeads(2);
    await waitForLines(running, 2);
    await waitForPolls(api, 2);
    const second = api.addLeads(1);
    const result = await running.result;

    expect(result.code).toBe(0);
    expect(jsonlIds(result.stdout)).toEqual(idsOf([...first, ...second]));
    const why = stderrLines(result).filter((line) => line.includes('every poll reads every page'));
    expect(why).toEqual(['robofy: the API lists leads oldest first, so a poll cannot stop at leads already seen: every poll reads every page']);
    // Every poll read to the last page (3 of them for 25 to 30 leads).
    for (const poll of pagesPerPoll(api)) expect(poll).toEqual([1, 2, 3]);
    expect(result.stderr).toMatch(/^robofy: poll \d+: 3 pages \(read to the end\), 2 new leads$/m);
  });

  it('--verbose on a newest-first listing says each poll stopped past the overlap window', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 100, pageSize: 10 });
    const running = tail(context, api, ['--count', '1', '--verbose']);
    await waitForBaseline(api);
    api.addLeads(1);
    const result = await running.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^robofy: poll 1: 2 pages \(stopped past the overlap window\), 0 new leads$/m);
    expect(result.stderr).not.toContain('every poll reads every page');
  });

  it.for([
    { name: 'a rejected key (401)', token: 'wrong-token-00000000', chatbot: 'abc', code: 3, message: 'the API rejected the key (401' },
    { name: 'a forbidden key (403)', token: 'forbidden-token-0000', chatbot: 'abc', code: 3, message: 'the API rejected the key (403' },
    { name: 'an unknown chatbot (404)', token: undefined, chatbot: 'nope', code: 4, message: 'project 12 / chatbot nope not found' },
  ])('$name ends it at once with exit $code', async ({ token, chatbot, code, message }, context) => {
    const api = await fakeApi({ leads: 25 });
    const args = ['leads', 'tail', '-p', '12', '-c', chatbot, '--interval', '0.2'];
    const result = await cli(api, args, { env: token === undefined ? {} : { ROBOFY_TOKEN: token }, timeoutMs: TEST_TIMEOUT });
    expectOneLineError(result, code, message);
    context.expect(result.stdout).toBe('');
    context.expect(api.leadRequests()).toHaveLength(1);
  });

  it('--interval below 0.1 s is a usage error', async (context) => {
    const api = await fakeApi({ leads: 1 });
    const result = await cli(api, ['leads', 'tail', '-p', '12', '-c', 'abc', '--interval', '0.05']);
    expectOneLineError(result, 2, '--interval must be a number of seconds of at least 0.1');
    context.expect(api.requests).toEqual([]);
  });
});
