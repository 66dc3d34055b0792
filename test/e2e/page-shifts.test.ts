/**
 * The API pages by offset. Leads captured between two page requests shift
 * the listing, and rows of one page come back at the top of the next. In a
 * quiet chatbot (leads days apart) every such repeat must still be written
 * once: the output is byte for byte that of a listing that did not move.
 */
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { Fault, FakeApiOptions } from '../fake-api/server.js';
import { cli, exportArgs, fakeApi, scratch, SLOW, type CliResult } from './fixtures.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const LEADS = 35;
const PAGE_SIZE = 10;

type Order = 'desc' | 'asc';

/** A quiet chatbot: one lead every three days. */
function listing(order: Order, faults: Fault[] = []): FakeApiOptions {
  return { leads: LEADS, pageSize: PAGE_SIZE, order, spacingMs: 3 * DAY_MS, startTime: '2024-01-01 09:00:00', faults };
}

/**
 * `count` leads captured before pages 2 and 3 are listed, where they shift
 * the rows not yet read: newest first, new leads go on top; oldest first,
 * leads that show up late (dated before all the others) do.
 */
function captures(order: Order, count: number): Fault[] {
  const createdAt = order === 'asc' ? { createdAt: '2023-06-01 09:00:00' } : {};
  return [2, 3].map((page) => ({ page, kind: 'capture', count, ...createdAt }));
}

async function run(options: FakeApiOptions, args: (dir: string) => string[]): Promise<CliResult> {
  const api = await fakeApi(options);
  const result = await cli(api, args(scratch()));
  if (result.code !== 0) throw new Error(`robofy failed (${result.code}): ${result.stderr}`);
  return result;
}

const RUNS: { name: string; args: (dir: string) => string[] }[] = [
  { name: 'csv', args: () => exportArgs('--format', 'csv') },
  { name: 'jsonl', args: () => exportArgs('--format', 'jsonl') },
  { name: 'json', args: () => exportArgs('--format', 'json') },
  { name: 'a --state run', args: (dir) => exportArgs('--format', 'jsonl', '--state', join(dir, 'leads.state')) },
  { name: 'tail', args: () => ['leads', 'tail', '-p', '12', '-c', 'abc', '--format', 'jsonl', '--since', '2000-01-01', '--count', String(LEADS)] },
];

describe.concurrent('a lead repeated at a page boundary is written once', SLOW, () => {
  // The output of the listing that did not move, made once per order and run.
  const unmoved = new Map<string, Promise<CliResult>>();
  const reference = (order: Order, name: string, args: (dir: string) => string[]): Promise<CliResult> => {
    const key = `${order} ${name}`;
    if (!unmoved.has(key)) unmoved.set(key, run(listing(order), args));
    return unmoved.get(key)!;
  };
  for (const order of ['desc', 'asc'] as const) {
    for (const count of [1, 3, PAGE_SIZE]) {
      it.for(RUNS)(`${order === 'desc' ? 'newest' : 'oldest'} first, ${count} captured before pages 2 and 3: $name`, async ({ name, args }, { expect }) => {
        const [still, shifted] = await Promise.all([reference(order, name, args), run(listing(order, captures(order, count)), args)]);
        expect(shifted.stdout.length).toBeGreaterThan(0);
        expect(shifted.stdout).toBe(still.stdout);
      });
    }
  }
});

describe('--verbose says the listing moved', SLOW, () => {
  it('names the pages that began with repeats, and where a lead missed through a deletion would show up', async ({ expect }) => {
    const result = await run(listing('desc', captures('desc', 3)), () => exportArgs('--format', 'csv', '--verbose'));
    const lines = result.stderr.split('\n').filter((line) => !line.startsWith('robofy: GET '));
    expect(lines).toEqual([
      'robofy: page 2 began with 3 leads already read (the listing shifted: leads were captured while it was paged); each written once',
      'robofy: page 3 began with 3 leads already read (the listing shifted: leads were captured while it was paged); each written once',
      'robofy: the listing changed while it was read; had a lead also been deleted meanwhile, one lead at a page boundary could have been missed, ' +
        'and the next run (with --state: within --overlap) exports it',
      '',
    ]);
    const quiet = await run(listing('desc', captures('desc', 3)), () => exportArgs('--format', 'csv'));
    expect(quiet.stderr).toBe('');
  });
});
