/**
 * Benchmark of `robofy leads export` against the fake Robofy API.
 *
 *   npm run bench                       # full run, < 10 min on 2 cores
 *   BENCH_QUICK=1 npm run bench         # smoke run of every row, ~30 s
 *
 * What it measures (each figure is the median of several runs, every process
 * a child of this one; the fake API runs in its own child process too, so its
 * CPU and event loop are never the measured process's):
 *   - wall time, CPU time and peak RSS of the real CLI
 *     (`node bin/robofy.js leads export --project 12 --chatbot abc --format F -o FILE --quiet`)
 *     to CSV, JSONL, JSON and xlsx, for 100,000 and 1,000,000 leads: page size 100,
 *     ten form fields a lead, listed oldest first, and the last 10% of the
 *     listing carries two more fields (`company`, `source`), so CSV only learns
 *     its full header near the end;
 *   - the same for 100,000 leads with 20 ms of server latency per page, CSV and
 *     JSONL, not xlsx (1,000,000 would be 10,000 pages x 20 ms = 200 s a run);
 *   - two floors (bench/floor.ts), minimal clients that fetch and JSON.parse
 *     the same pages over one keep-alive connection and discard them: one on
 *     node:http (`Buffer.concat`, `toString`, `JSON.parse`), the reference for
 *     every ratio and for robofy's own CPU per lead, (robofy CPU - floor CPU)
 *     / leads; one on undici, what robofy itself is built on;
 *   - a Python peer (bench/peer.py): the script a user would write instead,
 *     `requests` (or http.client) and csv.DictWriter, every row held in memory;
 *   - a bash loop of curl + jq (bench/curl-jq.sh) on a smaller set, against
 *     robofy CSV on that same set;
 *   - start-up: `robofy --version` and `robofy leads export --help` against
 *     `node -e 0`;
 *   - a real link (a slow office or VPN line): 30,000 leads, 20 ms a page and
 *     2 MB/s per connection, robofy against the API compressing (gzip), against
 *     the same API with compression off, and the floor asking for gzip.
 * Peak RSS and CPU time (user + sys) come from GNU `/usr/bin/time -f '%M %U %S'`
 * when it works, otherwise from a preload (bench/maxrss.ts) that records
 * process.resourceUsage() at exit. The fake API's CPU per run is read from
 * /proc/<pid>/stat. CPU time is reported beside wall time because it is far
 * less sensitive to other load on the machine.
 *
 * Budget: the whole run must stay under about ten minutes on 2 cores, with
 * every scenario in it. Runs are spent where figures move: 3 at 100,000 leads
 * (a few seconds each); 1 at 1,000,000 leads (~15-25 s each, steady to a few
 * per cent); 2 with latency (>= 20 s each, the sleep dominates), and there
 * only the node:http floor, CSV and JSONL (JSON writes what JSONL writes, with
 * other framing); 1 of the Python peer (~10-15 s, it only has to be beaten
 * twice over); the undici floor only at 100,000 leads without latency.
 * A scenario of its own adds a DataSet and its clients to `scenarios()`.
 *
 * Output: a markdown report on stdout (machine, tables, targets with
 * PASS/MISS), also written to bench/RESULTS.md; progress goes to stderr.
 * Scratch files live in a temp dir that is removed at the end. What is
 * measured is a copy of bin/ and dist/ taken into that dir at start (after
 * `npm run build`), so other people rebuilding dist/ meanwhile cannot change
 * the code halfway through the run.
 *
 * Environment knobs:
 *   BENCH_RUNS=3          runs per measurement of the 100,000-lead rows and of robofy on the curl+jq set
 *   BENCH_RUNS_1M=1       runs per measurement of the 1,000,000-lead rows (~40 s each)
 *   BENCH_LATENCY_RUNS=2  runs per measurement of the 20 ms latency rows (>= 20 s each, and
 *                         steady: the sleep dominates; 3 would add ~90 s)
 *   BENCH_CURL_RUNS=1     runs of the curl+jq loop (~10-25 s each)
 *   BENCH_PEER_RUNS=1     runs of the Python peer (~10-15 s each)
 *   BENCH_STARTUP_RUNS=10 runs per start-up command
 *   BENCH_QUICK=1         tiny data sets (2,000 / 10,000 / 1,000 leads), 1 run of each,
 *                         3 start-up runs: checks every row works, numbers mean little
 *   BENCH_SKIP_1M=1       leave out the 1,000,000-lead rows
 *   BENCH_RSS=preload     use the preload even if GNU time is there
 *   BENCH_NO_RESULTS=1    do not write bench/RESULTS.md
 *   BENCH_MANY_RUNS=1     runs of the many-chatbot row (bench/many-chatbots.ts; ~15 s a run)
 *   BENCH_SKIP_MANY=1     leave out the many-chatbot row
 *   BENCH_LINK_RUNS=1     runs per client of the real-link rows (~10 s compressed, ~25 s not)
 *   BENCH_ONLY=link       measure the real-link rows alone
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, tmpdir, totalmem, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MANY, measureManyChatbots, type ManyResult } from './many-chatbots.js';

// ---------------------------------------------------------------- configuration

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
// Set by snapshotApp(): the measured code is a copy taken at start, so a
// rebuild of dist/ by someone else mid-bench cannot mix two versions.
let APP = ROOT;
let DIST_BENCH = join(ROOT, 'dist', 'bench');
let CLI = join(ROOT, 'bin', 'robofy.js');
let CURL_JQ = join(ROOT, 'bench', 'curl-jq.sh');
let PEER = join(ROOT, 'bench', 'peer.py');

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = envInt('BENCH_RUNS', QUICK ? 1 : 3);
const RUNS_1M = envInt('BENCH_RUNS_1M', 1);
const LATENCY_RUNS = envInt('BENCH_LATENCY_RUNS', QUICK ? 1 : 2);
const CURL_RUNS = envInt('BENCH_CURL_RUNS', 1);
const PEER_RUNS = envInt('BENCH_PEER_RUNS', 1);
const STARTUP_RUNS = envInt('BENCH_STARTUP_RUNS', QUICK ? 3 : 10);
const SKIP_LARGE = process.env.BENCH_SKIP_1M === '1';
const MANY_RUNS = envInt('BENCH_MANY_RUNS', 1);
const SKIP_MANY = process.env.BENCH_SKIP_MANY === '1';
const SMALL = QUICK ? 2_000 : 100_000;
const LARGE = QUICK ? 10_000 : 1_000_000;
const CURL_SET = QUICK ? 1_000 : 10_000;
const PAGE_SIZE = 100;
const FIELDS = 10;
const LATE_FIELDS = ['company', 'source'];
const LATENCY_MS = 20;
/** Pages fetched, unmeasured, from each fresh fake API before measuring. */
const WARMUP_PAGES = QUICK ? 20 : 300;
const FORMATS = ['csv', 'jsonl', 'json'] as const;
/** xlsx runs on the no-latency sets only, beside csv: its targets are relative to csv and its peak RSS. */
const WITH_XLSX = [...FORMATS, 'xlsx'] as const;
type Format = (typeof WITH_XLSX)[number];
/** With latency the sleep dominates; JSON writes what JSONL writes, so it is left out there. */
const LATENCY_FORMATS = ['csv', 'jsonl'] as const;
const LINK_LEADS = QUICK ? 3_000 : 30_000;
const LINK_RUNS = envInt('BENCH_LINK_RUNS', 1);
const LINK_BYTES_PER_SECOND = 2_000_000;
const LINK_ONLY = process.env.BENCH_ONLY === 'link';
/** A measured child that runs longer than this is killed and the bench fails. */
const CHILD_TIMEOUT_MS = 15 * 60_000;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

