import { describe, expect, it } from 'vitest';
import { RobofyClient } from '../../src/api/client.js';
import { ApiError, NetworkError } from '../../src/api/errors.js';
import type { Lead } from '../../src/api/types.js';
import { ExitCode, InterruptedError, RobofyError, StdoutClosedError } from '../../src/errors.js';
import {
  followLeads,
  isTransient,
  jittered,
  outageBackoff,
  type FollowEvent,
  type FollowOptions,
} from '../../src/tail/follow-leads.js';
import { sequentialPages } from '../../src/tail/poll-pages.js';
import { startFakeApi, DEFAULT_TOKEN } from '../fake-api/server.js';
import { Listing, MINUTE, T0, leadTime } from './listing.js';

const QUERY = { projectId: 12, chatbotId: 'abc' };
const INTERVAL = 1_000;
const OVERLAP = 15 * MINUTE;

interface Run {
  /** Leads printed, one array per print call. */
  batches: string[][];
  printed: string[];
  events: FollowEvent[];
  /** Every wait the loop asked for, in order. */
  sleeps: number[];
  result: number;
}

/**
 * Runs the follow loop with a scripted clock: each time it sleeps, the next
 * step runs (capturing leads, injecting failures); when the steps run out,
 * the run is interrupted the way SIGINT does it.
 */
async function follow(
  listing: Listing,
  steps: ((controller: AbortController) => void)[],
  options: Partial<FollowOptions> = {},
): Promise<Run> {
  const controller = new AbortController();
  const run: Run = { batches: [], printed: [], events: [], sleeps: [], result: -1 };
  let step = 0;
  run.result = await followLeads({
    pages: listing.source,
    query: QUERY,
    signal: controller.signal,
    // Well after every lead these tests capture (the window never lets a lead's time run ahead of the clock).
    now: () => T0 + 30 * 24 * 60 * MINUTE,
    intervalMs: INTERVAL,
    overlapMs: OVERLAP,
    print: async (leads: readonly Lead[]) => {
      const ids = leads.map((lead) => String(lead.id));
      run.batches.push(ids);
      run.printed.push(...ids);
    },
    onEvent: (event) => run.events.push(event),
    random: () => 0.5,
    sleep: async (ms) => {
      run.sleeps.push(ms);
      const next = steps[step++];
      if (next) next(controller);
      else controller.abort(new InterruptedError('SIGINT'));
    },
    ...options,
  });
  return run;
}

const ids = (leads: readonly Lead[]): string[] => leads.map((lead) => String(lead.id));
const nothing = (): void => undefined;
const polled = (run: Run): Extract<FollowEvent, { type: 'polled' }>[] =>
  run.events.filter((event): event is Extract<FollowEvent, { type: 'polled' }> => event.type === 'polled');

function serverError(status = 503): ApiError {
  return new ApiError(`the API failed (${status})`, { status }, ExitCode.Api);
}

