import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { ExitCode, RobofyError } from '../errors.js';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds it (`export`, `tail`), for the message another run shows; absent in older locks. */
  command?: string;
}

/** The robofy command taking a lock, named to a run that finds it held. */
export type LockingCommand = 'export' | 'tail';

/** A lock held by a run on another machine (a shared folder) is trusted this long, then taken over. */
const FOREIGN_LOCK_TTL_MS = 6 * 60 * 60 * 1000;
/** Tries at acquiring: each wait for another run's takeover costs TAKEOVER_RETRY_MS. */
const MAX_ATTEMPTS = 80;
const TAKEOVER_RETRY_MS = 25;
const ABANDONED_TAKEOVER_MS = 10_000;

export interface StateLock {
  release(): Promise<void>;
}

/**
 * One run per state file: `<state>.lock`, holding the owner's pid. A lock
 * whose process is gone (a crashed or killed run) is stale and taken over,
 * so no crash can block cron forever.
 *
 * Races are settled by the file system, not by timing: the lock appears
 * whole (written aside, then hard-linked into place, so no run ever reads a
 * half-written one and takes it for stale), and a stale lock is removed by
 * one run at a time (see takeOver).
 */
export async function acquireStateLock(statePath: string, now: number, command: LockingCommand): Promise<StateLock> {
  const lockPath = `${statePath}.lock`;
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date(now).toISOString(), command };
  const content = JSON.stringify(owner);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await createLock(lockPath, content)) return { release: () => releaseLock(lockPath, content) };
    const text = await readLock(lockPath);
    if (text === undefined) continue; // released meanwhile: try again
    const holder = parseOwner(text);
    if (holder && isAlive(holder, now)) throw lockedError(statePath, holder);
    await takeOver(lockPath, text);
  }
  throw new RobofyError(`could not lock ${statePath}: another run keeps taking the lock`, {
    code: 'STATE_LOCKED',
    exitCode: ExitCode.Locked,
  });
}

function lockedError(statePath: string, holder: LockOwner): RobofyError {
  return new RobofyError(
    `another ${holderName(holder)} is using ${statePath} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}); try again when it ends`,
    { code: 'STATE_LOCKED', exitCode: ExitCode.Locked },
  );
}

function holderName(holder: LockOwner): string {
  return holder.command === 'export' || holder.command === 'tail' ? holder.command : 'robofy run';
}

/** True when this call created the lock, false when one exists. */
async function createLock(lockPath: string, content: string): Promise<boolean> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(aside, content, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    throw lockError(lockPath, error);
  }
  try {
    await link(aside, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: exclusive create, then write (a brief half-written window).
    return await createLockInPlace(lockPath, content);
  } finally {
    await rm(aside, { force: true });
  }
}

async function createLockInPlace(lockPath: string, content: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockError(lockPath, error);
  }
}

async function readLock(lockPath: string): Promise<string | undefined> {
  try {
    return await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw lockError(lockPath, error);
  }
}

/**
 * Removes the stale lock (whose text was `stale`), one run at a time: the
 * run that creates `<lock>.takeover` checks that the lock is still the stale
 * one and removes it; the others wait a moment and look again, by when the
 * lock is gone or a fresh one holds it. Without this, a run could remove the
 * fresh lock another run had just made in place of the stale one, and both
 * would go on holding "the" lock.
 */
async function takeOver(lockPath: string, stale: string): Promise<void> {
  const mutex = `${lockPath}.takeover`;
  let handle: FileHandle;
  try {
    handle = await open(mutex, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(lockPath, error);
    await removeAbandoned(mutex);
    await sleep(TAKEOVER_RETRY_MS);
    return;
  }
  try {
    await handle.close();
    if ((await readLock(lockPath)) === stale) await rm(lockPath, { force: true });
  } finally {
    await rm(mutex, { force: true });
  }
}

/** A takeover marker this old belongs to a run that died in the middle of one. */
async function removeAbandoned(mutex: string): Promise<void> {
  const info = await stat(mutex).catch(() => undefined);
  if (info !== undefined && Date.now() - info.mtimeMs > ABANDONED_TAKEOVER_MS) await rm(mutex, { force: true });
}

/** Removes the lock only while it is still this run's (a lock taken over meanwhile is someone else's). */
async function releaseLock(lockPath: string, content: string): Promise<void> {
  const text = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (text === content) await rm(lockPath, { force: true });
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner> | null;
    if (typeof owner?.pid === 'number' && typeof owner.host === 'string' && typeof owner.startedAt === 'string') {
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
