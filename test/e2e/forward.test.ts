/**
 * `--forward-to`: the real CLI POSTs leads to a real receiver on 127.0.0.1
 * that checks every signature with the `standardwebhooks` package and fails
 * on demand. Retries wait 50 ms (`--retry-wait 0.05`), so failures cost little.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import {
  FAST,
  HEADER_VALUE,
  SECRET,
  cli,
  expectNoStack,
  expectNothingSecret,
  expectOneLineError,
  exportArgs,
  fakeApi,
  flatEntries,
  forward,
  generatedRows,
  idsOf,
  leadRange,
  listDir,
  receiver,
  scratch,
  SLOW,
  type CliResult,
} from './fixtures.js';
import { crash, pollStarts, startCli, waitFor } from './running-cli.js';

function deliveryLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));
}

describe.concurrent('robofy leads export --forward-to', { timeout: 60_000 }, () => {
  it('POSTs each lead once, oldest first, signed, its body exactly its JSONL line; stdout stays empty', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const to = await receiver(context);
    const result = await forward(api, to, ['-H', `Authorization: ${HEADER_VALUE}`, '-H', 'X-Tenant: acme']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(to.requests.every((request) => request.verified)).toBe(true);
    expect(idsOf(to.delivered())).toEqual(leadRange(1, 25));
    // The body is the flattened lead, keys in column order.
    const rows = generatedRows(25, {}, 'asc');
    to.requests.forEach((request, i) => expect(Object.entries(JSON.parse(request.body) as object)).toEqual(flatEntries(rows[i]!)));
    const first = to.requests[0]!.headers;
    expect(first).toMatchObject({ 'content-type': 'application/json', authorization: HEADER_VALUE, 'x-tenant': 'acme' });
    expect(first['user-agent']).toMatch(/^robofy-cli\/\d+\.\d+\.\d+/);
    expect(new Set(to.requests.map((request) => request.headers['webhook-id'])).size).toBe(25);
    // One line per delivery: time, lead id, status, ms.
    const lines = deliveryLines(result);
    expect(lines).toHaveLength(25);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}lead_1 {2}200 {2}\d+ms$/);
    expect(result.stderr).toMatch(/^robofy: delivered 25 leads to http:\/\/127\.0\.0\.1:\d+ in \d+\.\ds$/m);
    expectNothingSecret(result);
  });

  it('a long history (10,050 new leads, past what is held in memory): every lead in order, no warning, no temp file left', SLOW, async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 10_050, pageSize: 500 });
    const to = await receiver(context);
    const tmp = scratch();
    const result = await forward(api, to, [], { TMPDIR: tmp });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('warning');
    expect(deliveryLines(result)).toHaveLength(10_050);
    expect(result.stderr).toMatch(/^robofy: delivered 10,050 leads to http:\/\/127\.0\.0\.1:\d+ in \d+\.\ds$/m);
    expect(idsOf(to.delivered())).toEqual(leadRange(1, 10_050));
    expect(listDir(tmp)).toEqual([]);
  });

  it('retries 500, 429 (after its Retry-After), a reset and a hang, with the same webhook-id; --quiet prints nothing', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 2 });
    const to = await receiver(context);
    to.script([{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }, { kind: 'reset' }, { kind: 'hang' }, { status: 503 }]);
    const started = Date.now();
    const result = await forward(api, to, ['--quiet', '--timeout', '0.5']);

    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(idsOf(to.delivered())).toEqual(['lead_1', 'lead_2']);
    expect(to.requests).toHaveLength(7);
    expect(new Set(to.requests.slice(0, 6).map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(to.requests.every((request) => request.verified)).toBe(true);
    // Retry-After: 1 was waited out.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('a 400 stops the run with exit 5 and names --dead-letter; the next run with --state retries it', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 5 });
    const to = await receiver(context);
    const state = join(scratch(), 'abc.state');
    to.fallback((body) => (body.id === 'lead_3' ? { status: 400, body: '{"error":"bad phone"}' } : { status: 200 }));
    const failed = await forward(api, to, ['--state', state, '--quiet']);
    expectOneLineError(failed, 5, /lead lead_3 refused \(400\) by http:\/\/127\.0\.0\.1:\d+; stopped: use --dead-letter <file>/);
    expect(idsOf(to.delivered())).toEqual(['lead_1', 'lead_2']);

    to.fallback({ status: 200 });
    const next = await forward(api, to, ['--state', state, '--quiet']);
    expect(next.code, next.stderr).toBe(0);
    expect(idsOf(to.delivered())).toEqual(leadRange(1, 5));
  });

  it('--dead-letter: a refused lead and one still failing after --retries are set aside, fsynced; delivery goes on', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 4 });
    const to = await receiver(context);
    const deadLetter = join(scratch(), 'failed.jsonl');
    to.fallback((body) =>
      body.id === 'lead_2'
        ? { status: 422, body: `{"error":"unknown field","echo":"${HEADER_VALUE}"}` }
        : body.id === 'lead_3'
          ? { status: 502, body: 'bad gateway' }
          : { status: 200 },
    );
    const result = await forward(api, to, ['--dead-letter', deadLetter, '--retries', '2', '-H', `Authorization: ${HEADER_VALUE}`]);

    expect(result.code, result.stderr).toBe(0);
    expect(idsOf(to.delivered())).toEqual(['lead_1', 'lead_4']);
    expect(to.requests.filter((request) => JSON.parse(request.body).id === 'lead_3')).toHaveLength(3);
    const dead = readFileSync(deadLetter, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(dead).toMatchObject([
      { lead: { id: 'lead_2' }, status: 422, attempts: 1, error: '422' },
      { lead: { id: 'lead_3' }, status: 502, attempts: 3, response: 'bad gateway' },
    ]);
    // What the receiver echoed is kept, but never a header value.
    expect(String(dead[0]!.response)).toContain('unknown field');
    expect(readFileSync(deadLetter, 'utf8')).not.toContain(HEADER_VALUE);
    expect(statSync(deadLetter).mode & 0o777).toBe(0o600);
    expect(result.stderr).toMatch(/^robofy: warning: lead lead_2 \(422\) written to .*failed\.jsonl$/m);
    expect(result.stderr).toMatch(/delivered 2 leads to .*, 2 dead-lettered, 2 retries$/m);
    expectNothingSecret(result);
  });

  it('an unreachable receiver stops the run (exit 5) and dead-letters nothing; the next run delivers everything', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 3 });
    const to = await receiver(context);
    const url = to.url;
    await to.close();
    const dir = scratch();
    const state = join(dir, 'abc.state');
    const deadLetter = join(dir, 'failed.jsonl');
    const failed = await cli(api, exportArgs('--forward-to', url, ...FAST, '--retries', '1', '--state', state, '--dead-letter', deadLetter, '-q'), {
      env: { ROBOFY_WEBHOOK_SECRET: SECRET },
    });
    expectOneLineError(failed, 5, /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) after 2 attempts; stopped with 3 leads not delivered/);
    expect(readFileSync(deadLetter, 'utf8')).toBe('');

    const back = await receiver(context);
    const next = await forward(api, back, ['--state', state, '-q']);
    expect(next.code, next.stderr).toBe(0);
    expect(idsOf(back.delivered())).toEqual(leadRange(1, 3));
  });

  it('cron-style runs with --state deliver only what is new', SLOW, async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 3 });
    const to = await receiver(context);
    const state = join(scratch(), 'abc.state');
    expect((await forward(api, to, ['--state', state, '-q'])).code).toBe(0);
    expect((await forward(api, to, ['--state', state, '-q'])).code).toBe(0);
    api.addLeads(2);
    api.addLeads(1, { createdAt: '2025-01-15 10:31:30' }); // late, inside the overlap
    expect((await forward(api, to, ['--state', state, '-q'])).code).toBe(0);
    expect(idsOf(to.delivered())).toEqual([...leadRange(1, 3), 'lead_6', 'lead_4', 'lead_5']);
  });

  it('--raw sends the API row; --columns shapes the body', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 1 });
    const raw = await receiver(context);
    expect((await forward(api, raw, ['--raw', '-q'])).code).toBe(0);
    expect(JSON.parse(raw.requests[0]!.body)).toEqual(generatedRows(1)[0]);
    const shaped = await receiver(context);
    expect((await forward(api, shaped, ['--columns', 'email,id', '-q'])).code).toBe(0);
    expect(shaped.requests[0]!.body).toBe(`{"email":${JSON.stringify(flatEntries(generatedRows(1)[0]!).find(([name]) => name === 'email')?.[1])},"id":"lead_1"}`);
  });

  it.for([
    { args: ['--exec', 'cat', '--forward-to', 'http://127.0.0.1:1/x'], message: '--forward-to and --exec exclude each other' },
    { args: ['--forward-to', 'http://127.0.0.1:1/x', '-o', 'leads.csv'], message: '--forward-to and -o/--output exclude each other' },
    { args: ['--exec', 'cat', '-o', 'leads.csv'], message: '--exec and -o/--output exclude each other' },
    { args: ['--forward-to', 'http://127.0.0.1:1/x', '--format', 'csv'], message: '--format csv does not apply' },
    { args: ['--forward-to', 'ftp://example.com/x'], message: '--forward-to must be an http:// or https:// URL' },
    { args: ['--forward-to', 'http://u:p@127.0.0.1:1/x'], message: 'must not carry a user or password' },
    { args: ['-H', `Authorization: ${HEADER_VALUE}`], message: '--header goes with --forward-to' },
    { args: ['--forward-to', 'http://127.0.0.1:1/x', '-H', HEADER_VALUE], message: '--header number 1 must look like "Name: value"' },
    { args: ['--dead-letter', 'x.jsonl'], message: '--dead-letter goes with --forward-to or --exec' },
  ])('usage: $message (exit 2, no value echoed)', async ({ args, message }, { expect }) => {
    const api = await fakeApi({ leads: 1 });
    const result = await cli(api, exportArgs(...args), { env: { ROBOFY_WEBHOOK_SECRET: SECRET } });
    expectOneLineError(result, 2, message);
    expectNothingSecret(result);
    expect(api.requests).toHaveLength(0);
  });

  it('an invalid ROBOFY_WEBHOOK_SECRET is a usage error that does not print it', async ({ expect }) => {
    const api = await fakeApi({ leads: 1 });
    const bad = 'whsec_c2hvcnQ=';
    const result = await cli(api, exportArgs('--forward-to', 'http://127.0.0.1:1/x'), { env: { ROBOFY_WEBHOOK_SECRET: bad } });
    expectOneLineError(result, 2, 'ROBOFY_WEBHOOK_SECRET is not a webhook secret');
    expect(result.stderr).not.toContain('c2hvcnQ');
  });
});

describe.concurrent('robofy webhook secret', { timeout: 60_000 }, () => {
  it('creates the secret on first use, stores it 0600, prints the same every time; forwarding signs with it', async (context) => {
    const { expect } = context;
    const configDir = scratch();
    const api = await fakeApi({ leads: 2 });
    const first = await cli(api, ['webhook', 'secret'], { configDir });
    const again = await cli(api, ['webhook', 'secret'], { configDir });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/);
    expect(again.stdout).toBe(first.stdout);
    expect(Buffer.from(first.stdout.trim().slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(statSync(join(configDir, 'config.json')).mode & 0o777).toBe(0o600);

    const secret = first.stdout.trim();
    const to = await receiver(context, { secret });
    const result = await cli(api, exportArgs('--forward-to', to.url, ...FAST, '--verbose'), { configDir });
    expect(result.code, result.stderr).toBe(0);
    expect(to.requests.map((request) => request.verified)).toEqual([true, true]);
    expectNothingSecret(result, secret, secret.slice(6));
  });

  it('ROBOFY_WEBHOOK_SECRET wins over the stored secret', async (context) => {
    const { expect } = context;
    const configDir = scratch();
    const api = await fakeApi({ leads: 1 });
    const stored = (await cli(api, ['webhook', 'secret'], { configDir })).stdout.trim();
    const to = await receiver(context, { secret: SECRET });
    const result = await cli(api, exportArgs('--forward-to', to.url, ...FAST), { configDir, env: { ROBOFY_WEBHOOK_SECRET: SECRET } });
    expect(result.code, result.stderr).toBe(0);
    expect(to.requests.map((request) => request.verified)).toEqual([true]);
    expectNothingSecret(result, stored, stored.slice(6));
  });
});

describe.concurrent('robofy leads tail --forward-to', { timeout: 60_000 }, () => {
  const TAIL = ['leads', 'tail', '-p', '12', '-c', 'abc', '--interval', '0.2', ...FAST];

  it('killed with SIGKILL mid-run and restarted with --state, delivers exactly the leads captured meanwhile', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const to = await receiver(context);
    const state = join(scratch(), 'abc.tail');
    const args = [...TAIL, '--forward-to', to.url, '--state', state, '-H', `Authorization: ${HEADER_VALUE}`];
    const env = { ROBOFY_WEBHOOK_SECRET: SECRET };
    const first = startCli(context, api, args, { env });
    await waitFor('the baseline', () => pollStarts(api) >= 2);
    api.addLeads(3);
    await waitFor('3 deliveries', () => to.delivered().length >= 3);
    // Killed while the receiver holds the fourth: in flight, never confirmed.
    to.script([{ kind: 'hang' }]);
    api.addLeads(1);
    await waitFor('the fourth in flight', () => to.requests.length >= 4);
    await crash(first);

    api.addLeads(2);
    const second = startCli(context, api, [...args, '--count', '3'], { env });
    const result = await second.result;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(to.requests.every((request) => request.verified)).toBe(true);
    // Each lead delivered once and in order: the hung one again (at least once), then those captured meanwhile.
    expect(idsOf(to.delivered())).toEqual(leadRange(26, 31));
    expectNothingSecret(result);
    expect(first.stderr()).not.toContain(HEADER_VALUE);
  });

  it('never gives up on a failing receiver: one warning, a note when it is back, every lead in order', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const to = await receiver(context);
    to.fallback({ status: 503 });
    const running = startCli(context, api, [...TAIL, '--forward-to', to.url, '--count', '3'], { env: { ROBOFY_WEBHOOK_SECRET: SECRET } });
    await waitFor('the baseline', () => pollStarts(api) >= 2);
    api.addLeads(2);
    await waitFor('six failed attempts', () => to.requests.length >= 6);
    to.fallback({ status: 200 });
    api.addLeads(1);
    const result = await running.result;

    expect(result.code, result.stderr).toBe(0);
    expect(idsOf(to.delivered())).toEqual(leadRange(26, 28));
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('robofy: warning:'));
    expect(warnings).toEqual([expect.stringMatching(/^robofy: warning: http:\/\/127\.0\.0\.1:\d+ is failing \(503\); retrying with backoff, 2 leads waiting$/)]);
    expect(result.stderr).toMatch(/^robofy: http:\/\/127\.0\.0\.1:\d+ answers again after \d+\.\ds$/m);
    expect(deliveryLines(result).filter((line) => / 503 {2}\d+ms {2}retry \d+ in \d+\.\ds$/.test(line)).length).toBeGreaterThanOrEqual(6);
    expectNoStack(result);
  });

  it('a 400 without --dead-letter ends the tail with exit 5', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const to = await receiver(context);
    to.fallback({ status: 400 });
    const running = startCli(context, api, [...TAIL, '--forward-to', to.url, '-q'], { env: { ROBOFY_WEBHOOK_SECRET: SECRET } });
    await waitFor('the baseline', () => pollStarts(api) >= 2);
    api.addLeads(1);
    const result = await running.result;
    expectOneLineError(result, 5, 'lead lead_26 refused (400)');
    expect(result.stdout).toBe('');
  });
});
