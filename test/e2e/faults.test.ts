/**
 * Issue 3, "never lose a lead", through the real CLI and real sockets.
 *
 * Every fault the tool survives must leave no trace in the output: the file
 * is byte for byte the one a clean run writes, in every format. Every fault
 * it cannot survive must end with its exit code and a one-line message, and
 * leave the existing output file and the state file exactly as they were,
 * with no temp file and no lock behind.
 *
 * Backoff cannot be shortened from the command line (the first retry waits
 * 0.25-0.5 s, then 0.5-1 s...), so each test injects one or two failures,
 * and the tests run concurrently, each against its own fake API.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type ExpectStatic } from 'vitest';
import { encodePageToken, type Fault, type FakeApi } from '../fake-api/server.js';
import { cli, exportArgs, expectNoKey, expectNoStack, expectOneLineError, fakeApi, listDir, pageOf, scratch, SLOW, type CliResult } from './fixtures.js';

type Format = 'csv' | 'jsonl' | 'json';

const FORMATS: readonly Format[] = ['csv', 'jsonl', 'json'];
/** Three pages: 10, 10 and 5 leads, newest first. */
const LISTING = { leads: 25, pageSize: 10 };

function requestsFor(api: FakeApi, page: number): number {
  return api.leadRequests().filter((r) => pageOf(r) === page).length;
}

/** `robofy leads export -o <dir>/out.<format>`; the file's bytes, or undefined when there is none. */
async function exportToFile(api: FakeApi, format: Format, args: readonly string[] = []): Promise<{ result: CliResult; bytes: Buffer; dir: string }> {
  const dir = scratch();
  const out = join(dir, `out.${format}`);
  const result = await cli(api, exportArgs('--format', format, '-o', out, ...args));
  let bytes = Buffer.alloc(0);
  try {
    bytes = readFileSync(out);
  } catch {
    // checked by the caller through the exit code and the folder listing
  }
  return { result, bytes, dir };
}

// One clean export per format: the reference every surviving run must match byte for byte.
const references = new Map<Format, Promise<Buffer>>();
function reference(format: Format): Promise<Buffer> {
  let pending = references.get(format);
  if (pending === undefined) {
    pending = (async () => {
      const api = await fakeApi(LISTING);
      const { result, bytes } = await exportToFile(api, format);
      if (result.code !== 0 || result.stderr !== '') throw new Error(`the clean ${format} run failed: ${result.code} ${result.stderr}`);
      if (api.leadRequests().length !== 3) throw new Error('the clean run should read 3 pages');
      return bytes;
    })();
    references.set(format, pending);
  }
  return pending;
}

function expectSameBytes(expect: ExpectStatic, actual: Buffer, wanted: Buffer): void {
  // The text first, for a readable diff; then the bytes themselves.
  expect(actual.toString('utf8')).toBe(wanted.toString('utf8'));
  expect(actual.equals(wanted)).toBe(true);
}

interface Retry {
  attempt: number;
  path: string;
  waitS: number;
  reason: string;
}

/** The `--verbose` retry lines: what the client decided to wait, and why. */
function retries(stderr: string): Retry[] {
  return [...stderr.matchAll(/^robofy: retry (\d+) of (\S+) in ([\d.]+)s: (.*)$/gm)].map((m) => ({
    attempt: Number(m[1]),
    path: m[2]!,
    waitS: Number(m[3]),
    reason: m[4]!,
  }));
}

interface Survivable {
  name: string;
  faults: Fault[];
  args?: string[];
  /** The page the faults hit, and how many requests it took. */
  page: number;
  requests: number;
  /** Each retry's wait in seconds, [min, max], and a piece of its reason. */
  waits: [number, number, string][];
  /** --verbose lines other than requests and retries, in order. */
  notes?: string[];
  /** The run must take at least this long (a Retry-After was really waited). */
  minMs?: number;
}

const GARBAGE_BACKOFF: [number, number] = [0.2, 0.5];

