/**
 * The many-chatbot row of the benchmark: 8 chatbots of 2,000 leads each
 * (page size 100) at 50 ms a page, exported as one combined CSV
 *   - with the default --concurrency (4),
 *   - with --concurrency 1,
 * against 8 separate one-chatbot exports run in parallel (8 processes at
 * once; wall time until the last exits, CPU summed, RSS the largest).
 * Targets: default ≥ 3.5× faster than --concurrency 1, within 1.1× of the
 * 8 parallel exports, peak RSS < 120 MB. One run of each by default
 * (BENCH_MANY_RUNS), interleaved; the median is reported.
 */
import { join } from 'node:path';

export const MANY = { chatbots: 8, leadsEach: 2_000, pageSize: 100, latencyMs: 50 } as const;

export interface ManyRun {
  ms: number;
  rssKB: number | undefined;
  cpuMs: number | undefined;
}

export interface ManyDeps {
  /** Starts the fake API with these extra options; resolves to what the CLI needs to reach it. */
  startServer: (extra: Record<string, unknown>) => Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void> }>;
  /** Runs `node <cli> ...args` once, measured. */
  runCli: (args: string[], env: NodeJS.ProcessEnv) => Promise<ManyRun>;
  scratch: string;
  runs: number;
  quick: boolean;
  log: (line: string) => void;
}

export interface ManyResult {
  combined: ManyRun;
  sequential: ManyRun;
  parallel: ManyRun;
  runs: { combined: ManyRun[]; sequential: ManyRun[]; parallel: ManyRun[] };
  leadsEach: number;
}

export async function measureManyChatbots(deps: ManyDeps): Promise<ManyResult> {
  const leadsEach = deps.quick ? 200 : MANY.leadsEach;
  const keys = Array.from({ length: MANY.chatbots }, (_, i) => `12/c${i + 1}`);
  const chatbots = Object.fromEntries(keys.map((key, i) => [key, { leads: leadsEach, fields: 10, idPrefix: `c${i + 1}_` }]));
  const server = await deps.startServer({
    projects: { '12': [] },
    chatbots,
    pageSize: MANY.pageSize,
    latencyMs: MANY.latencyMs,
    lateFields: { fromLead: Math.floor(leadsEach * 0.9), names: ['company', 'source'] },
  });
  const runs: ManyResult['runs'] = { combined: [], sequential: [], parallel: [] };
  const all = keys.flatMap((key) => ['-c', key]);
  const out = (name: string): string => join(deps.scratch, name);
  try {
    for (let run = 0; run < deps.runs; run++) {
      runs.combined.push(await deps.runCli(['leads', 'export', ...all, '-o', out('many.csv'), '--quiet'], server.env));
      runs.sequential.push(await deps.runCli(['leads', 'export', ...all, '--concurrency', '1', '-o', out('many-1.csv'), '--quiet'], server.env));
      const started = performance.now();
      const each = await Promise.all(keys.map((key, i) => deps.runCli(['leads', 'export', '-c', key, '-o', out(`one-${i}.csv`), '--quiet'], server.env)));
      runs.parallel.push({
        ms: performance.now() - started,
        rssKB: Math.max(...each.map((r) => r.rssKB ?? 0)) || undefined,
        cpuMs: each.every((r) => r.cpuMs !== undefined) ? each.reduce((sum, r) => sum + (r.cpuMs ?? 0), 0) : undefined,
      });
      deps.log(
        `bench: ${MANY.chatbots} chatbots run ${run + 1}: default ${Math.round(runs.combined.at(-1)!.ms)} ms, ` +
          `--concurrency 1 ${Math.round(runs.sequential.at(-1)!.ms)} ms, 8 in parallel ${Math.round(runs.parallel.at(-1)!.ms)} ms`,
      );
    }
  } finally {
    await server.stop();
  }
  return { combined: median(runs.combined), sequential: median(runs.sequential), parallel: median(runs.parallel), runs, leadsEach };
}

/** The run with the median wall time (its RSS and CPU with it). */
function median(runs: readonly ManyRun[]): ManyRun {
  return [...runs].sort((a, b) => a.ms - b.ms)[runs.length >> 1]!;
}
