/**
 * Every way an export can fail, as a user meets it: the exit code a script
 * branches on, one line on stderr (the whole story only with --verbose), no
 * key anywhere, no request the failure should have prevented, and an output
 * file that is either complete or untouched.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { DEFAULT_FORBIDDEN_TOKEN, encodePageToken, type Fault, type FakeApiOptions } from '../fake-api/server.js';
import {
  CLI_TIMEOUT_MS,
  KEY,
  LEADS_PATH,
  cli,
  expectNoKey,
  expectNoStack,
  expectOneLineError,
  expectQuietSuccess,
  expectReadOnceUpTo,
  expectedCsvTable,
  exportArgs,
  fakeApi,
  generatedRows,
  listDir,
  parseCsv,
  recorder,
  runCli,
  scratch,
  type CliResult,
  SLOW,
} from './fixtures.js';

const WRONG_KEY = 'revoked-key-0123456789ab';
const KEYS = [KEY, WRONG_KEY, DEFAULT_FORBIDDEN_TOKEN];

function noKeys(result: CliResult): CliResult {
  for (const key of KEYS) expectNoKey(result, key);
  return result;
}

/** An export against a fake with these options; the result is checked for keys. */
async function exportWith(options: FakeApiOptions, args: string[], env: Record<string, string | undefined> = {}) {
  const api = await fakeApi(options);
  const result = noKeys(await cli(api, exportArgs(...args), { env }));
  return { api, result };
}