const SURVIVABLE: Survivable[] = [
  {
    name: '429 with Retry-After: 1',
    faults: [{ page: 2, attempt: 1, kind: 'status', status: 429, retryAfter: '1' }],
    page: 2,
    requests: 2,
    waits: [[1, 1, '429 TOO_MANY_REQUESTS']],
    minMs: 1000,
  },
  {
    name: '429 with Retry-After as an HTTP date 3 s ahead',
    faults: [
      {
        page: 2,
        attempt: 1,
        kind: 'status',
        status: 429,
        // Computed when the fault is served: 3 s after the request, less the milliseconds the date format drops.
        get retryAfter(): string {
          return new Date(Date.now() + 3000).toUTCString();
        },
      },
    ],
    page: 2,
    requests: 2,
    waits: [[1, 3, '429 TOO_MANY_REQUESTS']],
    minMs: 1000,
  },
  {
    name: '429 with garbage Retry-After values (normal backoff, not "at once" and not "in the year 99999")',
    faults: [
      { page: 2, attempt: 1, kind: 'status', status: 429, retryAfter: 'foo 1' },
      { page: 3, attempt: 1, kind: 'status', status: 429, retryAfter: 'Retry 99999' },
    ],
    page: 2,
    requests: 2,
    waits: [
      [...GARBAGE_BACKOFF, '429'],
      [...GARBAGE_BACKOFF, '429'],
    ],
  },
  {
    name: '500 on page 2, twice',
    faults: [
      { page: 2, attempt: 1, kind: 'status', status: 500 },
      { page: 2, attempt: 2, kind: 'status', status: 500 },
    ],
    page: 2,
    requests: 3,
    waits: [
      [...GARBAGE_BACKOFF, '500 INTERNAL_SERVER_ERROR'],
      [0.5, 1, '500 INTERNAL_SERVER_ERROR'],
    ],
  },
  {
    name: '502 on the first page',
    faults: [{ page: 1, attempt: 1, kind: 'status', status: 502 }],
    page: 1,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, '(502']],
  },
  {
    name: '503 on the last page, twice',
    faults: [
      { page: 3, attempt: 1, kind: 'status', status: 503 },
      { page: 3, attempt: 2, kind: 'status', status: 503 },
    ],
    page: 3,
    requests: 3,
    waits: [
      [...GARBAGE_BACKOFF, '(503'],
      [0.5, 1, '(503'],
    ],
  },
  {
    name: '504 on page 2',
    faults: [{ page: 2, attempt: 1, kind: 'status', status: 504 }],
    page: 2,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, '(504']],
  },
  {
    name: '408 on page 2',
    faults: [{ page: 2, attempt: 1, kind: 'status', status: 408 }],
    page: 2,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, '(408']],
  },
  {
    name: 'the connection destroyed mid-body',
    faults: [{ page: 2, attempt: 1, kind: 'destroy-mid-body' }],
    page: 2,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, 'request failed']],
  },
  {
    name: 'a truncated body (Content-Length promised, half sent)',
    faults: [{ page: 3, attempt: 1, kind: 'truncate' }],
    page: 3,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, 'request failed']],
  },
  {
    name: 'headers that never arrive (--timeout 0.5)',
    faults: [{ page: 2, attempt: 1, kind: 'hang-headers' }],
    args: ['--timeout', '0.5'],
    page: 2,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, 'UND_ERR_HEADERS_TIMEOUT']],
    minMs: 500,
  },
  {
    name: 'a slow body: 2 s in all, but never 1 s without a byte (--timeout 1): no retry',
    faults: [{ page: 2, attempt: 1, kind: 'slow-body', ms: 2000 }],
    args: ['--timeout', '1'],
    page: 2,
    requests: 1,
    waits: [],
    minMs: 2000,
  },
  {
    // undici checks body timeouts on a coarse clock (ticks of about 0.5 s), so the stall is well past it.
    name: 'a body that stalls for longer than --timeout between two bytes (2 s > 0.5 s): retried',
    faults: [{ page: 3, attempt: 1, kind: 'slow-body', ms: 8000 }],
    args: ['--timeout', '0.5'],
    page: 3,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, 'UND_ERR_BODY_TIMEOUT']],
  },
  {
    name: 'an HTML 200 once (a proxy page)',
    faults: [{ page: 2, attempt: 1, kind: 'body', body: '<!doctype html><title>502</title><p>upstream hiccup</p>', contentType: 'text/html' }],
    page: 2,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, 'text/html (HTML?) where JSON was expected']],
  },
  {
    name: 'an empty 200 once',
    faults: [{ page: 3, attempt: 1, kind: 'body', body: '' }],
    page: 3,
    requests: 2,
    waits: [[...GARBAGE_BACKOFF, 'an empty body where JSON was expected']],
  },
  {
    name: "page 2 and page 3 repeat the previous page's rows (deduplicated)",
    faults: [
      { page: 2, kind: 'duplicate-rows' },
      { page: 3, kind: 'duplicate-rows' },
    ],
    page: 2,
    requests: 1,
    waits: [],
    notes: [
      'robofy: page 2 began with 10 leads already read (the listing shifted: leads were captured while it was paged); each written once',
      'robofy: page 3 began with 10 leads already read (the listing shifted: leads were captured while it was paged); each written once',
      'robofy: the listing changed while it was read; had a lead also been deleted meanwhile, one lead at a page boundary could have been missed, ' +
        'and the next run (with --state: within --overlap) exports it',
    ],
  },
];

