import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ExitCode, RobofyError } from '../errors.js';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/** A lock held by a run on another machine (a shared folder) is trusted this long, then taken over. */
const FOREIGN_LOCK_TTL_MS = 6 * 60 * 60 * 1000;

export interface StateLock {
  release(): Promise<void>;
}

/**
 * One run per state file: `<state>.lock`, created exclusively, holding the
 * owner's pid. A lock whose process is gone (a crashed or killed run) is
 * stale and taken over, so no crash can block cron forever.
 */
export async function acquireStateLock(statePath: string, now: number): Promise<StateLock> {
  const lockPath = `${statePath}.lock`;
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date(now).toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return { release: () => rm(lockPath, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(lockPath, error);
    }
    const holder = await readOwner(lockPath);
    if (holder && isAlive(holder, now)) {
      throw new RobofyError(
        `another export is using ${statePath} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}); try again when it ends`,
        { code: 'STATE_LOCKED', exitCode: ExitCode.Locked },
      );
    }
    await rm(lockPath, { force: true });
  }
  throw new RobofyError(`could not lock ${statePath}: another run keeps taking the lock`, {
    code: 'STATE_LOCKED',
    exitCode: ExitCode.Locked,
  });
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.startedAt === 'string') {
      return owner as LockOwner;
    }
  } catch {
    // unreadable or half-written by a run that died while locking: stale
  }
  return undefined;
}

function isAlive(owner: LockOwner, now: number): boolean {
  if (owner.host !== hostname()) return now - Date.parse(owner.startedAt) < FOREIGN_LOCK_TTL_MS;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockError(lockPath: string, cause: unknown): RobofyError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  return new RobofyError(`cannot create the lock file ${lockPath} (${code})`, {
    code: 'STATE_LOCK_FAILED',
    exitCode: ExitCode.Usage,
    cause,
  });
}
