/**
 * Benchmark of `robofy leads export` against the fake Robofy API.
 *
 *   npm run bench                       # full run, < 10 min on 2 cores
 *   BENCH_QUICK=1 npm run bench         # smoke run of every row, ~30 s
 *
 * What it measures (each figure is the median of several runs, every process
 * a child of this one; the fake API runs in its own child process too, so its
 * CPU and event loop are never the measured process's):
 *   - wall time and peak RSS of the real CLI
 *     (`node bin/robofy.js leads export --project 12 --chatbot abc --format F -o FILE --quiet`)
 *     to CSV, JSONL and JSON, for 100,000 and 1,000,000 leads: page size 100,
 *     ten form fields a lead, listed oldest first, and the last 10% of the
 *     listing carries two more fields (`company`, `source`), so CSV only learns
 *     its full header near the end;
 *   - the same for 100,000 leads with 20 ms of server latency per page
 *     (1,000,000 would be 10,000 pages x 20 ms = 200 s a run);
 *   - the floor: bench/floor.ts, a minimal client that fetches and JSON.parses
 *     the same pages over one keep-alive connection and discards them. Every
 *     export is reported as a ratio to the floor measured on the same data set
 *     and latency;
 *   - a bash loop of curl + jq (bench/curl-jq.sh) on a smaller set, against
 *     robofy CSV on that same set;
 *   - start-up: `robofy --version` and `robofy leads export --help` against
 *     `node -e 0`.
 * Peak RSS and CPU time (user + sys) come from GNU `/usr/bin/time -f '%M %U %S'`
 * when it works, otherwise from a preload (bench/maxrss.ts) that records
 * process.resourceUsage() at exit. The fake API's CPU per run is read from
 * /proc/<pid>/stat. CPU time is reported beside wall time because it is far
 * less sensitive to other load on the machine.
 *
 * Budget: the full run took 9.7 min (build included) on the 2-core machine
 * while other jobs kept its load average between 5 and 18; an idle machine
 * should need less. Most of it is the latency rows (4 clients x 2 runs x
 * >= 20 s) and the 1,000,000-lead rows (4 x ~40 s).
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
 *   BENCH_STARTUP_RUNS=10 runs per start-up command
 *   BENCH_QUICK=1         tiny data sets (2,000 / 10,000 / 1,000 leads), 1 run of each,
 *                         3 start-up runs: checks every row works, numbers mean little
 *   BENCH_SKIP_1M=1       leave out the 1,000,000-lead rows
 *   BENCH_RSS=preload     use the preload even if GNU time is there
 *   BENCH_NO_RESULTS=1    do not write bench/RESULTS.md
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, tmpdir, totalmem, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ---------------------------------------------------------------- configuration

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
// Set by snapshotApp(): the measured code is a copy taken at start, so a
// rebuild of dist/ by someone else mid-bench cannot mix two versions.
let APP = ROOT;
let DIST_BENCH = join(ROOT, 'dist', 'bench');
let CLI = join(ROOT, 'bin', 'robofy.js');
let CURL_JQ = join(ROOT, 'bench', 'curl-jq.sh');

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = envInt('BENCH_RUNS', QUICK ? 1 : 3);
const RUNS_1M = envInt('BENCH_RUNS_1M', 1);
const LATENCY_RUNS = envInt('BENCH_LATENCY_RUNS', QUICK ? 1 : 2);
const CURL_RUNS = envInt('BENCH_CURL_RUNS', 1);
const STARTUP_RUNS = envInt('BENCH_STARTUP_RUNS', QUICK ? 3 : 10);
const SKIP_LARGE = process.env.BENCH_SKIP_1M === '1';
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
type Format = (typeof FORMATS)[number];
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
}

async function startServer(set: DataSet): Promise<BenchServer> {
  const options = {
    leads: set.leads,
    pageSize: PAGE_SIZE,
    fields: FIELDS,
    order: 'asc',
    lateFields: { fromLead: Math.floor(set.leads * 0.9), names: LATE_FIELDS },
    latencyMs: set.latencyMs,
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
  label: string;
  leads: number;
  latencyMs: number;
  format: Format | '—';
  runs: RunResult[];
  ms: number;
  rssKB: number | undefined;
  cpuMs: number | undefined;
  serverCpuMs: number | undefined;
}

function summarise(label: string, set: DataSet, format: Format | '—', runs: RunResult[]): Row {
  const known = (values: Array<number | undefined>): number | undefined => {
    const v = values.filter((x): x is number => x !== undefined);
    return v.length > 0 ? median(v) : undefined;
  };
  const rss = runs.map((r) => r.rssKB).filter((v): v is number => v !== undefined);
  return {
    cpuMs: known(runs.map((r) => r.cpuMs)),
    serverCpuMs: known(runs.map((r) => r.serverCpuMs)),
    label,
    leads: set.leads,
    latencyMs: set.latencyMs,
    format,
    runs,
    ms: median(runs.map((r) => r.ms)),
    rssKB: rss.length > 0 ? median(rss) : undefined,
  };
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

/** Floor and the three formats on one data set, interleaved run by run so drift hits all alike. */
async function measureSet(set: DataSet, runs: number): Promise<Row[]> {
  const server = await startServer(set);
  const runOnceServed = async (m: Measured): Promise<RunResult> => {
    const before = server.cpuMs();
    const r = await runOnce(m);
    const after = server.cpuMs();
    return { ...r, serverCpuMs: before === undefined || after === undefined ? undefined : after - before };
  };
  const title = `${fmtInt(set.leads)} leads, ${set.latencyMs} ms latency`;
  try {
    // Warm the fake API's JIT up first, or whichever client runs first pays for it.
    await runOnce({ cmd: NODE, args: [join(DIST_BENCH, 'floor.js'), server.url, server.token, String(WARMUP_PAGES)], isNode: true }, false);
    const results = new Map<string, RunResult[]>();
    const push = (key: string, r: RunResult): void => void results.set(key, [...(results.get(key) ?? []), r]);
    for (let run = 1; run <= runs; run++) {
      const floor = await runOnceServed({ cmd: NODE, args: [join(DIST_BENCH, 'floor.js'), server.url, server.token], isNode: true });
      const got = JSON.parse(floor.stdout) as { leads: number };
      if (got.leads !== set.leads) throw new Error(`floor read ${got.leads} leads, expected ${set.leads}`);
      push('floor', floor);
      log(`  [${title}] run ${run}/${runs} floor ${describeRun(floor)}`);
      for (const format of FORMATS) {
        const out = join(scratch, `leads-${set.leads}-${set.latencyMs}.${format}`);
        const r = await runOnceServed(exportCommand(server, format, out));
        if (run === 1) await checkExport(out, format, set.leads);
        await rm(out, { force: true });
        push(format, r);
        log(`  [${title}] run ${run}/${runs} ${format} ${describeRun(r)}`);
      }
    }
    return [
      summarise('floor', set, '—', results.get('floor') ?? []),
      ...FORMATS.map((f) => summarise('robofy', set, f, results.get(f) ?? [])),
    ];
  } finally {
    await server.stop();
  }
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
      curl: summarise('curl + jq', set, 'csv', curlRunResults),
      robofy: summarise('robofy', set, 'csv', robofyRunResults),
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

function exportTable(rows: Row[]): string[] {
  const floors = new Map<string, Row>();
  for (const r of rows) if (r.label === 'floor') floors.set(`${r.leads}/${r.latencyMs}`, r);
  const out = [
    '| Client | Leads | Latency/page | Format | Wall (median) | Wall × floor | µs/lead | CPU user+sys | CPU × floor | Fake API CPU | Peak RSS | Runs (wall) |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const opt = (v: number | undefined, f: (x: number) => string): string => (v === undefined ? 'n/a' : f(v));
  for (const r of rows) {
    const floor = floors.get(`${r.leads}/${r.latencyMs}`);
    const ratio = floor ? r.ms / floor.ms : NaN;
    const cpuRatio = floor?.cpuMs !== undefined && r.cpuMs !== undefined ? r.cpuMs / floor.cpuMs : NaN;
    out.push(
      `| ${r.label} | ${fmtInt(r.leads)} | ${r.latencyMs} ms | ${r.format} | ${fmtMs(r.ms)} | ${r.label === 'floor' ? '1.00×' : fmtRatio(ratio)} | ` +
        `${((r.ms * 1000) / r.leads).toFixed(1)} | ${opt(r.cpuMs, fmtMs)} | ${r.label === 'floor' ? '1.00×' : fmtRatio(cpuRatio)} | ` +
        `${opt(r.serverCpuMs, fmtMs)} | ${fmtMB(r.rssKB)} | ${r.runs.map((x) => fmtMs(x.ms)).join(', ')} |`,
    );
  }
  return out;
}

function evaluate(rows: Row[], curl: CurlComparison, startup: StartupRow[]): Target[] {
  const find = (label: string, leads: number, latencyMs: number, format: Row['format']): Row | undefined =>
    rows.find((r) => r.label === label && r.leads === leads && r.latencyMs === latencyMs && r.format === format);
  const targets: Target[] = [];

  // Memory.
  if (SKIP_LARGE) {
    targets.push({ name: `Peak RSS < 100 MB at ${fmtInt(LARGE)} leads, ≤ 10 MB above ${fmtInt(SMALL)}`, verdict: 'SKIP', detail: 'BENCH_SKIP_1M=1' });
  } else {
    for (const f of FORMATS) {
      const big = find('robofy', LARGE, 0, f)?.rssKB;
      const small = find('robofy', SMALL, 0, f)?.rssKB;
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

  // Time against the floor, no latency: every size measured.
  const sizes = SKIP_LARGE ? [SMALL] : [SMALL, LARGE];
  for (const leads of sizes) {
    const floor = find('floor', leads, 0, '—');
    for (const [f, limit] of [['jsonl', 1.15], ['csv', 1.3]] as const) {
      const r = find('robofy', leads, 0, f);
      if (!floor || !r) continue;
      const ratio = r.ms / floor.ms;
      targets.push({ name: `No latency, ${f} ≤ ${limit}× floor (${fmtInt(leads)} leads)`, verdict: verdict(ratio <= limit), detail: fmtRatio(ratio) });
    }
  }

  // Latency.
  const lfloor = find('floor', SMALL, LATENCY_MS, '—');
  for (const f of FORMATS) {
    const r = find('robofy', SMALL, LATENCY_MS, f);
    if (!lfloor || !r) continue;
    const ratio = r.ms / lfloor.ms;
    targets.push({ name: `${LATENCY_MS} ms latency, ${f} ≤ 1.05× floor (${fmtInt(SMALL)} leads)`, verdict: verdict(ratio <= 1.05), detail: fmtRatio(ratio) });
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

function report(rows: Row[], curl: CurlComparison, startup: StartupRow[], targets: Target[], meta: { started: Date; elapsedMs: number; loadStart: number[]; loadEnd: number[] }): string {
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
    '- Floor: `dist/bench/floor.js`, one keep-alive connection, fetch + `JSON.parse` of every page, nothing else (no prefetch, no output).',
    `- Runs (median of): ${RUNS} at ${fmtInt(SMALL)} leads${SKIP_LARGE ? '' : `, ${RUNS_1M} at ${fmtInt(LARGE)} leads`}, ${LATENCY_RUNS} with latency, ` +
      `${CURL_RUNS} of curl+jq and ${RUNS} of robofy on its set, ${STARTUP_RUNS} for start-up. Clients are interleaved run by run.`,
    '- The floor fetches page N+1 only after parsing page N; robofy prefetches page N+1 while it writes page N, so the fake API\'s',
    '  rendering (see its CPU column) overlaps robofy\'s work but not the floor\'s, and robofy can come out below 1.00×.',
    '- Wall time is what the targets use; CPU time (user+sys of the measured process) is shown because it is far less',
    '  sensitive to other load on the machine.',
    `- Latency rows use ${fmtInt(SMALL)} leads only: ${fmtInt(LARGE)} leads would be ${fmtInt(LARGE / PAGE_SIZE)} pages × ${LATENCY_MS} ms = ${((LARGE / PAGE_SIZE) * LATENCY_MS) / 1000} s a run at least.`,
    '',
    '## Export',
    '',
    ...exportTable(rows),
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
    const big = rows.find((r) => r.label === 'robofy' && r.leads === SMALL && r.latencyMs === 0 && r.format === 'csv');
    if (big) {
      lines.push(
        '',
        `At ${fmtInt(SMALL)} leads robofy CSV costs ${((big.ms * 1000) / SMALL).toFixed(1)} µs/lead, ` +
          `${((curl.curl.ms / curl.leads) / (big.ms / SMALL)).toFixed(0)}× less than curl + jq's per-lead cost above (start-up amortised).`,
      );
    }
    lines.push('', 'curl + jq does less than robofy: header from the first lead only (late columns unlabelled), no formula escaping, no retries, no atomic file.');
  }
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
  for (const part of ['bin', 'dist/src', 'dist/test/fake-api', 'dist/bench', 'package.json', 'bench/curl-jq.sh']) {
    await cp(join(ROOT, part), join(app, part), { recursive: true });
  }
  await symlink(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
  APP = app;
  DIST_BENCH = join(app, 'dist', 'bench');
  CLI = join(app, 'bin', 'robofy.js');
  CURL_JQ = join(app, 'bench', 'curl-jq.sh');
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
    const startup = await measureStartup(STARTUP_RUNS);
    const curl = await measureCurl(CURL_RUNS, RUNS);
    const rows: Row[] = [];
    rows.push(...(await measureSet({ leads: SMALL, latencyMs: 0 }, RUNS)));
    if (!SKIP_LARGE) rows.push(...(await measureSet({ leads: LARGE, latencyMs: 0 }, RUNS_1M)));
    rows.push(...(await measureSet({ leads: SMALL, latencyMs: LATENCY_MS }, LATENCY_RUNS)));

    const targets = evaluate(rows, curl, startup);
    const text = report(rows, curl, startup, targets, { started, elapsedMs: performance.now() - t0, loadStart, loadEnd: loadavg() });
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