describe.concurrent('faults the export survives: the output is byte-identical to a clean run', SLOW, () => {
  const cases = SURVIVABLE.flatMap((fault) => FORMATS.map((format) => ({ ...fault, format })));

  it.for(cases)('$format: $name', async (c, { expect }) => {
    const api = await fakeApi({ ...LISTING, faults: c.faults });
    const started = Date.now();
    const { result, bytes, dir } = await exportToFile(api, c.format, ['--verbose', ...(c.args ?? [])]);
    const elapsed = Date.now() - started;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expectNoKey(result);
    // --verbose: request and retry lines only (and, where rows repeat, what that says of the listing); nothing else went wrong.
    const notes = result.stderr.split('\n').slice(0, -1).filter((line) => !/^robofy: (GET|retry) /.test(line));
    expect(notes).toEqual(c.notes ?? []);
    expectSameBytes(expect, bytes, await reference(c.format));
    expect(listDir(dir)).toEqual([`out.${c.format}`]);

    expect(requestsFor(api, c.page)).toBe(c.requests);
    for (const page of [1, 2, 3].filter((p) => !c.faults.some((f) => f.page === p))) expect(requestsFor(api, page)).toBe(1);
    const seen = retries(result.stderr);
    expect(seen).toHaveLength(c.waits.length);
    seen.forEach((retry, i) => {
      const [min, max, reason] = c.waits[i]!;
      expect(retry.waitS).toBeGreaterThanOrEqual(min);
      expect(retry.waitS).toBeLessThanOrEqual(max);
      expect(retry.reason).toContain(reason);
    });
    if (c.minMs !== undefined) expect(elapsed).toBeGreaterThanOrEqual(c.minMs);
  });
});

interface Fatal {
  name: string;
  faults: Fault[];
  args?: string[];
  exitCode: number;
  message: string | RegExp;
  /** How many requests the faulty page got. */
  page: number;
  requests: number;
  /** Must fail faster than this (it must not sit out a wait). */
  maxMs?: number;
}

const FATAL: Fatal[] = [
  {
    name: '500 on every attempt with --retries 1',
    faults: [{ page: 2, kind: 'status', status: 500 }],
    args: ['--retries', '1'],
    exitCode: 5,
    message: 'the API failed (500 INTERNAL_SERVER_ERROR: An unexpected error occurred. Please try again later.) (gave up after 2 attempts)',
    page: 2,
    requests: 2,
  },
  {
    name: 'Retry-After: 3600 (fails at once, saying how long the server asked)',
    faults: [{ page: 2, kind: 'status', status: 429, retryAfter: '3600' }],
    exitCode: 5,
    message: 'the server asked to wait 3600s, more than the 120s this tool waits',
    page: 2,
    requests: 1,
    maxMs: 8000,
  },
  {
    name: 'a page token that repeats (A, B, A)',
    faults: [{ page: 3, kind: 'repeat-token', token: encodePageToken(2) }],
    exitCode: 5,
    message: `the API sent page token "${encodePageToken(2)}" again after page 3: a pagination loop; stopping`,
    page: 3,
    requests: 1,
  },
  {
    name: '400 (never retried)',
    faults: [{ page: 2, kind: 'status', status: 400 }],
    exitCode: 2,
    message: 'the API refused the request (400 BAD_REQUEST: Request failed with status 400.)',
    page: 2,
    requests: 1,
  },
  {
    name: '401 (never retried)',
    faults: [{ page: 2, kind: 'status', status: 401 }],
    exitCode: 3,
    message: 'the API rejected the key (401 UNAUTHORIZED: Authentication token is missing or invalid.)',
    page: 2,
    requests: 1,
  },
  {
    name: '403 (never retried)',
    faults: [{ page: 2, kind: 'status', status: 403 }],
    exitCode: 3,
    message: 'the API rejected the key (403 FORBIDDEN',
    page: 2,
    requests: 1,
  },
  {
    name: '404 (never retried)',
    faults: [{ page: 2, kind: 'status', status: 404, body: '{"message":"Not Found","error":{"code":"PROJECT_NOT_FOUND","detail":"gone"}}' }],
    exitCode: 4,
    message: 'project 12 / chatbot abc not found (404 PROJECT_NOT_FOUND: gone)',
    page: 2,
    requests: 1,
  },
  {
    name: 'a body cut off on every attempt with --retries 0',
    faults: [{ page: 3, kind: 'truncate' }],
    args: ['--retries', '0'],
    exitCode: 5,
    message: /request failed: .* \(gave up after 1 attempt\)$/,
    page: 3,
    requests: 1,
  },
];