describe('followLeads: what is printed', () => {
  it('prints nothing of what exists at the start, then each new lead once, oldest first', async () => {
    const listing = new Listing({ count: 25 });
    let a: Lead[] = [];
    let b: Lead[] = [];
    const run = await follow(listing, [
      () => (a = listing.add(3)),
      nothing,
      () => (b = listing.add(1)),
      nothing,
    ]);
    expect(run.batches).toEqual([ids(a), ids(b)]);
    expect(run.result).toBe(4);
  });

  it('prints a poll that spans pages oldest first, once, even when the listing shifts while it is paged', async () => {
    const listing = new Listing({ count: 25, pageSize: 5 });
    let added: Lead[] = [];
    const run = await follow(listing, [
      () => {
        added = listing.add(8);
        listing.shiftOnce = 1;
      },
    ]);
    expect(run.printed).toEqual(ids(added));
  });

  it('--since replays the leads created since then, oldest first, across pages, then follows', async () => {
    const listing = new Listing({ count: 40, pageSize: 10 });
    let later: Lead[] = [];
    // lead_21 is at T0 + 20 min.
    const run = await follow(listing, [() => (later = listing.add(2))], { since: T0 + 20 * MINUTE });
    const replay = Array.from({ length: 20 }, (_, i) => `lead_${21 + i}`);
    expect(run.batches).toEqual([replay, ids(later)]);
  });

  it('--count stops after n leads, in the middle of a poll, without sleeping again', async () => {
    const listing = new Listing({ count: 5 });
    let added: Lead[] = [];
    const run = await follow(listing, [() => (added = listing.add(4))], { count: 3 });
    expect(run.printed).toEqual(ids(added).slice(0, 3));
    expect(run.result).toBe(3);
    expect(run.sleeps).toHaveLength(1);
  });

  it('--count can be met by the --since replay alone', async () => {
    const listing = new Listing({ count: 10 });
    const run = await follow(listing, [], { count: 2, since: T0 });
    expect(run.printed).toEqual(['lead_1', 'lead_2']);
    expect(run.sleeps).toEqual([]);
  });

  it('prints a late lead inside the overlap window once; one older than the window is taken as seen', async () => {
    const listing = new Listing({ count: 25 });
    let newest: Lead[] = [];
    let late: Lead[] = [];
    const run = await follow(listing, [
      () => (newest = listing.add(1)),
      () => (late = listing.add(1, T0 + 14 * MINUTE + 30_000)),
      () => listing.add(1, T0 - 60 * MINUTE),
      nothing,
      nothing,
    ]);
    expect(run.batches).toEqual([ids(newest), ids(late)]);
  });

  it('a lead dated in the future (a bogus date, a server clock ahead) does not hide the leads after it', async () => {
    const listing = new Listing({ count: 25 });
    let future: Lead[] = [];
    let after: Lead[] = [];
    const run = await follow(
      listing,
      [() => (future = listing.add(1, '2099-01-01 00:00:00')), () => (after = listing.add(2)), nothing],
      // The clock is just after the leads: lead_27 (T0 + 26 min) is well inside the window behind it.
      { now: () => T0 + 40 * MINUTE },
    );
    expect(run.batches).toEqual([ids(future), ids(after)]);
  });

  it('after a baseline on an empty listing, prints everything listed later, however far apart', async () => {
    const listing = new Listing({ count: 0, pageSize: 3 });
    const run = await follow(listing, [() => listing.add(10)]);
    expect(run.printed).toEqual(Array.from({ length: 10 }, (_, i) => `lead_${i + 1}`));
  });

  it('leads whose created_at is not a time are printed once, after the timed ones, and forgotten once unlisted', async () => {
    const listing = new Listing({ count: 3 });
    let odd: Lead[] = [];
    const run = await follow(listing, [
      () => {
        odd = listing.add(1, 'not a time');
        listing.add(1);
      },
      nothing,
      () => listing.remove(ids(odd)),
      nothing,
    ]);
    expect(run.printed).toEqual(['lead_5', 'lead_4']);
    const remembered = polled(run).map((event) => event.remembered);
    // Baseline 3, then 5 (4 timed + 1 untimed), then 4 once the odd one is gone from the listing.
    expect(remembered).toEqual([3, 5, 5, 4, 4]);
  });
});