describe.concurrent('exit 2: usage and invalid input, before any request', SLOW, () => {
  it.for([
    { args: ['-p', 'abc'], message: '--project must be a whole number of at least 0, got "abc"' },
    { args: ['-p', '-3'], message: '--project must be a whole number of at least 0, got "-3"' },
    { args: ['--raw'], message: '--raw works with --format jsonl or json, not csv' },
    { args: ['--raw', '-o', 'leads.csv'], message: '--raw works with --format jsonl or json, not csv' },
    { args: ['--raw', '-f', 'jsonl', '--columns', 'id'], message: '--raw writes leads as they are' },
    { args: ['--since', 'yesterday'], message: 'invalid time "yesterday"' },
    { args: ['--until', '2025-02-30'], message: 'invalid time "2025-02-30"' },
    { args: ['--since', '2025-01-16', '--until', '2025-01-15'], message: '--since must be earlier than --until' },
    { args: ['--limit', '0'], message: '--limit must be a whole number of at least 1, got "0"' },
    { args: ['--columns', 'id,,email'], message: '--columns has an empty name' },
    { args: ['--retries', 'many'], message: '--retries must be a whole number' },
    { args: ['--timeout', '0'], message: '--timeout must be a number of seconds' },
    { args: ['--api-url', 'not a url'], message: 'invalid API URL: not a url' },
  ])('$args', async ({ args, message }, { expect }) => {
    const dir = scratch();
    const api = await fakeApi();
    const result = noKeys(await cli(api, exportArgs(...args), { cwd: dir }));
    expect(result.stdout).toBe('');
    expectOneLineError(result, 2, message);
    expect(api.requests).toEqual([]);
    expect(listDir(dir)).toEqual([]);
  });

  it.for([
    { args: exportArgs('-f', 'xml'), message: "argument 'xml' is invalid. Allowed choices are csv, jsonl, json, xlsx." },
    { args: ['leads', 'export', '-c', 'abc', '-p'], message: "option '-p, --project <id>' argument missing" },
    { args: exportArgs('--concurrency'), message: "option '--concurrency <n>' argument missing" },
    { args: exportArgs('--no-such-option'), message: "unknown option '--no-such-option'" },
  ])('commander: $message', async ({ args, message }, { expect }) => {
    const api = await fakeApi();
    const result = noKeys(await cli(api, args));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr.split('\n')[0]).toMatch(/^error: /);
    expectNoStack(result);
    expect(api.requests).toEqual([]);
  });

  it('an output folder that does not exist: exit 2 before any request', async ({ expect }) => {
    const dir = scratch();
    const target = join(dir, 'missing', 'leads.csv');
    const { api, result } = await exportWith({}, ['-o', target]);
    expectOneLineError(result, 2, `cannot write ${target}: no such directory`);
    expect(api.requests).toEqual([]);
    expect(listDir(dir)).toEqual([]);
  });

  it('no command, or no subcommand: help on stderr, exit 2; --help and --version: stdout, exit 0', async ({ expect }) => {
    const dir = scratch();
    const env = { ROBOFY_CONFIG_DIR: dir };
    const [bare, leads, help, version] = await Promise.all([
      runCli([], { env, timeoutMs: CLI_TIMEOUT_MS }),
      runCli(['leads'], { env, timeoutMs: CLI_TIMEOUT_MS }),
      runCli(['--help'], { env, timeoutMs: CLI_TIMEOUT_MS }),
      runCli(['--version'], { env, timeoutMs: CLI_TIMEOUT_MS }),
    ]);
    expect([bare.code, bare.stdout]).toEqual([2, '']);
    expect(bare.stderr).toMatch(/^Usage: robofy \[options\] \[command\]\n/);
    expect([leads.code, leads.stdout]).toEqual([2, '']);
    expect(leads.stderr).toMatch(/^Usage: robofy leads \[options\] \[command\]\n/);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toBe(bare.stderr);
    expect([version.code, version.stderr]).toEqual([0, '']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(listDir(dir)).toEqual([]);
  });

  it('refuses plain http to another host, and proves it by sending nothing there', async ({ expect }) => {
    // 0.0.0.0 is not loopback by name, yet connecting to it reaches a listener on 127.0.0.1.
    const other = await recorder();
    const url = `http://0.0.0.0:${other.port}`;
    await new Promise<void>((resolve, reject) => get(`${url}/reachable`, (res) => res.resume().on('end', resolve)).on('error', reject));
    expect(other.requests.map((r) => r.url)).toEqual(['/reachable']);

    const started = Date.now();
    const [flag, env, example] = await Promise.all([
      cli(other, exportArgs('--api-url', url)),
      cli(other, exportArgs(), { env: { ROBOFY_API_URL: url } }),
      cli(other, exportArgs('--api-url', 'http://example.com')),
    ]);
    for (const result of [flag, env, example]) noKeys(result);
    expectOneLineError(flag, 2, `refusing to send the API key over plain http to 0.0.0.0:${other.port}; use https`);
    expectOneLineError(env, 2, `refusing to send the API key over plain http to 0.0.0.0:${other.port}`);
    expectOneLineError(example, 2, 'refusing to send the API key over plain http to example.com; use https (http is allowed for localhost only)');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(other.requests.map((r) => r.url)).toEqual(['/reachable']);
  });
});