// One clean run with --state, whose output and state file every failing run then starts from.
let earlier: Promise<{ out: Buffer; state: Buffer }> | undefined;
function earlierRun(): Promise<{ out: Buffer; state: Buffer }> {
  earlier ??= (async () => {
    const api = await fakeApi(LISTING);
    const dir = scratch();
    const result = await cli(api, exportArgs('-o', join(dir, 'out.csv'), '--state', join(dir, 'export.state')));
    if (result.code !== 0) throw new Error(`the first run failed: ${result.stderr}`);
    return { out: readFileSync(join(dir, 'out.csv')), state: readFileSync(join(dir, 'export.state')) };
  })();
  return earlier;
}

describe.concurrent('faults the export cannot survive: exit code, one line, nothing half-written', SLOW, () => {
  it.for(FATAL)('$name', async (c, { expect }) => {
    const api = await fakeApi(LISTING);
    api.addLeads(3);
    api.setFaults(c.faults);
    const dir = scratch();
    const out = join(dir, 'out.csv');
    const state = join(dir, 'export.state');
    // An earlier good run left an output file and a state file; someone keeps a file of their own there too.
    const before = await earlierRun();
    writeFileSync(out, before.out);
    writeFileSync(state, before.state);
    writeFileSync(join(dir, 'notes.txt'), 'mine');

    const started = Date.now();
    const result = await cli(api, exportArgs('-o', out, '--state', state, ...(c.args ?? [])));
    const elapsed = Date.now() - started;

    expect(result.stdout).toBe('');
    expectOneLineError(result, c.exitCode, c.message);
    expectNoKey(result);
    expect(readFileSync(out).equals(before.out), 'the output file changed').toBe(true);
    expect(readFileSync(state).equals(before.state), 'the state file changed').toBe(true);
    // No temp file, no spool, no lock.
    expect(listDir(dir)).toEqual(['export.state', 'notes.txt', 'out.csv']);
    expect(requestsFor(api, c.page)).toBe(c.requests);
    if (c.maxMs !== undefined) expect(elapsed).toBeLessThan(c.maxMs);

    if (c.exitCode === 5) {
      // The next clean run delivers what the failed one did not: the 3 new leads, once.
      api.setFaults([]);
      const next = await cli(api, exportArgs('--state', state, '--format', 'jsonl'));
      expect(next.code, next.stderr).toBe(0);
      expect(next.stdout.split('\n').slice(0, -1).map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(['lead_28', 'lead_27', 'lead_26']);
    }
  });

  it('the same holds for jsonl and json to an existing file', async ({ expect }) => {
    await Promise.all(
      (['jsonl', 'json'] as const).map(async (format) => {
        const api = await fakeApi({ ...LISTING, faults: [{ page: 3, kind: 'status', status: 503 }] });
        const dir = scratch();
        const out = join(dir, `out.${format}`);
        writeFileSync(out, 'previous export\n');
        const result = await cli(api, exportArgs('-o', out, '--retries', '1'));
        expectOneLineError(result, 5, '(gave up after 2 attempts)');
        expectNoStack(result);
        expect(readFileSync(out, 'utf8')).toBe('previous export\n');
        expect(listDir(dir)).toEqual([`out.${format}`]);
      }),
    );
  });
});
