import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, RobofyError } from '../../src/errors.js';
import { acquireStateLock } from '../../src/state/state-lock.js';
import { listDir, withTempDir } from '../output/helpers.js';

/** Above any pid_max Linux allows (2^22): no process can have it. */
const DEAD_PID = 2 ** 30;
const HOUR = 60 * 60 * 1000;

async function lockError(statePath: string, now = Date.now()): Promise<RobofyError> {
  const error: unknown = await acquireStateLock(statePath, now, 'export').then(
    async (lock) => {
      await lock.release();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error, 'the lock should have been refused').toBeInstanceOf(RobofyError);
  return error as RobofyError;
}

function owner(pid: number, host = hostname(), startedAt = new Date().toISOString()): string {
  return JSON.stringify({ pid, host, startedAt });
}

describe('state lock', () => {
  it('creates <state>.lock naming this process and command, readable by the owner only; release removes it', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      const now = Date.UTC(2025, 0, 20, 8);
      const lock = await acquireStateLock(state, now, 'export');
      expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8'))).toEqual({
        pid: process.pid,
        host: hostname(),
        startedAt: new Date(now).toISOString(),
        command: 'export',
      });
      expect(statSync(`${state}.lock`).mode & 0o777).toBe(0o600);
      await lock.release();
      expect(await listDir(dir)).toEqual([]);
      // Released twice is harmless.
      await lock.release();
    });
  });

  it('a second run while the first holds it: exit 6 naming the holder and the state file', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      const lock = await acquireStateLock(state, Date.now(), 'export');
      const error = await lockError(state);
      expect(error.exitCode).toBe(ExitCode.Locked);
      expect(error.code).toBe('STATE_LOCKED');
      expect(error.message).toContain(`another export is using ${state}`);
      expect(error.message).toContain(`pid ${process.pid}`);
      // The refused run did not touch the holder's lock.
      expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
      await lock.release();
      await (await acquireStateLock(state, Date.now(), 'export')).release();
    });
  });

  it('a lock left by a dead process on this host is taken over', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      writeFileSync(`${state}.lock`, owner(DEAD_PID));
      const lock = await acquireStateLock(state, Date.now(), 'export');
      expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
      await lock.release();
      expect(await listDir(dir)).toEqual([]);
    });
  });

  it('a lock from another host is trusted for 6 hours, then taken over', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      const now = Date.now();
      writeFileSync(`${state}.lock`, owner(DEAD_PID, 'some-other-host', new Date(now - HOUR).toISOString()));
      const error = await lockError(state, now);
      expect(error.exitCode).toBe(ExitCode.Locked);
      expect(error.message).toContain('on some-other-host');

      writeFileSync(`${state}.lock`, owner(DEAD_PID, 'some-other-host', new Date(now - 7 * HOUR).toISOString()));
      const lock = await acquireStateLock(state, now, 'export');
      expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
      await lock.release();
    });
  });

  it('a garbage lock file left long ago (a run that died while locking) is taken over', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      for (const text of ['', '{"pid":', 'not json', '{"pid":"12"}']) {
        writeFileSync(`${state}.lock`, text);
        const old = new Date(Date.now() - HOUR);
        utimesSync(`${state}.lock`, old, old);
        const lock = await acquireStateLock(state, Date.now(), 'export');
        await lock.release();
      }
      expect(existsSync(`${state}.lock`)).toBe(false);
    });
  });

  it('a lock file that cannot be created (no such folder): exit 2 naming it', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'missing', 'export.state');
      const error = await lockError(state);
      expect(error.exitCode).toBe(ExitCode.Usage);
      expect(error.message).toBe(`cannot create the lock file ${state}.lock (ENOENT)`);
    });
  });

  it('many runs racing for a free lock: exactly one gets it', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => acquireStateLock(state, Date.now(), 'export')));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as RobofyError).exitCode).toBe(ExitCode.Locked);
      await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    });
  });

  it('many runs racing to take over one stale lock: exactly one gets it', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      for (let round = 0; round < 40; round++) {
        writeFileSync(`${state}.lock`, owner(DEAD_PID));
        const results = await Promise.allSettled(Array.from({ length: 10 }, () => acquireStateLock(state, Date.now(), 'export')));
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won, `round ${round}`).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect((r.reason as RobofyError).exitCode).toBe(ExitCode.Locked);
        await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
        expect(await listDir(dir)).toEqual([]);
      }
    });
  });

  it('a takeover marker left by a run that died mid-takeover is cleared after 10 s; a fresh one is waited for, then exit 6', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      writeFileSync(`${state}.lock`, owner(DEAD_PID));
      writeFileSync(`${state}.lock.takeover`, '');
      const started = Date.now();
      const error = await lockError(state);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(error.exitCode).toBe(ExitCode.Locked);
      expect(error.message).toBe(`could not lock ${state}: another run keeps taking the lock`);

      const old = new Date(Date.now() - 60_000);
      utimesSync(`${state}.lock.takeover`, old, old);
      const lock = await acquireStateLock(state, Date.now(), 'export');
      await lock.release();
      expect(await listDir(dir)).toEqual([]);
    });
  });

  it('release leaves alone a lock that is no longer ours (taken over meanwhile)', async () => {
    await withTempDir(async (dir) => {
      const state = join(dir, 'export.state');
      const lock = await acquireStateLock(state, Date.now(), 'export');
      const theirs = owner(process.pid + 1, 'some-other-host');
      writeFileSync(`${state}.lock`, theirs);
      await lock.release();
      expect(readFileSync(`${state}.lock`, 'utf8')).toBe(theirs);
    });
  });
});