describe('followLeads: how much it reads', () => {
  it('on a newest-first listing a poll stops at the page that reaches past the overlap window', async () => {
    // One lead a minute, 10 a page: the 15-minute window spans two pages; the listing has 10.
    const listing = new Listing({ count: 100, pageSize: 10 });
    const run = await follow(listing, [() => listing.add(1), nothing, () => listing.add(2), nothing]);
    expect(listing.polls).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(polled(run).every((event) => event.stoppedEarly)).toBe(true);
    expect(run.events.some((event) => event.type === 'full-reads')).toBe(false);
  });

  it('rows a shifted listing lists again (leads captured while a poll paged) do not make it look out of order', async () => {
    const listing = new Listing({ count: 100, pageSize: 10 });
    let added: Lead[] = [];
    let later: Lead[] = [];
    const run = await follow(listing, [
      () => {
        added = listing.add(3);
        // Page 2 starts with page 1's last three rows: in time they go back up before going down again.
        listing.shiftOnce = 3;
      },
      () => (later = listing.add(1)),
    ]);
    expect(run.printed).toEqual([...ids(added), ...ids(later)]);
    expect(run.events.some((event) => event.type === 'full-reads')).toBe(false);
    expect(polled(run).every((event) => event.stoppedEarly)).toBe(true);
    // The shifted poll needs page 3 to reach past the window (its page 2 repeats three rows); the next is back to two.
    expect(listing.polls).toEqual([
      [1, 2],
      [1, 2, 3],
      [1, 2],
    ]);
  });

  it('--since makes the baseline read back to it, and no further', async () => {
    const listing = new Listing({ count: 100, pageSize: 10 });
    await follow(listing, [], { since: T0 + 60 * MINUTE });
    // Leads 61..100 are 4 pages; the 5th page's last row is older than --since.
    expect(listing.polls).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('on an oldest-first listing every poll reads every page, says why once, and prints each lead once', async () => {
    const listing = new Listing({ count: 25, pageSize: 10, order: 'asc' });
    let a: Lead[] = [];
    let b: Lead[] = [];
    const run = await follow(listing, [() => (a = listing.add(2)), nothing, () => (b = listing.add(5))]);
    expect(run.printed).toEqual([...ids(a), ...ids(b)]);
    expect(listing.polls).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3, 4],
    ]);
    expect(run.events.filter((event) => event.type === 'full-reads')).toEqual([{ type: 'full-reads', order: 'oldest-first' }]);
  });

  it('a listing in no order is read whole and still printed in capture order', async () => {
    // Odd ids first, then even ones: no order of created_at.
    const shuffled = (leads: readonly Lead[]): Lead[] => [
      ...leads.filter((_, i) => i % 2 === 0),
      ...leads.filter((_, i) => i % 2 === 1),
    ];
    const listing = new Listing({ count: 30, pageSize: 10, order: shuffled });
    let added: Lead[] = [];
    const run = await follow(listing, [() => (added = listing.add(4))]);
    expect(run.printed).toEqual(ids(added));
    expect(listing.polls.at(-1)).toEqual([1, 2, 3, 4]);
    expect(run.events.filter((event) => event.type === 'full-reads')).toEqual([{ type: 'full-reads', order: 'unordered' }]);
  });

  it('once a listing was seen out of order, no later poll trusts it to stop early', async () => {
    const listing = new Listing({ count: 30, pageSize: 10, order: 'asc' });
    const run = await follow(listing, [() => (listing.order = 'desc'), () => listing.add(1)]);
    expect(listing.polls).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3, 4],
    ]);
    expect(run.printed).toEqual(['lead_31']);
  });

  it('keeps memory bounded: only the ids inside the overlap window are remembered, however long it runs', async () => {
    const listing = new Listing({ count: 50, pageSize: 10 });
    const steps = Array.from({ length: 300 }, () => () => void listing.add(3));
    const run = await follow(listing, steps);
    expect(run.printed).toHaveLength(900);
    expect(new Set(run.printed).size).toBe(900);
    const remembered = polled(run).map((event) => event.remembered);
    // Three leads a minute: the window behind the newest holds 16 of them (its edge included).
    expect(Math.max(...remembered)).toBeLessThanOrEqual(19);
    expect(Math.max(...listing.polls.map((pages) => pages.length))).toBeLessThanOrEqual(3);
  });
});

describe('followLeads: failures and endings', () => {
  it('rides out an outage: says it once, backs off, and prints what was captured meanwhile', async () => {
    const listing = new Listing({ count: 25 });
    let during: Lead[] = [];
    const run = await follow(listing, [
      () => {
        listing.failures.push({ error: serverError() }, { error: serverError(429) }, { error: new NetworkError('request failed: ECONNREFUSED', null) });
        during = listing.add(2);
      },
      nothing,
      nothing,
      nothing,
      nothing,
    ]);
    expect(run.printed).toEqual(ids(during));
    const kinds = run.events.map((event) => event.type).filter((type) => type !== 'polled');
    expect(kinds).toEqual(['outage', 'retrying', 'retrying', 'retrying', 'recovered']);
    // The interval, then the outage backoff doubling from the interval (random 0.5: no jitter).
    expect(run.sleeps.slice(0, 4)).toEqual([1_000, 1_000, 2_000, 4_000]);
  });

  it('fails a poll half-way without printing any of it; the retried poll prints it once', async () => {
    const listing = new Listing({ count: 25, pageSize: 5 });
    let added: Lead[] = [];
    const run = await follow(listing, [
      () => {
        added = listing.add(7);
        listing.failures.push({ error: serverError(), page: 2 });
      },
      nothing,
    ]);
    expect(run.batches).toEqual([ids(added)]);
  });

  it.for([
    { name: '401', error: new ApiError('rejected', { status: 401 }, ExitCode.Auth), exit: ExitCode.Auth },
    { name: '404', error: new ApiError('not found', { status: 404 }, ExitCode.NotFound), exit: ExitCode.NotFound },
    { name: 'a redirect', error: new RobofyError('redirect', { code: 'REDIRECT', exitCode: ExitCode.Api }), exit: ExitCode.Api },
  ])('ends at once on $name, even in the middle of a run', async ({ error, exit }) => {
    const listing = new Listing({ count: 5 });
    const attempt = follow(listing, [() => listing.failures.push({ error }), nothing]);
    await expect(attempt).rejects.toMatchObject({ exitCode: exit });
    expect(listing.polls).toHaveLength(2);
  });

  it('an interrupt (SIGINT, SIGTERM) resolves with the number printed', async () => {
    const listing = new Listing({ count: 5 });
    const run = await follow(listing, [() => listing.add(2), (controller) => controller.abort(new InterruptedError('SIGTERM'))]);
    expect(run.result).toBe(2);
  });

  it('an interrupt during an outage ends it too', async () => {
    const listing = new Listing({ count: 5 });
    const run = await follow(listing, [
      () => listing.failures.push({ error: serverError() }),
      (controller) => controller.abort(new InterruptedError('SIGINT')),
    ]);
    expect(run.events.map((event) => event.type)).toEqual(['polled', 'outage', 'retrying']);
  });

  it('a run aborted because stdout closed rejects with that reason (exit 141, not 0)', async () => {
    const listing = new Listing({ count: 5 });
    const attempt = follow(listing, [(controller) => controller.abort(new StdoutClosedError())]);
    await expect(attempt).rejects.toBeInstanceOf(StdoutClosedError);
  });

  it('sleeps the interval with ±10% jitter between polls', async () => {
    const listing = new Listing({ count: 5 });
    let turn = 0;
    const randoms = [0, 1, 0.25];
    const run = await follow(listing, [nothing, nothing], { random: () => randoms[turn++ % randoms.length] ?? 0 });
    expect(run.sleeps).toEqual([900, 1_100, 950]);
  });
});

