import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';

/** Largest young-generation semi-space the run lets V8 grow to. */
const SEMI_SPACE_CAP_BYTES = 4 * 1024 * 1024;

/**
 * Keeps a long export's peak RSS flat (bench/RESULTS.md). Each page is
 * garbage once written, yet V8's defaults size the heap for throughput:
 * - the young generation grows to 2 × 16 MB semi-spaces as pages survive a
 *   scavenge or two; with 4 MB ones an export's time stays within
 *   run-to-run noise. V8 fixes the maximum at start-up but reads the growth
 *   factor at each growth, so the factor is 1 from the cap on;
 * - the old generation may grow to ~4× its live size between full
 *   collections; 2× is enough when little survives;
 * - V8's optimising compile of undici's WebAssembly HTTP parser peaks at
 *   ~35 MB for no measurable speed.
 * Flags set after start-up are V8's to honour or ignore: a Node whose V8
 * ignores one uses more memory, never less correctly.
 */
export function tuneHeap(): void {
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--heap-growing-percent=100');
  capYoungGeneration();
}

function capYoungGeneration(): void {
  let growthFactor = 2; // V8's default
  // Checked after every collection rather than once: V8 halves an idle young
  // generation, and it may grow back up to the cap afterwards.
  new PerformanceObserver(() => {
    const wanted = newSpaceBytes() < SEMI_SPACE_CAP_BYTES ? 2 : 1;
    if (wanted === growthFactor) return;
    growthFactor = wanted;
    setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
  }).observe({ entryTypes: ['gc'] });
}

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}
