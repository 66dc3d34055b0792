/**
 * Shared pieces of the end-to-end suite: fake APIs and scratch folders that
 * are always cleaned up, the expected output computed from the fake's own
 * lead generator, and the assertions every CLI result must pass.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, type TestContext } from 'vitest';
import {
  DEFAULT_TOKEN,
  decodePageToken,
  generateLead,
  startFakeApi,
  type FakeApi,
  type FakeApiOptions,
  type LeadGenOptions,
  type LeadRow,
  type RecordedRequest,
} from '../fake-api/server.js';
import { startConnectProxy, type ProxyOptions, type TestProxy } from '../net/connect-proxy.js';
import { startReceiver, type Receiver, type ReceiverOptions } from './receiver.js';
import { BIN, apiEnv, runCli, scratchDir, type CliResult, type RunOptions } from './run-cli.js';

export { parseCsv } from '../output/helpers.js';
export { runCli, type CliResult } from './run-cli.js';

/** The key every fake accepts. Every result is checked never to contain it. */
export const KEY = DEFAULT_TOKEN;
export const LEADS_PATH = '/v1/ai-agent/leads/12/abc';
/**
 * Each CLI run takes a few tenths of a second alone, but several seconds on a
 * loaded 2-core machine; tests that run the CLI several times in a row get room.
 */
export const SLOW = { timeout: 120_000 } as const;

/** A CLI run is killed after this long: a hang fails its test, and a loaded machine does not. */
export const CLI_TIMEOUT_MS = 60_000;

export const BASE_COLUMNS = ['id', 'created_at', 'source', 'page_url', 'ip_address'] as const;

// Everything a test opens is closed once its file is done, so concurrent tests need no per-test hooks.
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

export async function fakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const api = await startFakeApi(options);
  cleanups.push(() => api.close());
  return api;
}

/** A fresh folder, removed after the file's tests. */
export function scratch(): string {
  const dir = scratchDir('robofy-e2e-');
  cleanups.push(dir.remove);
  return dir.path;
}

/**
 * Runs the CLI as a logged-out user with this config folder and nothing else
 * set but `env`; checks that none of `keys` shows in its output.
 */
export async function runWithConfig(
  configDir: string,
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; stdin?: string; keys?: readonly string[] } = {},
): Promise<CliResult> {
  const result = await runCli(args, { env: { ROBOFY_CONFIG_DIR: configDir, ...options.env }, stdin: options.stdin ?? '', timeoutMs: CLI_TIMEOUT_MS });
  for (const key of options.keys ?? [KEY]) expectNoKey(result, key);
  return result;
}

/** The config file in a config folder. */
export function configFile(dir: string): string {
  return join(dir, 'config.json');
}

export function readConfig(dir: string): unknown {
  return JSON.parse(readFileSync(configFile(dir), 'utf8')) as unknown;
}

/** A fresh config folder whose file holds `data`, as an earlier version, login or a hand edit wrote it. */
export function storedConfig(data: unknown): string {
  const dir = scratch();
  writeFileSync(configFile(dir), JSON.stringify(data, null, '\t'), { mode: 0o600 });
  return dir;
}

/** How whoami and profiles show a key of 16 characters or more. */
export function masked(key: string): string {
  return `${key.slice(0, 4)}…${key.slice(-4)}`;
}

/** jq, not our own reading, says what a JSON output holds. */
export function jq(filter: string, json: string): string {
  return execFileSync('jq', ['-r', filter], { input: json, encoding: 'utf8' }).trim();
}

export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** A plain HTTP server that records whatever reaches it ("another origin"). */
export interface Recorder {
  url: string;
  port: number;
  requests: { url: string; headers: IncomingMessage['headers'] }[];
}

export async function recorder(host = '127.0.0.1'): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `http://${host}:${port}`, port, requests };
}

/** The password of the test proxy's user: checked never to show in any output. */
export const PROXY_PASSWORD = 's3cret-proxy-pw';
export const PROXY_USER = `alice:${PROXY_PASSWORD}`;