describe('outage backoff and what counts as transient', () => {
  it('doubles from the interval up to a minute, or the interval when that is longer', () => {
    const none = (): number => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => outageBackoff(10_000, n, none))).toEqual([
      10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000,
    ]);
    expect(outageBackoff(200, 1, none)).toBe(200);
    expect(outageBackoff(300_000, 3, none)).toBe(300_000);
    expect(jittered(1_000, () => 0)).toBe(900);
    expect(jittered(1_000, () => 1)).toBe(1_100);
  });

  it.for([
    [serverError(503), true],
    [serverError(429), true],
    [new NetworkError('ECONNRESET', null), true],
    [new RobofyError('bad json', { code: 'MALFORMED_RESPONSE', exitCode: ExitCode.Api }), true],
    [new ApiError('no', { status: 401 }, ExitCode.Auth), false],
    [new ApiError('no', { status: 400 }, ExitCode.Usage), false],
    [new RobofyError('redirect', { code: 'REDIRECT', exitCode: ExitCode.Api }), false],
    [new Error('bug'), false],
  ] as const)('%o → %s', ([error, transient]) => {
    expect(isTransient(error)).toBe(transient);
  });
});

describe('followLeads over HTTP (fake API in-process, real client)', () => {
  it('reads one request per page, nothing ahead, and follows new leads', async () => {
    const api = await startFakeApi({ leads: 100, pageSize: 10 });
    const controller = new AbortController();
    const client = await RobofyClient.create({
      apiUrl: api.url,
      token: DEFAULT_TOKEN,
      userAgent: 'test',
      signal: controller.signal,
      now: () => Date.now(),
      retries: 0,
    });
    try {
      const printed: string[] = [];
      let polls = 0;
      const added: string[] = [];
      const count = await followLeads({
        pages: sequentialPages(client),
        query: QUERY,
        signal: controller.signal,
        now: () => Date.now(),
        intervalMs: 1,
        overlapMs: 5 * MINUTE,
        count: 3,
        print: async (leads) => void printed.push(...leads.map((lead) => String(lead.id))),
        sleep: async () => {
          polls++;
          if (polls === 2) added.push(...api.addLeads(2).map((lead) => lead.row.id));
          if (polls === 4) added.push(...api.addLeads(1, { createdAt: leadTime(T0 + 97 * MINUTE + 30_000) }).map((lead) => lead.row.id));
        },
      });
      expect(count).toBe(3);
      expect(printed).toEqual(added);
      // Every poll read page 1 only: the window of 5 minutes ends inside it, and no page 2 was fetched ahead.
      expect(api.leadRequests().map((request) => request.query.nextPageToken)).toEqual(Array(5).fill(undefined));
    } finally {
      await client.close();
      await api.close();
    }
  });
});