describe.concurrent('exit 3: no key, or the key rejected', SLOW, () => {
  it('no key at all: points to robofy login; nothing is asked of the API', async ({ expect }) => {
    const { api, result } = await exportWith({}, [], { ROBOFY_TOKEN: undefined });
    expectOneLineError(result, 3, 'no API key: run `robofy login` or set ROBOFY_TOKEN');
    expect(api.requests).toEqual([]);
  });

  it.for([
    { key: WRONG_KEY, tag: '401 UNAUTHORIZED: Authentication token is missing or invalid.' },
    { key: DEFAULT_FORBIDDEN_TOKEN, tag: '403 FORBIDDEN: This API key is not allowed to access this resource.' },
  ])('$tag exits 3 at once (never retried)', async ({ key, tag }, { expect }) => {
    const { api, result } = await exportWith({}, [], { ROBOFY_TOKEN: key });
    expect(result.stdout).toBe('');
    expectOneLineError(result, 3, `the API rejected the key (${tag}); run \`robofy login\` with a valid key, or set ROBOFY_TOKEN`);
    expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${key}`]);
  });

  it('a key revoked on page 2 exits 3 and writes no file', async ({ expect }) => {
    const dir = scratch();
    const { result } = await exportWith({ leads: 6, pageSize: 2, faults: [{ page: 2, kind: 'status', status: 401 }] }, ['-o', join(dir, 'out.csv')]);
    expectOneLineError(result, 3, 'the API rejected the key (401');
    expect(listDir(dir)).toEqual([]);
  });
});

describe.concurrent('exit 4: unknown project or chatbot', SLOW, () => {
  it('names the project and the chatbot', async ({ expect }) => {
    const api = await fakeApi();
    const [chatbot, project] = await Promise.all([
      cli(api, ['leads', 'export', '-p', '12', '-c', 'nope']),
      cli(api, ['leads', 'export', '-p', '99', '-c', 'abc']),
    ]);
    noKeys(chatbot);
    noKeys(project);
    expectOneLineError(chatbot, 4, 'project 12 / chatbot nope not found (404 PROJECT_NOT_FOUND: Chatbot "nope" was not found in project 12.)');
    expectOneLineError(project, 4, 'project 99 / chatbot abc not found (404 PROJECT_NOT_FOUND: Project 99 was not found.)');
    expect(api.requests).toHaveLength(2);
  });

  it('encodes the ids as path segments', async ({ expect }) => {
    const awkward = 'a/b c?#%';
    const api = await fakeApi({ projects: { '12': [awkward] }, leads: 3 });
    const [found, missing] = await Promise.all([
      cli(api, ['leads', 'export', '-p', '12', '-c', awkward, '-f', 'jsonl', '--raw']),
      cli(api, ['leads', 'export', '-p', '12', '-c', 'a/b']),
    ]);
    expectQuietSuccess(found);
    expect(found.stdout).toBe(generatedRows(3).map((row) => `${JSON.stringify(row)}\n`).join(''));
    expectOneLineError(noKeys(missing), 4, 'project 12 / chatbot a/b not found');
    expect(api.requests.map((r) => r.path).sort()).toEqual(['/v1/ai-agent/leads/12/a%2Fb', '/v1/ai-agent/leads/12/a%2Fb%20c%3F%23%25']);
  });
});

describe.concurrent('exit 5: the API or the network failed', SLOW, () => {
  const badBodies: { name: string; fault: Fault; message: string }[] = [
    {
      name: 'an HTML page from a proxy',
      fault: { page: 1, kind: 'body', body: '<html><body>Bad gateway</body></html>', contentType: 'text/html; charset=utf-8' },
      message: 'malformed response from the API: text/html (HTML?) where JSON was expected (gave up after 1 attempt)',
    },
    {
      name: 'a truncated body',
      fault: { page: 1, kind: 'truncate' },
      message: 'request failed: ',
    },
    {
      name: 'an empty object',
      fault: { page: 1, kind: 'body', body: '{}' },
      message: 'malformed response from the API: expected a "data" object, got nothing',
    },
    {
      name: 'rows that are not an array',
      fault: { page: 1, kind: 'body', body: '{"message":"ok","data":{"report":{"rows":{"0":{"id":"x"}}}}}' },
      message: 'malformed response from the API: expected "data.report.rows" to be an array, got an object',
    },
    {
      name: 'a row without an id',
      fault: { page: 1, kind: 'rows', rows: [{ created_at: '2025-01-15 10:30:00' }] },
      message: 'malformed response from the API: row 1 has no usable "id"',
    },
  ];

  it.for(badBodies)('$name', async ({ fault, message }, { expect }) => {
    const { api, result } = await exportWith({ leads: 4, pageSize: 2, faults: [fault] }, ['--retries', '0']);
    expect(result.stdout).toBe('');
    expectOneLineError(result, 5, message);
    expectReadOnceUpTo(api, 1);
  });

  it('a page token that comes back (A, B, A) is a loop', async ({ expect }) => {
    const [a, b] = [encodePageToken(2), encodePageToken(3)];
    const faults: Fault[] = [
      { page: 1, kind: 'repeat-token', token: a },
      { page: 2, kind: 'repeat-token', token: b },
      { page: 3, kind: 'repeat-token', token: a },
    ];
    const { api, result } = await exportWith({ leads: 20, pageSize: 2, faults }, ['--retries', '0']);
    expect(result.stdout).toBe('');
    expectOneLineError(result, 5, `the API sent page token "${a}" again after page 3: a pagination loop; stopping`);
    expect(api.leadRequests().map((r) => r.query.nextPageToken)).toEqual([undefined, a, b]);
  });

  it('500 on every attempt: retried, then exit 5 (--retries 1)', async ({ expect }) => {
    const { api, result } = await exportWith({ leads: 6, pageSize: 2, faults: [{ page: 2, kind: 'status', status: 500 }] }, ['--retries', '1']);
    expect(result.stdout).toBe('');
    expectOneLineError(
      result,
      5,
      'the API failed (500 INTERNAL_SERVER_ERROR: An unexpected error occurred. Please try again later.) (gave up after 2 attempts)',
    );
    expect(api.leadRequests().map((r) => r.query.nextPageToken)).toEqual([undefined, encodePageToken(2), encodePageToken(2)]);
  });

  it('the connection destroyed mid-body on every attempt: retried, then exit 5', async ({ expect }) => {
    const { api, result } = await exportWith({ leads: 6, pageSize: 2, faults: [{ page: 2, kind: 'destroy-mid-body' }] }, ['--retries', '1']);
    expect(result.stdout).toBe('');
    expectOneLineError(result, 5, /^robofy: error: request failed: .* \(gave up after 2 attempts\)$/);
    expect(api.leadRequests()).toHaveLength(3);
  });

  it('no headers within --timeout: exit 5', async ({ expect }) => {
    const { api, result } = await exportWith({ leads: 4, pageSize: 2, faults: [{ page: 1, kind: 'hang-headers' }] }, ['--retries', '0', '--timeout', '0.3']);
    expectOneLineError(result, 5, /^robofy: error: request failed: .*(?:timeout|Timeout)/);
    expect(api.leadRequests()).toHaveLength(1);
  });

  it('a Retry-After longer than the tool waits fails at once', async ({ expect }) => {
    const { api, result } = await exportWith({ leads: 4, pageSize: 2, faults: [{ page: 1, kind: 'status', status: 429, retryAfter: '3600' }] }, []);
    expectOneLineError(result, 5, 'the API failed (429 TOO_MANY_REQUESTS: Too many requests. Slow down and try again later.); the server asked to wait 3600s');
    expect(api.leadRequests()).toHaveLength(1);
  });

  it('--verbose tells the whole story (requests, retries, stack) and still not the key', async ({ expect }) => {
    const { result } = await exportWith({ leads: 6, pageSize: 2, faults: [{ page: 2, kind: 'status', status: 503 }] }, ['--retries', '1', '--verbose']);
    expect(result.code).toBe(5);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toMatch(/^robofy: GET \/v1\/ai-agent\/leads\/12\/abc 200 \d+ms [\d.]+ kB$/);
    expect(result.stderr).toMatch(/^robofy: retry 1 of \/v1\/ai-agent\/leads\/12\/abc\?nextPageToken=\S+ in \d+\.\ds: the API failed \(503/m);
    expect(result.stderr).toMatch(/^robofy: GET \S+ 503 \d+ms \d+ B \(attempt 2\)$/m);
    expect(result.stderr).toContain('robofy: error: the API failed (503 INTERNAL_SERVER_ERROR');
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});

describe.concurrent('recovered failures: retried, and every lead exactly once', SLOW, () => {
  it.for<{ name: string; fault: Fault }>([
    { name: '429 with Retry-After: 0', fault: { page: 2, attempt: 1, kind: 'status', status: 429, retryAfter: '0' } },
    { name: 'a connection destroyed mid-body', fault: { page: 2, attempt: 1, kind: 'destroy-mid-body' } },
    { name: 'an HTML page once', fault: { page: 3, attempt: 1, kind: 'body', body: '<html></html>', contentType: 'text/html' } },
  ])('$name', async ({ fault }, { expect }) => {
    const { api, result } = await exportWith({ leads: 7, pageSize: 3, faults: [fault] }, ['--retries', '1']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(parseCsv(result.stdout)).toEqual(expectedCsvTable(generatedRows(7)));
    expect(api.leadRequests()).toHaveLength(4);
  });
});

describe.concurrent('redirects', SLOW, () => {
  it('a redirect to another origin is not followed, and the key is not sent there', async ({ expect }) => {
    const other = await recorder();
    const fault: Fault = { page: 2, kind: 'redirect', location: `${other.url}${LEADS_PATH}?nextPageToken=x` };
    const dir = scratch();
    const [{ api, result }, verbose] = await Promise.all([
      exportWith({ leads: 6, pageSize: 2, faults: [fault] }, ['-o', join(dir, 'out.csv')]),
      exportWith({ leads: 6, pageSize: 2, faults: [fault] }, ['--verbose', '-f', 'jsonl']),
    ]);
    expectOneLineError(result, 5, `the API answered 302 with a redirect to ${other.url}; not followed, so the key stays with the API host`);
    // Not retried either: a redirect is an answer, not a hiccup.
    expect(api.leadRequests()).toHaveLength(2);
    expect(verbose.result.code).toBe(5);
    expect(verbose.result.stderr).toContain(`redirect to ${other.url}; not followed`);
    expect(other.requests).toEqual([]);
    expect(listDir(dir)).toEqual([]);
  });
});

describe.concurrent('output files on failure', SLOW, () => {
  const fault: Fault = { page: 3, kind: 'status', status: 500 };

  it.for([
    { name: 'out.csv', existing: true },
    { name: 'out.jsonl', existing: true },
    { name: 'out.json', existing: false },
  ])('$name (existing: $existing) is left as it was; no temp file is left', async ({ name, existing }, { expect }) => {
    const dir = scratch();
    const file = join(dir, name);
    const old = Buffer.from('old,content\r\n"kept",\u00e9\r\n');
    if (existing) writeFileSync(file, old);
    const { api, result } = await exportWith({ leads: 10, pageSize: 2, faults: [fault] }, ['-o', file, '--retries', '0']);
    expect(result.stdout).toBe('');
    expectOneLineError(result, 5, 'the API failed (500');
    expect(api.leadRequests().length).toBeGreaterThanOrEqual(3);
    if (existing) expect(readFileSync(file)).toEqual(old);
    else expect(existsSync(file)).toBe(false);
    expect(listDir(dir)).toEqual(existing ? [name] : []);
  });

  it('csv to stdout: nothing written, and the spool in TMPDIR is removed, on failure and on success', async ({ expect }) => {
    const failTmp = scratch();
    const okTmp = scratch();
    const [failed, succeeded] = await Promise.all([
      exportWith({ leads: 10, pageSize: 2, faults: [fault] }, ['--retries', '0'], { TMPDIR: failTmp }),
      exportWith({ leads: 10, pageSize: 2 }, [], { TMPDIR: okTmp }),
    ]);
    expect(failed.result.stdout).toBe('');
    expectOneLineError(failed.result, 5, 'the API failed (500');
    expectQuietSuccess(succeeded.result);
    expect(parseCsv(succeeded.result.stdout)).toEqual(expectedCsvTable(generatedRows(10)));
    expect(listDir(failTmp)).toEqual([]);
    expect(listDir(okTmp)).toEqual([]);
  });
});