/** A CONNECT proxy on 127.0.0.1 (test/net/connect-proxy.ts), closed after the file's tests. */
export async function connectProxy(options: ProxyOptions = {}): Promise<TestProxy> {
  const proxy = await startConnectProxy(options);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** Neither the proxy password nor the Basic credentials made of it appear in any output. */
export function expectNoProxyPassword(result: CliResult): void {
  for (const text of [result.stdout, result.stderr]) {
    expect(text).not.toContain(PROXY_PASSWORD);
    expect(text).not.toContain(Buffer.from(PROXY_USER).toString('base64'));
  }
}

/**
 * Runs the CLI against `api` with a config folder of its own and (by default)
 * ROBOFY_TOKEN set. `env` entries override; pass `ROBOFY_TOKEN: undefined` to
 * run logged out.
 */
export function cli(api: FakeApi | { url: string }, args: readonly string[], options: RunOptions & { configDir?: string } = {}): Promise<CliResult> {
  const { configDir, env, ...rest } = options;
  return runCli(args, { timeoutMs: CLI_TIMEOUT_MS, ...rest, env: { ...apiEnv(api.url, configDir ?? scratch()), ...env } });
}

/**
 * `robofy ... >> file`: stdout is the file itself, opened for appending, as a
 * shell would hand it over (not a pipe the test copies from).
 */
export async function appendTo(file: string, api: FakeApi, args: readonly string[]): Promise<CliResult> {
  const fd = openSync(file, 'a');
  try {
    return await cli(api, args, { stdout: fd });
  } finally {
    closeSync(fd);
  }
}

/** `robofy leads export -p 12 -c abc ...args` */
export function exportArgs(...args: string[]): string[] {
  return ['leads', 'export', '-p', '12', '-c', 'abc', ...args];
}

/** The key, and any long piece of it, appears in no output. */
export function expectNoKey(result: CliResult, key: string = KEY): void {
  for (const [name, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    expect(text.includes(key), `${name} contains the key`).toBe(false);
    // No window of 12 characters of it either (a key printed with a cut still leaks).
    for (let i = 0; i + 12 <= key.length; i++) expect(text.includes(key.slice(i, i + 12)), `${name} contains part of the key`).toBe(false);
  }
}

/** Exit code `code` and exactly one line on stderr, `robofy: error: <message>`, no stack trace. */
export function expectOneLineError(result: CliResult, code: number, message: RegExp | string): string {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code });
  const lines = result.stderr.split('\n');
  expect(lines, `stderr should be one line:\n${result.stderr}`).toHaveLength(2);
  expect(lines[1]).toBe('');
  const line = lines[0] ?? '';
  expect(line.startsWith('robofy: error: '), line).toBe(true);
  if (typeof message === 'string') expect(line).toContain(message);
  else expect(line).toMatch(message);
  expectNoStack(result);
  return line;
}

export function expectNoStack(result: CliResult): void {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).not.toMatch(/^\s+at /m);
}

/** Successful run: exit 0, stderr empty (no TTY, so no progress), and no key anywhere. */
export function expectQuietSuccess(result: CliResult): void {
  expect({ code: result.code, stderr: result.stderr }, `stdout: ${result.stdout.slice(0, 300)}`).toEqual({ code: 0, stderr: '' });
  expectNoKey(result);
}

/** No request carried a parameter without a value (`?x=`, `x=undefined`, `x=null`) or a repeated one. */
/** The page a request asked for (1 for the first, which has no token). */
export function pageOf(request: RecordedRequest): number {
  const token = request.query.nextPageToken;
  return token === undefined ? 1 : (decodePageToken(token) ?? Number.NaN);
}

/**
 * The listing was read up to `page` with one request a page, so a bad page
 * was not retried. The page after it may have been asked for too, once: that
 * request leaves as soon as the bad page's token is read, before the page is
 * parsed and found wrong.
 */
export function expectReadOnceUpTo(api: FakeApi, page: number): void {
  const pages = api.leadRequests().map(pageOf);
  expect(pages.slice(0, page)).toEqual(Array.from({ length: page }, (_, i) => i + 1));
  expect(pages.slice(page)).toEqual(pages.length > page ? [page + 1] : []);
}

export function expectCleanQueries(api: FakeApi): void {
  for (const request of api.requests) {
    const q = request.url.indexOf('?');
    if (q < 0) continue;
    const search = request.url.slice(q + 1);
    expect(search, request.url).not.toBe('');
    const params = new URLSearchParams(search);
    const names = [...params.keys()];
    expect(new Set(names).size, request.url).toBe(names.length);
    for (const [name, value] of params) {
      expect(name, request.url).not.toBe('');
      expect(['', 'undefined', 'null'], `${name} in ${request.url}`).not.toContain(value);
    }
  }
}

/** Every request carried the key as a bearer token, and nothing else did. */
export function expectBearerOnAll(api: FakeApi, key: string = KEY): void {
  for (const request of api.requests) expect(request.headers.authorization).toBe(`Bearer ${key}`);
}

/** The rows the fake serves for `count` generated leads, in its default (newest first) order. */
export function generatedRows(count: number, options: LeadGenOptions = {}, order: 'asc' | 'desc' = 'desc'): LeadRow[] {
  const rows: LeadRow[] = [];
  for (let i = 0; i < count; i++) rows.push(generateLead(i, options).row);
  return order === 'desc' ? rows.reverse() : rows;
}

/**
 * A lead as the flat exporters should write it: base columns, then each field
 * under its name; a name equal to a base column becomes `lead_data.<name>`,
 * a name already used in the lead gets `#2`, `#3`...
 */
export function flatEntries(row: LeadRow): [string, string][] {
  const entries: [string, string][] = [
    ['id', row.id],
    ['created_at', row.created_at],
    ['source', row.source],
    ['page_url', row.page_url],
    ['ip_address', row.ip_address],
  ];
  const used = new Set<string>(BASE_COLUMNS);
  for (const field of row.lead_data) {
    let column = (BASE_COLUMNS as readonly string[]).includes(field.field_name) ? `lead_data.${field.field_name}` : field.field_name;
    if (used.has(column)) {
      let n = 2;
      while (used.has(`${column}#${n}`)) n++;
      column = `${column}#${n}`;
    }
    used.add(column);
    entries.push([column, field.field_value]);
  }
  return entries;
}

