/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by
 * function + file:line (with the caller that accounts for most of it), and
 * self time by file.
 *
 *   node dist/bench/profile-summary.js PROFILE.cpuprofile [TOP=25]
 *
 * Self time of a sample is the gap to the next sample (as DevTools counts it).
 * Lines are 1-based lines of the file V8 ran (dist/*.js for our own code).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function shortUrl(url: string): string {
  if (url === '') return '';
  if (url.startsWith('file://')) {
    const rel = relative(ROOT, fileURLToPath(url));
    return rel.startsWith('..') ? fileURLToPath(url) : rel;
  }
  return url;
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: profile-summary.js PROFILE.cpuprofile [TOP]\n');
    process.exitCode = 2;
    return;
  }
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? 0;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const frameKey = (frame: CallFrame): string => {
    const url = shortUrl(frame.url);
    return `${frame.functionName || '(anonymous)'}${url === '' ? '' : ` ${url}:${frame.lineNumber + 1}`}`;
  };
  const byFunction = new Map<string, number>();
  const callers = new Map<string, Map<string, number>>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const url = shortUrl(frame.url);
    const key = frameKey(frame);
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const parentFrame = byId.get(parentOf.get(id) ?? -1)?.callFrame;
    const parent = parentFrame === undefined ? '(root)' : frameKey(parentFrame);
    const perCaller = callers.get(key) ?? new Map<string, number>();
    perCaller.set(parent, (perCaller.get(parent) ?? 0) + us);
    callers.set(key, perCaller);
    const fileKey = url === '' ? `${frame.functionName} (native/VM)` : url.replace(/^node:.*/, 'node: internals');
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const out: string[] = [`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${profile.samples.length} samples`, '', `Top ${top} by self time:`];
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const [caller, callerUs] = [...(callers.get(key) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    const share = us > 0 ? Math.round((100 * callerUs) / us) : 0;
    out.push(`${ms(us)} ${pct(us)}  ${key}${caller === '' || caller === '(root)' ? '' : `   <- ${caller} (${share}%)`}`);
  }
  out.push('', 'Self time by file:');
  for (const [key, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) out.push(`${ms(us)} ${pct(us)}  ${key}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
