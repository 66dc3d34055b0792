/**
 * Peak-RSS fallback for machines without GNU time: preloaded into a measured
 * node process (`node --import <this file> ...`), it writes
 * "maxRSS(KiB) userCPU(µs) systemCPU(µs)" from process.resourceUsage() to
 * $BENCH_MAXRSS_FILE when the process exits.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MAXRSS_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, `${usage.maxRSS} ${usage.userCPUTime} ${usage.systemCPUTime}\n`);
  });
}