// ---------------------------------------------------------------- small helpers

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const fmtMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMB = (kb: number | undefined): string => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`);
const fmtRatio = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

// ---------------------------------------------------------------- peak RSS

type RssMethod = 'gnu-time' | 'preload';

function pickRssMethod(): RssMethod {
  if (process.env.BENCH_RSS === 'preload') return 'preload';
  if (!existsSync('/usr/bin/time')) return 'preload';
  // Busybox and BSD time lack -f/-o; prove GNU time works before trusting it.
  const probe = join(tmpdir(), `robofy-bench-time-probe-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', probe, 'true'], { stdio: 'ignore' });
  let ok = false;
  try {
    ok = r.status === 0 && /^\d+\s*$/.test(readFileSync(probe, 'utf8'));
  } catch {
    ok = false;
  }
  spawnSync('rm', ['-f', probe]);
  return ok ? 'gnu-time' : 'preload';
}

// ---------------------------------------------------------------- child processes

interface RunResult {
  ms: number;
  rssKB: number | undefined;
  /** user + sys of the measured process (and its children, for bash). */
  cpuMs: number | undefined;
  /** CPU the fake API spent during this run. */
  serverCpuMs?: number | undefined;
  stdout: string;
}

interface Measured {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The command is `node`: the preload can record its RSS. */
  isNode: boolean;
}

const live = new Set<ChildProcess>();

/** Signals a child's whole process group (every child is spawned detached, as a group leader). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
let rssMethod: RssMethod = 'gnu-time';
let scratch = '';
let runCounter = 0;

/** Runs one command to completion: wall time from spawn to exit, and its peak RSS. */
async function runOnce(m: Measured, withRss = true): Promise<RunResult> {
  const rssFile = join(scratch, `rss-${++runCounter}.txt`);
  let cmd = m.cmd;
  let args = m.args;
  const env: NodeJS.ProcessEnv = { ...(m.env ?? process.env) };
  if (withRss && rssMethod === 'gnu-time') {
    args = ['-f', '%M %U %S', '-o', rssFile, cmd, ...args];
    cmd = '/usr/bin/time';
  } else if (withRss && m.isNode) {
    args = ['--import', pathToFileURL(join(DIST_BENCH, 'maxrss.js')).href, ...args];
    env.BENCH_MAXRSS_FILE = rssFile;
  }
  const started = process.hrtime.bigint();
  // Own process group, so cleanup can stop GNU time and what it runs together.
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: scratch, detached: true });
  live.add(child);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    if (stdout.length < 1 << 20) stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 1 << 16) stderr += d;
  });
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), CHILD_TIMEOUT_MS);
  const { code, signal, ended } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; ended: bigint }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, s) => resolve({ code: c, signal: s, ended: process.hrtime.bigint() }));
  });
  clearTimeout(timer);
  // Wait for the pipes so no output is lost; the clock stopped at exit.
  await closed;
  live.delete(child);
  if (code !== 0) {
    throw new Error(`${m.cmd} ${m.args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.trim()}`);
  }
  let rssKB: number | undefined;
  let cpuMs: number | undefined;
  if (withRss) {
    try {
      // GNU time: "%M %U %S" (KiB, s, s); the preload: "maxRSS userµs sysµs". Last line either way.
      const fields = ((await readFile(rssFile, 'utf8')).trim().split('\n').at(-1) ?? '').split(/\s+/).map(Number);
      const [rss, user, sys] = fields;
      if (rss !== undefined && Number.isFinite(rss) && rss > 0) rssKB = rss;
      if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) {
        cpuMs = rssMethod === 'gnu-time' ? (user + sys) * 1000 : (user + sys) / 1000;
      }
    } catch {
      rssKB = undefined;
    }
    await rm(rssFile, { force: true });
  }
  return { ms: Number(ended - started) / 1e6, rssKB, cpuMs, stdout };
}

// ---------------------------------------------------------------- the fake API

interface BenchServer {
  url: string;
  token: string;
  /** CPU time (ms) the server process has used so far, if the OS tells. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

const CLK_TCK = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** utime + stime of a process from /proc (Linux), in ms. */
function procCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLK_TCK : undefined;
  } catch {
    return undefined;
  }
}

interface DataSet {
  leads: number;
  latencyMs: number;
  /** Further fake API options for this set (FakeApiOptions in test/fake-api/server.ts). */
  server?: Record<string, unknown>;
}