/** Spreadsheet formula neutralisation as the CLI promises it (OWASP CSV injection). */
export function neutralised(value: string): string {
  return /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value;
}

/** Header (union of columns, first seen first) and records, as parsed CSV text cells. */
export function expectedCsvTable(rows: readonly LeadRow[], options: { escape?: boolean; header?: boolean } = {}): string[][] {
  const escape = options.escape ?? true;
  const columns: string[] = [];
  for (const row of rows) for (const [name] of flatEntries(row)) if (!columns.includes(name)) columns.push(name);
  const records = rows.map((row) => {
    const entries = new Map(flatEntries(row));
    return columns.map((name) => {
      const value = entries.get(name);
      return value === undefined ? '' : escape ? neutralised(value) : value;
    });
  });
  const header = escape ? columns.map(neutralised) : columns;
  return options.header === false ? records : [header, ...records];
}

/** JSONL text as [key, value] lists, so key order is compared too. */
export function jsonlEntries(text: string): [string, unknown][][] {
  expect(text === '' || text.endsWith('\n'), 'JSONL ends with a newline').toBe(true);
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => Object.entries(JSON.parse(line) as Record<string, unknown>));
}

export function ids(rows: readonly { id: string }[]): string[] {
  return rows.map((row) => row.id);
}

/** util-linux `script` gives the CLI a real terminal; where it is missing, the TTY tests are skipped. */
export const HAS_SCRIPT = spawnSync('script', ['-qefc', 'true', '/dev/null'], { stdio: 'ignore' }).status === 0;

export interface TtyResult {
  code: number | null;
  /** Everything the terminal showed: stdout and stderr together, CRLF line ends. */
  screen: string;
}

/**
 * Runs the CLI on a pseudo-terminal (stdin, stdout and stderr all TTYs), `columns`
 * wide (default: never set, i.e. 0). `answer` sees the screen so far each time it
 * grows and may return keys to type; it is asked until it has returned something once.
 */
export function runInTty(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: { answer?: (screen: string) => string | undefined; columns?: number } = {},
): Promise<TtyResult> {
  const { answer, columns } = options;
  const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;
  // A bare pty has 0 columns until someone sets its size. `exec` makes the CLI the session
  // leader, so it gets SIGHUP (and ends) if the terminal goes away.
  const size = columns === undefined ? '' : `stty cols ${columns} rows 24 && `;
  // The shell's pid is the CLI's after exec: kept so a hung CLI can be killed (SIGHUP may be ignored).
  const pidFile = join(scratch(), 'pid');
  const command = `echo $$ > ${quote(pidFile)} && ${size}exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { PATH: process.env.PATH, TERM: 'xterm', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let answered = answer === undefined;
    const timer = setTimeout(() => {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // not started, or already gone
      }
      child.kill('SIGKILL');
    }, CLI_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
      if (answered) return;
      const keys = answer?.(screen);
      if (keys !== undefined) {
        answered = true;
        child.stdin.write(keys);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}

/** The ids of a JSONL text, in order (numeric ids as their text). */
export function jsonlIds(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => String((JSON.parse(line) as { id: unknown }).id));
}

/** Delivery (--forward-to): the signing secret, a -H value, and retries 50 ms apart so failures cost little. */
export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const HEADER_VALUE = 'Bearer crm-token-5f1c0a77e9b2d4';
export const FAST = ['--retry-wait', '0.05'];

/** A webhook receiver (./receiver.ts) checking signatures against `secret` (default SECRET), closed when the test ends. */
export async function receiver(context: TestContext, options: ReceiverOptions & { secret?: string } = {}): Promise<Receiver> {
  const { secret = SECRET, ...rest } = options;
  const started = await startReceiver(secret, rest);
  context.onTestFinished(() => started.close());
  return started;
}

/** `robofy leads export ... --forward-to <receiver>`, signing with SECRET. */
export function forward(api: FakeApi, to: Receiver, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return cli(api, exportArgs('--forward-to', to.url, ...FAST, ...args), { env: { ROBOFY_WEBHOOK_SECRET: SECRET, ...env } });
}

export function idsOf(bodies: readonly Record<string, unknown>[]): string[] {
  return bodies.map((body) => String(body.id));
}

/** lead_from ... lead_to, oldest first. */
export function leadRange(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `lead_${from + i}`);
}

/** No key, no webhook secret, no -H value, not even a long piece of one, anywhere in what the CLI printed. */
export function expectNothingSecret(result: CliResult, ...secrets: string[]): void {
  expectNoKey(result);
  for (const secret of [SECRET, SECRET.slice('whsec_'.length), HEADER_VALUE, ...secrets]) expectNoKey(result, secret);
}
