import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';

/** Largest young-generation semi-space the run lets V8 grow to. */
const SEMI_SPACE_CAP_BYTES = 4 * 1024 * 1024;

/**
 * Keeps a long export's peak RSS flat (bench/RESULTS.md). Each page is
 * garbage once written, yet V8's defaults size the heap for throughput:
 * - the young generation grows to 2 × 16 MB semi-spaces as pages survive a
 *   scavenge or two; 4 MB ones cost no measurable CPU here. Its size is fixed
 *   at start-up, but the growth factor is read at each growth, so the factor
 *   drops to 1 once the cap is reached;
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
  const observer = new PerformanceObserver(() => {
    if (newSpaceBytes() < SEMI_SPACE_CAP_BYTES) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}