async function startServer(set: DataSet, extra: Record<string, unknown> = {}): Promise<BenchServer> {
  const options = {
    leads: set.leads,
    pageSize: PAGE_SIZE,
    fields: FIELDS,
    order: 'asc',
    lateFields: { fromLead: Math.floor(set.leads * 0.9), names: LATE_FIELDS },
    latencyMs: set.latencyMs,
    ...set.server,
    ...extra,
  };
  const child = spawn(NODE, [join(DIST_BENCH, 'server.js'), JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited (${code}) before it listened`)));
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  return {
    url,
    token,
    cpuMs: () => procCpuMs(child.pid),
    stop: async () => {
      killGroup(child, 'SIGTERM');
      await exited;
      live.delete(child);
    },
  };
}

// ---------------------------------------------------------------- measurements

interface Row {
  /** The client's key in its set (`floor`, `csv`, `peer`, ...). */
  key: string;
  label: string;
  /** Which data set (leads, latency and server options): rows of one set share a floor. */
  set: string;
  leads: number;
  latencyMs: number;
  format: Format | '—';
  runs: RunResult[];
  ms: number;
  rssKB: number | undefined;
  cpuMs: number | undefined;
  serverCpuMs: number | undefined;
}

function summarise(key: string, label: string, set: DataSet, format: Format | '—', runs: RunResult[]): Row {
  const known = (values: Array<number | undefined>): number | undefined => {
    const v = values.filter((x): x is number => x !== undefined);
    return v.length > 0 ? median(v) : undefined;
  };
  const rss = runs.map((r) => r.rssKB).filter((v): v is number => v !== undefined);
  return {
    cpuMs: known(runs.map((r) => r.cpuMs)),
    serverCpuMs: known(runs.map((r) => r.serverCpuMs)),
    key,
    label,
    set: setId(set),
    leads: set.leads,
    latencyMs: set.latencyMs,
    format,
    runs,
    ms: median(runs.map((r) => r.ms)),
    rssKB: rss.length > 0 ? median(rss) : undefined,
  };
}

function setId(set: DataSet): string {
  return `${set.leads}/${set.latencyMs}/${JSON.stringify(set.server ?? {})}`;
}

function cliEnv(server: BenchServer): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ROBOFY_TOKEN: server.token,
    ROBOFY_API_URL: server.url,
    ROBOFY_CONFIG_DIR: join(scratch, 'config'),
    NO_COLOR: '1',
  };
}

function exportCommand(server: BenchServer, format: Format, out: string): Measured {
  return {
    cmd: NODE,
    args: [CLI, 'leads', 'export', '--project', '12', '--chatbot', 'abc', '--format', format, '-o', out, '--quiet'],
    env: cliEnv(server),
    isNode: true,
  };
}

/** Cheap proof that an export is whole: it has the late columns and the right number of leads where that is cheap to count. */
async function checkExport(path: string, format: Format, leads: number): Promise<void> {
  const size = (await stat(path)).size;
  if (size === 0) throw new Error(`${format} export is empty`);
  const head = await readHead(path, 4096);
  if (format === 'csv' && !/^id,.*company/.test(head.split('\n')[0] ?? '')) throw new Error(`csv header lacks the late column: ${head.slice(0, 200)}`);
  if (format === 'jsonl') {
    const lines = await countNewlines(path);
    if (lines !== leads) throw new Error(`jsonl export has ${lines} lines, expected ${leads}`);
  }
  if (format === 'json' && !head.startsWith('[')) throw new Error('json export does not start with [');
  if (format === 'xlsx' && !head.startsWith('PK')) throw new Error('xlsx export is not a zip');
}

async function readHead(path: string, bytes: number): Promise<string> {
  let text = '';
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1, encoding: 'utf8' })) text += chunk as string;
  return text;
}

async function countNewlines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}

function describeRun(r: RunResult): string {
  const cpu = r.cpuMs === undefined ? '' : `, cpu ${fmtMs(r.cpuMs)}`;
  const server = r.serverCpuMs === undefined ? '' : `, server cpu ${fmtMs(r.serverCpuMs)}`;
  return `${fmtMs(r.ms)}${cpu}${server}, rss ${fmtMB(r.rssKB)}`;
}

/** One command measured on a data set: a floor, a robofy export, a peer. */
interface Client {
  /** Unique within its set: `floor`, `floor-undici`, `csv`, `peer`, ... */
  key: string;
  label: string;
  format: Format | '—';
  /** At most this many runs (default: every run of the set). */
  maxRuns?: number;
  command(server: BenchServer, out: string): Measured;
  /** Proof that a run did its work, after the first run; throws if not. */
  check(out: string, run: RunResult, leads: number): Promise<void>;
}

/** The node:http floor: the reference for every ratio and for robofy's own CPU per lead. */
const FLOOR = 'floor';

function floorClient(key: string, label: string, transport: 'node-http' | 'undici' | 'undici-dispatch'): Client {
  return {
    key,
    label,
    format: '—',
    command: (server) => ({ cmd: NODE, args: [join(DIST_BENCH, 'floor.js'), transport, server.url, server.token], isNode: true }),
    check: async (_out, run, leads) => {
      const got = JSON.parse(run.stdout) as { leads: number };
      if (got.leads !== leads) throw new Error(`${label} read ${got.leads} leads, expected ${leads}`);
    },
  };
}

function robofyClient(format: Format): Client {
  return {
    key: format,
    label: 'robofy',
    format,
    command: (server, out) => exportCommand(server, format, out),
    check: (out, _run, leads) => checkExport(out, format, leads),
  };
}

function peerClient(): Client {
  return {
    key: 'peer',
    label: 'Python peer',
    format: 'csv',
    maxRuns: PEER_RUNS,
    command: (server, out) => ({ cmd: 'python3', args: [PEER, '12', 'abc', out], env: cliEnv(server), isNode: false }),
    check: async (out, _run, leads) => {
      const lines = await countNewlines(out);
      if (lines < leads + 1) throw new Error(`the Python peer wrote ${lines} lines for ${leads} leads`);
    },
  };
}

/** Why the Python peer cannot run here, or undefined when it can. */
function peerUnavailable(): string | undefined {
  if (!hasCommand('python3')) return 'python3 is not installed';
  const probe = spawnSync('python3', ['-c', 'import csv, http.client, json'], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : 'python3 cannot import csv, http.client and json';
}

/** A run with the server's CPU time over it. */
async function runOnceServedBy(server: BenchServer, m: Measured): Promise<RunResult> {
  const before = server.cpuMs();
  const r = await runOnce(m);
  const after = server.cpuMs();
  return { ...r, serverCpuMs: before === undefined || after === undefined ? undefined : after - before };
}

/** Every client of one data set, interleaved run by run so drift hits all alike. */
async function measureSet(set: DataSet, runs: number, clients: readonly Client[]): Promise<Row[]> {
  const server = await startServer(set);
  const runOnceServed = (m: Measured): Promise<RunResult> => runOnceServedBy(server, m);
  const title = `${fmtInt(set.leads)} leads, ${set.latencyMs} ms latency${set.server ? ` ${JSON.stringify(set.server)}` : ''}`;
  try {
    // Warm the fake API's JIT up first, or whichever client runs first pays for it.
    await runOnce({ cmd: NODE, args: [join(DIST_BENCH, 'floor.js'), 'node-http', server.url, server.token, String(WARMUP_PAGES)], isNode: true }, false);
    const results = new Map<string, RunResult[]>(clients.map((c) => [c.key, []]));
    for (let run = 1; run <= runs; run++) {
      for (const client of clients) {
        if (run > (client.maxRuns ?? runs)) continue;
        const out = join(scratch, `out-${set.leads}-${set.latencyMs}-${client.key}`);
        const r = await runOnceServed(client.command(server, out));
        if (run === 1) await client.check(out, r, set.leads);
        await rm(out, { force: true });
        results.get(client.key)?.push(r);
        log(`  [${title}] run ${run}/${runs} ${client.key} ${describeRun(r)}`);
      }
    }
    return clients.map((c) => summarise(c.key, c.label, set, c.format, results.get(c.key) ?? []));
  } finally {
    await server.stop();
  }
}

/**
 * The real link: robofy (CSV) against the API compressing and the same API
 * with compression off, and the floor asking for gzip; two servers with the
 * same data, latency and bandwidth cap, runs interleaved.
 */
async function measureRealLink(runs: number): Promise<Row[]> {
  const plainSet: DataSet = { leads: LINK_LEADS, latencyMs: LATENCY_MS, server: { bytesPerSecond: LINK_BYTES_PER_SECOND } };
  const gzipSet: DataSet = { ...plainSet, server: { ...plainSet.server, compression: 'gzip' } };
  const compressing = await startServer(gzipSet);
  const plain = await startServer(plainSet);
  const out = join(scratch, 'link.csv');
  // The undici floor: the transport robofy itself uses.
  const floorArgs = (server: BenchServer, ...rest: string[]): string[] => [join(DIST_BENCH, 'floor.js'), 'undici', server.url, server.token, ...rest, '--gzip'];
  const robofy = async (server: BenchServer): Promise<RunResult> => {
    const r = await runOnceServedBy(server, exportCommand(server, 'csv', out));
    await checkExport(out, 'csv', LINK_LEADS);
    await rm(out, { force: true });
    return r;
  };
  const clients: { key: string; set: DataSet; measure: () => Promise<RunResult> }[] = [
    { key: 'floor, gzip', set: gzipSet, measure: () => runOnceServedBy(compressing, { cmd: NODE, args: floorArgs(compressing), isNode: true }) },
    { key: 'robofy, gzip', set: gzipSet, measure: () => robofy(compressing) },
    { key: 'robofy, uncompressed', set: plainSet, measure: () => robofy(plain) },
  ];
  try {
    for (const server of [compressing, plain]) await runOnce({ cmd: NODE, args: floorArgs(server, '20'), isNode: true }, false);
    const results = new Map<string, RunResult[]>(clients.map((c) => [c.key, []]));
    for (let run = 1; run <= runs; run++) {
      for (const client of clients) {
        const r = await client.measure();
        results.get(client.key)?.push(r);
        log(`  [real link] run ${run}/${runs} ${client.key} ${describeRun(r)}`);
      }
    }
    return clients.map((c) => summarise(c.key, c.key, c.set, c.key.startsWith('floor') ? '—' : 'csv', results.get(c.key) ?? []));
  } finally {
    await Promise.all([compressing.stop(), plain.stop()]);
  }
}

function linkTable(rows: Row[]): string[] {
  const floor = rows.find((r) => r.label === 'floor, gzip');
  const out = ['| Client | Leads | Wall (median) | × gzip floor | CPU (median) | Server CPU | Peak RSS | Runs (wall) |', '|---|---:|---:|---:|---:|---:|---:|---|'];
  for (const r of rows) {
    out.push(
      `| ${r.label} | ${fmtInt(r.leads)} | ${fmtMs(r.ms)} | ${floor ? fmtRatio(r.ms / floor.ms) : 'n/a'} | ${r.cpuMs === undefined ? 'n/a' : fmtMs(r.cpuMs)} | ` +
        `${r.serverCpuMs === undefined ? 'n/a' : fmtMs(r.serverCpuMs)} | ${fmtMB(r.rssKB)} | ${r.runs.map((x) => fmtMs(x.ms)).join(', ')} |`,
    );
  }
  return out;
}

function evaluateLink(rows: Row[]): Target[] {
  const [floor, gzip, plain] = ['floor, gzip', 'robofy, gzip', 'robofy, uncompressed'].map((label) => rows.find((r) => r.label === label));
  if (!floor || !gzip || !plain) return [];
  return [
    { name: 'Real link, robofy compressed ≥ 2.5× faster than uncompressed', verdict: verdict(plain.ms / gzip.ms >= 2.5), detail: fmtRatio(plain.ms / gzip.ms) },
    { name: 'Real link, robofy compressed ≤ 1.05× the gzip floor', verdict: verdict(gzip.ms / floor.ms <= 1.05), detail: fmtRatio(gzip.ms / floor.ms) },
  ];
}

interface CurlComparison {
  skipped?: string;
  leads: number;
  curl?: Row;
  robofy?: Row;
}

async function measureCurl(curlRuns: number, robofyRuns: number): Promise<CurlComparison> {
  const missing = ['curl', 'jq', 'bash'].filter((c) => !hasCommand(c));
  if (missing.length > 0) return { skipped: `${missing.join(' and ')} not installed`, leads: CURL_SET };
  const set: DataSet = { leads: CURL_SET, latencyMs: 0 };
  const server = await startServer(set);
  try {
    const curlRunResults: RunResult[] = [];
    const robofyRunResults: RunResult[] = [];
    // Interleaved, so a busy spell on the machine hits both alike.
    for (let run = 1; run <= Math.max(curlRuns, robofyRuns); run++) {
      if (run <= curlRuns) {
        const csv = join(scratch, 'curl-jq.csv');
        const c = await runOnce({ cmd: 'bash', args: [CURL_JQ, '12', 'abc', csv], env: cliEnv(server), isNode: false });
        const lines = await countNewlines(csv);
        // One header line plus at least one line a lead (messages with newlines add more).
        if (lines < set.leads + 1) throw new Error(`curl+jq wrote ${lines} lines for ${set.leads} leads`);
        await rm(csv, { force: true });
        curlRunResults.push(c);
        log(`  [curl+jq ${fmtInt(set.leads)} leads] run ${run}/${curlRuns} curl+jq ${describeRun(c)}`);
      }
      if (run <= robofyRuns) {
        const out = join(scratch, 'robofy-small.csv');
        const r = await runOnce(exportCommand(server, 'csv', out));
        await rm(out, { force: true });
        robofyRunResults.push(r);
        log(`  [curl+jq ${fmtInt(set.leads)} leads] run ${run}/${robofyRuns} robofy csv ${describeRun(r)}`);
      }
    }
    return {
      leads: set.leads,
      curl: summarise('curl', 'curl + jq', set, 'csv', curlRunResults),
      robofy: summarise('csv', 'robofy', set, 'csv', robofyRunResults),
    };
  } finally {
    await server.stop();
  }
}

interface StartupRow {
  label: string;
  ms: number;
  runs: number[];
}

async function measureStartup(runs: number): Promise<StartupRow[]> {
  const commands: Array<{ label: string; args: string[] }> = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'robofy --version', args: [CLI, '--version'] },
    { label: 'robofy leads export --help', args: [CLI, 'leads', 'export', '--help'] },
  ];
  const env = { ...process.env, ROBOFY_CONFIG_DIR: join(scratch, 'config'), NO_COLOR: '1' };
  // One unmeasured round first: page cache and the like.
  for (const c of commands) await runOnce({ cmd: NODE, args: c.args, env, isNode: true }, false);
  const times = commands.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    for (const [i, c] of commands.entries()) times[i]?.push((await runOnce({ cmd: NODE, args: c.args, env, isNode: true }, false)).ms);
  }
  log(`  [start-up] ${commands.map((c, i) => `${c.label} ${fmtMs(median(times[i] ?? []))}`).join(', ')}`);
  return commands.map((c, i) => ({ label: c.label, ms: median(times[i] ?? []), runs: times[i] ?? [] }));
}

interface Scenario {
  set: DataSet;
  runs: number;
  clients: Client[];
}

/** What is measured, set by set; each set gets its own fake API process. */
function scenarios(withPeer: boolean): Scenario[] {
  const floor = floorClient(FLOOR, 'floor (node:http)', 'node-http');
  const exports = WITH_XLSX.map(robofyClient);
  return [
    {
      set: { leads: SMALL, latencyMs: 0 },
      runs: RUNS,
      clients: [
        floor,
        floorClient('floor-undici', 'floor (undici)', 'undici'),
        floorClient('floor-undici-dispatch', 'floor (undici dispatch)', 'undici-dispatch'),
        ...exports,
        ...(withPeer ? [peerClient()] : []),
      ],
    },
    ...(SKIP_LARGE ? [] : [{ set: { leads: LARGE, latencyMs: 0 }, runs: RUNS_1M, clients: [floor, ...exports] }]),
    { set: { leads: SMALL, latencyMs: LATENCY_MS }, runs: LATENCY_RUNS, clients: [floor, ...LATENCY_FORMATS.map(robofyClient)] },
  ];
}

// ---------------------------------------------------------------- report

function machine(): string[] {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) model = m[1].trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return [
    `- CPU: ${model}, ${availableParallelism()} cores available (${cpus().length} online)`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free at start`,
    `- OS: ${process.platform} ${release()}`,
    `- Node: ${process.version}`,
  ];
}

interface Target {
  name: string;
  verdict: 'PASS' | 'MISS' | 'SKIP';
  detail: string;
}

const verdict = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');

/** The node:http floor measured on the same set as `row`. */
function floorOf(rows: readonly Row[], row: Row): Row | undefined {
  return rows.find((r) => r.set === row.set && r.key === FLOOR);
}

/** CPU (µs) a lead costs above the node:http floor: (client CPU - floor CPU) / leads. */
function cpuAboveFloorUs(rows: readonly Row[], row: Row): number | undefined {
  const floor = floorOf(rows, row);
  if (floor?.cpuMs === undefined || row.cpuMs === undefined) return undefined;
  return ((row.cpuMs - floor.cpuMs) * 1000) / row.leads;
}

function exportTable(rows: Row[]): string[] {
  const out = [
    '| Client | Leads | Latency/page | Format | Wall (median) | Wall × floor | CPU user+sys | CPU × floor | CPU above floor, µs/lead | Fake API CPU | Peak RSS | Runs (wall; CPU) |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const opt = (v: number | undefined, f: (x: number) => string): string => (v === undefined ? 'n/a' : f(v));
  for (const r of rows) {
    const floor = floorOf(rows, r);
    const isFloor = r.key === FLOOR;
    const ratio = floor ? r.ms / floor.ms : NaN;
    const cpuRatio = floor?.cpuMs !== undefined && r.cpuMs !== undefined ? r.cpuMs / floor.cpuMs : NaN;
    const runs = r.runs.map((x) => `${fmtMs(x.ms)}; ${opt(x.cpuMs, fmtMs)}`).join(', ');
    out.push(
      `| ${r.label} | ${fmtInt(r.leads)} | ${r.latencyMs} ms | ${r.format} | ${fmtMs(r.ms)} | ${isFloor ? '1.00×' : fmtRatio(ratio)} | ` +
        `${opt(r.cpuMs, fmtMs)} | ${isFloor ? '1.00×' : fmtRatio(cpuRatio)} | ${isFloor ? '—' : opt(cpuAboveFloorUs(rows, r), (us) => us.toFixed(1))} | ` +
        `${opt(r.serverCpuMs, fmtMs)} | ${fmtMB(r.rssKB)} | ${runs} |`,
    );
  }
  return out;
}

function manyTable(many: ManyResult | undefined): string[] {
  if (many === undefined) return ['Skipped: BENCH_SKIP_MANY=1.'];
  const cpu = (ms: number | undefined): string => (ms === undefined ? 'n/a' : fmtMs(ms));
  const row = (label: string, r: ManyResult['combined'], runs: ManyResult['combined'][]): string =>
    `| ${label} | ${fmtMs(r.ms)} | ${cpu(r.cpuMs)} | ${fmtMB(r.rssKB)} | ${runs.map((x) => fmtMs(x.ms)).join(', ')} |`;
  return [
    `${MANY.chatbots} chatbots × ${fmtInt(many.leadsEach)} leads, page size ${MANY.pageSize}, ${MANY.latencyMs} ms a page, one combined CSV.`,
    '',
    '| Client | Wall (median) | CPU | Peak RSS | Runs (wall) |',
    '|---|---:|---:|---:|---|',
    row('robofy, default --concurrency (4)', many.combined, many.runs.combined),
    row('robofy, --concurrency 1', many.sequential, many.runs.sequential),
    row(`${MANY.chatbots} one-chatbot robofy exports in parallel (CPU summed, RSS largest)`, many.parallel, many.runs.parallel),
  ];
}

function evaluateMany(many: ManyResult | undefined): Target[] {
  if (many === undefined) return [{ name: `${MANY.chatbots} chatbots`, verdict: 'SKIP', detail: 'BENCH_SKIP_MANY=1' }];
  const speedup = many.sequential.ms / many.combined.ms;
  const vsParallel = many.combined.ms / many.parallel.ms;
  const rss = many.combined.rssKB;
  return [
    { name: `${MANY.chatbots} chatbots: default concurrency ≥ 3.5× faster than --concurrency 1`, verdict: verdict(speedup >= 3.5), detail: fmtRatio(speedup) },
    { name: `${MANY.chatbots} chatbots: default concurrency ≤ 1.1× ${MANY.chatbots} parallel exports`, verdict: verdict(vsParallel <= 1.1), detail: fmtRatio(vsParallel) },
    rss === undefined
      ? { name: `${MANY.chatbots} chatbots: peak RSS < 120 MB`, verdict: 'SKIP', detail: 'no RSS figure' }
      : { name: `${MANY.chatbots} chatbots: peak RSS < 120 MB`, verdict: verdict(rss < 120 * 1024), detail: fmtMB(rss) },
  ];
}

function evaluate(rows: Row[], curl: CurlComparison, startup: StartupRow[], peerSkipped: string | undefined): Target[] {
  const find = (key: string, leads: number, latencyMs: number): Row | undefined =>
    rows.find((r) => r.key === key && r.leads === leads && r.latencyMs === latencyMs && r.set === setId({ leads, latencyMs }));
  const targets: Target[] = [];

  // Memory.
  if (SKIP_LARGE) {
    targets.push({ name: `Peak RSS < 100 MB at ${fmtInt(LARGE)} leads, ≤ 10 MB above ${fmtInt(SMALL)}`, verdict: 'SKIP', detail: 'BENCH_SKIP_1M=1' });
  } else {
    for (const f of FORMATS) {
      const big = find(f, LARGE, 0)?.rssKB;
      const small = find(f, SMALL, 0)?.rssKB;
      if (big === undefined || small === undefined) {
        targets.push({ name: `Peak RSS ${f}`, verdict: 'SKIP', detail: 'no RSS figure' });
        continue;
      }
      targets.push({ name: `Peak RSS < 100 MB, ${f}, ${fmtInt(LARGE)} leads`, verdict: verdict(big < 100 * 1024), detail: fmtMB(big) });
      targets.push({
        name: `Peak RSS growth ≤ 10 MB, ${f}, ${fmtInt(SMALL)} → ${fmtInt(LARGE)} leads`,
        verdict: verdict(big - small <= 10 * 1024),
        detail: `${fmtMB(small)} → ${fmtMB(big)} (${big >= small ? '+' : ''}${((big - small) / 1024).toFixed(1)} MB)`,
      });
    }
  }

  // CPU and time against the node:http floor, no latency: every size measured.
  const sizes = SKIP_LARGE ? [SMALL] : [SMALL, LARGE];
  for (const leads of sizes) {
    for (const f of FORMATS) {
      const r = find(f, leads, 0);
      const us = r === undefined ? undefined : cpuAboveFloorUs(rows, r);
      if (us === undefined) continue;
      targets.push({ name: `No latency, robofy's own CPU ≤ 4 µs/lead, ${f} (${fmtInt(leads)} leads)`, verdict: verdict(us <= 4), detail: `${us.toFixed(1)} µs` });
    }
    const floor = find(FLOOR, leads, 0);
    for (const [f, limit] of [['jsonl', 1.15], ['csv', 1.3]] as const) {
      const r = find(f, leads, 0);
      if (!floor || !r) continue;
      const ratio = r.ms / floor.ms;
      targets.push({ name: `No latency, ${f} wall ≤ ${limit}× floor (${fmtInt(leads)} leads)`, verdict: verdict(ratio <= limit), detail: fmtRatio(ratio) });
    }
  }

  // The Python peer.
  const peer = find('peer', SMALL, 0);
  const csv = find('csv', SMALL, 0);
  if (peer === undefined || csv === undefined) {
    targets.push({ name: 'No latency, ≥ 2× faster than the Python peer', verdict: 'SKIP', detail: peerSkipped ?? 'not measured' });
  } else {
    const speedup = peer.ms / csv.ms;
    const cpu = peer.cpuMs !== undefined && csv.cpuMs !== undefined ? `, CPU ${(peer.cpuMs / csv.cpuMs).toFixed(1)}×` : '';
    targets.push({ name: `No latency, ≥ 2× faster than the Python peer (${fmtInt(SMALL)} leads, CSV)`, verdict: verdict(speedup >= 2), detail: `${speedup.toFixed(1)}×${cpu}` });
  }

  // xlsx: a workbook, typed and zipped, within twice the CSV export's time; bounded memory.
  const xlsx = find('xlsx', SMALL, 0);
  if (xlsx && csv) {
    const ratio = xlsx.ms / csv.ms;
    const cpu = xlsx.cpuMs !== undefined && csv.cpuMs !== undefined ? `, CPU ${fmtRatio(xlsx.cpuMs / csv.cpuMs)}` : '';
    targets.push({ name: `No latency, xlsx ≤ 2× csv (${fmtInt(SMALL)} leads)`, verdict: verdict(ratio <= 2), detail: `${fmtRatio(ratio)}${cpu}` });
  }
  const xlsxLarge = find('xlsx', LARGE, 0)?.rssKB;
  if (xlsxLarge !== undefined) {
    targets.push({ name: `Peak RSS < 150 MB, xlsx, ${fmtInt(LARGE)} leads`, verdict: verdict(xlsxLarge < 150 * 1024), detail: fmtMB(xlsxLarge) });
  }

  // Latency.
  const lfloor = find(FLOOR, SMALL, LATENCY_MS);
  for (const f of LATENCY_FORMATS) {
    const r = find(f, SMALL, LATENCY_MS);
    if (!lfloor || !r) continue;
    const ratio = r.ms / lfloor.ms;
    targets.push({ name: `${LATENCY_MS} ms latency, ${f} ≤ 1.02× floor (${fmtInt(SMALL)} leads)`, verdict: verdict(ratio <= 1.02), detail: fmtRatio(ratio) });
  }

  // curl + jq.
  if (curl.skipped !== undefined || !curl.curl || !curl.robofy) {
    targets.push({ name: 'No latency, ≥ 10× faster than curl+jq per lead', verdict: 'SKIP', detail: curl.skipped ?? 'not measured' });
  } else {
    const speedup = curl.curl.ms / curl.robofy.ms;
    targets.push({
      name: `No latency, ≥ 10× faster than curl+jq per lead (same ${fmtInt(curl.leads)} leads, CSV)`,
      verdict: verdict(speedup >= 10),
      detail: `${speedup.toFixed(1)}× (${((curl.curl.ms * 1000) / curl.leads).toFixed(0)} vs ${((curl.robofy.ms * 1000) / curl.leads).toFixed(0)} µs/lead)`,
    });
  }

  // Start-up.
  const base = startup.find((s) => s.label === 'node -e 0');
  const version = startup.find((s) => s.label === 'robofy --version');
  if (base && version) {
    const ratio = version.ms / base.ms;
    targets.push({ name: 'robofy --version ≤ 1.5× node -e 0', verdict: verdict(ratio <= 1.5), detail: `${fmtRatio(ratio)} (${fmtMs(version.ms)} vs ${fmtMs(base.ms)})` });
  }
  return targets;
}

function report(
  rows: Row[],
  link: Row[],
  curl: CurlComparison,
  startup: StartupRow[],
  many: ManyResult | undefined,
  targets: Target[],
  meta: { started: Date; elapsedMs: number; loadStart: number[]; loadEnd: number[] },
): string {
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' / ');
  const lines: string[] = [
    '# robofy benchmark',
    '',
    `Run ${meta.started.toISOString()} by \`npm run bench\`${QUICK ? ' with BENCH_QUICK=1 (smoke run: tiny data sets, figures are not meaningful)' : ''}; took ${fmtMs(meta.elapsedMs)}.`,
    '',
    '## Machine',
    '',
    ...machine(),
    `- Load average (1/5/15 min): ${load(meta.loadStart)} at start, ${load(meta.loadEnd)} at end (other work on the machine skews timings)`,
    `- Peak RSS measured with ${rssMethod === 'gnu-time' ? 'GNU `/usr/bin/time -f %M`' : 'a preload recording `process.resourceUsage().maxRSS`'}`,
    '',
    '## Setup',
    '',
    `- Fake Robofy API (test/fake-api) in its own process on 127.0.0.1; page size ${PAGE_SIZE}, ${FIELDS} form fields a lead, listed oldest first;`,
    `  the last 10% of the listing (lateFields fromLead = 90% of the leads) carries two more fields, ${LATE_FIELDS.map((n) => `\`${n}\``).join(' and ')} (the second clashes with the base column \`source\`).`,
    `- Export: \`node bin/robofy.js leads export --project 12 --chatbot abc --format F -o FILE --quiet\`, a fresh process each run.`,
    '- Floors: `dist/bench/floor.js`, one keep-alive connection, fetch + `JSON.parse` of every page, nothing else (no prefetch,',
    '  no output). `floor (node:http)` (`Buffer.concat`, `toString`, `JSON.parse`) is the reference of every ratio; `floor (undici)`',
    '  is the same loop on undici\'s `request()` and `body.text()`, and `floor (undici dispatch)` on undici\'s `dispatch()` with the body',
    '  gathered by its handler (as robofy reads pages), both measured at 100,000 leads without latency only.',
    '- CPU above floor, µs/lead: (CPU of the client − CPU of the node:http floor on the same set) / leads, start-up included:',
    '  what robofy itself costs beyond fetching and parsing the pages.',
    '- Python peer: `bench/peer.py`, `requests` (or http.client) and `csv.DictWriter`, every row held in memory until the end.',
    `- Runs (median of): ${RUNS} at ${fmtInt(SMALL)} leads (${PEER_RUNS} of the Python peer)${SKIP_LARGE ? '' : `, ${RUNS_1M} at ${fmtInt(LARGE)} leads`}, ` +
      `${LATENCY_RUNS} with latency (CSV and JSONL), ${CURL_RUNS} of curl+jq and ${RUNS} of robofy on its set, ${STARTUP_RUNS} for start-up. ` +
      'Clients are interleaved run by run.',
    '- The floors fetch page N+1 only after parsing page N; robofy asks for page N+1 as soon as page N\'s token is read, so the fake',
    '  API\'s rendering (see its CPU column) overlaps robofy\'s work but not the floor\'s, and robofy can come out below 1.00×.',
    '- CPU time (user+sys of the measured process) is the figure to trust: wall time moves with other load on the machine.',
    `- Latency rows use ${fmtInt(SMALL)} leads only: ${fmtInt(LARGE)} leads would be ${fmtInt(LARGE / PAGE_SIZE)} pages × ${LATENCY_MS} ms = ${((LARGE / PAGE_SIZE) * LATENCY_MS) / 1000} s a run at least.`,
    '',
    '## Export',
    '',
    ...exportTable(rows),
    '',
    '## Real link',
    '',
    `${fmtInt(LINK_LEADS)} leads as CSV, ${LATENCY_MS} ms a page and ${LINK_BYTES_PER_SECOND / 1e6} MB/s per connection (the fake API paces its bodies): ` +
      'robofy against the API compressing (gzip) and against the same API with compression off, beside the undici floor, which asks for gzip ' +
      `and gunzips each whole body. Median of ${LINK_RUNS}.`,
    '',
    ...linkTable(link),
    '',
    '## curl + jq (bench/curl-jq.sh) against robofy',
    '',
  ];
  if (curl.skipped !== undefined || !curl.curl || !curl.robofy) {
    lines.push(`Skipped: ${curl.skipped ?? 'not measured'}.`);
  } else {
    lines.push(
      '| Client | Leads | Format | Wall (median) | µs/lead | robofy is faster by | Runs (wall) |',
      '|---|---:|---|---:|---:|---:|---|',
      `| curl + jq, one curl and two jq per page | ${fmtInt(curl.leads)} | csv | ${fmtMs(curl.curl.ms)} | ${((curl.curl.ms * 1000) / curl.leads).toFixed(0)} | — | ${curl.curl.runs.map((x) => fmtMs(x.ms)).join(', ')} |`,
      `| robofy (start-up included) | ${fmtInt(curl.leads)} | csv | ${fmtMs(curl.robofy.ms)} | ${((curl.robofy.ms * 1000) / curl.leads).toFixed(0)} | ${(curl.curl.ms / curl.robofy.ms).toFixed(1)}× | ${curl.robofy.runs.map((x) => fmtMs(x.ms)).join(', ')} |`,
    );
    const big = rows.find((r) => r.key === 'csv' && r.set === setId({ leads: SMALL, latencyMs: 0 }));
    if (big) {
      lines.push(
        '',
        `At ${fmtInt(SMALL)} leads robofy CSV costs ${((big.ms * 1000) / SMALL).toFixed(1)} µs/lead, ` +
          `${((curl.curl.ms / curl.leads) / (big.ms / SMALL)).toFixed(0)}× less than curl + jq's per-lead cost above (start-up amortised).`,
      );
    }
    lines.push('', 'curl + jq does less than robofy: header from the first lead only (late columns unlabelled), no formula escaping, no retries, no atomic file.');
  }
  lines.push('', '## Several chatbots in one run', '', ...manyTable(many));
  lines.push('', '## Start-up', '', '| Command | Wall (median) | × node -e 0 | Runs |', '|---|---:|---:|---|');
  const base = startup.find((s) => s.label === 'node -e 0')?.ms ?? NaN;
  for (const s of startup) lines.push(`| \`${s.label}\` | ${fmtMs(s.ms)} | ${fmtRatio(s.ms / base)} | ${s.runs.map(fmtMs).join(', ')} |`);
  lines.push('', '## Targets', '', '| Target | Result | |', '|---|---|---|');
  for (const t of targets) lines.push(`| ${t.name} | ${t.detail} | **${t.verdict}** |`);
  const misses = targets.filter((t) => t.verdict === 'MISS').length;
  lines.push('', `${targets.length - misses - targets.filter((t) => t.verdict === 'SKIP').length} pass, ${misses} miss, ${targets.filter((t) => t.verdict === 'SKIP').length} skipped.`, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

/** Copies what runs (bin, dist, package.json, the curl script) into the scratch dir; node_modules is linked. */
async function snapshotApp(): Promise<void> {
  const app = join(scratch, 'app');
  await mkdir(join(app, 'bench'), { recursive: true });
  for (const part of ['bin', 'dist/src', 'dist/test/fake-api', 'dist/bench', 'package.json', 'bench/curl-jq.sh', 'bench/peer.py']) {
    await cp(join(ROOT, part), join(app, part), { recursive: true });
  }
  await symlink(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
  APP = app;
  DIST_BENCH = join(app, 'dist', 'bench');
  CLI = join(app, 'bin', 'robofy.js');
  CURL_JQ = join(app, 'bench', 'curl-jq.sh');
  PEER = join(app, 'bench', 'peer.py');
}

async function cleanup(): Promise<void> {
  const children = [...live];
  live.clear();
  for (const child of children) killGroup(child, 'SIGTERM');
  // Let them go before their files do.
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              killGroup(child, 'SIGKILL');
              resolve();
            }, 2000);
            child.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
          }),
    ),
  );
  if (scratch !== '') await rm(scratch, { recursive: true, force: true });
}

function measureMany(): Promise<ManyResult> {
  return measureManyChatbots({
    startServer: async (extra) => {
      const server = await startServer({ leads: 0, latencyMs: MANY.latencyMs }, extra);
      return { env: cliEnv(server), stop: () => server.stop() };
    },
    runCli: (args, env) => runOnce({ cmd: NODE, args: [CLI, ...args], env, isNode: true }),
    scratch,
    runs: MANY_RUNS,
    quick: QUICK,
    log,
  });
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  const loadStart = loadavg();
  scratch = await mkdtemp(join(tmpdir(), 'robofy-bench-'));
  rssMethod = pickRssMethod();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`bench: ${signal}, cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  log(
    `bench: ${QUICK ? 'QUICK smoke run' : 'full run'}; runs ${RUNS} (1M: ${RUNS_1M}, latency: ${LATENCY_RUNS}, curl+jq: ${CURL_RUNS}), ` +
      `start-up runs ${STARTUP_RUNS}; RSS via ${rssMethod}; scratch ${scratch}`,
  );
  for (const f of [CLI, join(DIST_BENCH, 'floor.js'), join(DIST_BENCH, 'server.js'), join(DIST_BENCH, 'maxrss.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  await snapshotApp();
  log(`bench: measuring a snapshot of bin/ and dist/ in ${APP}`);
  if (!hasCommand('jq')) log('bench: jq is not installed: the curl+jq row will be skipped');

  try {
    const startup = LINK_ONLY ? [] : await measureStartup(STARTUP_RUNS);
    const curl: CurlComparison = LINK_ONLY ? { skipped: 'BENCH_ONLY=link', leads: 0 } : await measureCurl(CURL_RUNS, RUNS);
    const peerSkipped = LINK_ONLY ? 'BENCH_ONLY=link' : peerUnavailable();
    if (peerSkipped !== undefined && !LINK_ONLY) log(`bench: ${peerSkipped}: the Python peer row will be skipped`);
    const rows: Row[] = [];
    if (!LINK_ONLY) {
      for (const scenario of scenarios(peerSkipped === undefined)) rows.push(...(await measureSet(scenario.set, scenario.runs, scenario.clients)));
    }
    const many = SKIP_MANY || LINK_ONLY ? undefined : await measureMany();
    const link = await measureRealLink(LINK_RUNS);

    const targets = [...(LINK_ONLY ? [] : evaluate(rows, curl, startup, peerSkipped)), ...evaluateMany(many), ...evaluateLink(link)];
    const text = report(rows, link, curl, startup, many, targets, { started, elapsedMs: performance.now() - t0, loadStart, loadEnd: loadavg() });
    process.stdout.write(`${text}\n`);
    if (process.env.BENCH_NO_RESULTS !== '1') {
      writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), text);
      log('bench: wrote bench/RESULTS.md');
    }
  } finally {
    await cleanup();
  }
}

try {
  await main();
} catch (error) {
  log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
