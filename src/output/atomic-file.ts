import { randomBytes } from 'node:crypto';
import { open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ExitCode, RobofyError } from '../errors.js';
import { FileWritable } from './file-writable.js';
import { holdErrors } from './hold-errors.js';

const WRITE_BUFFER = 1024 * 1024;

export interface AtomicFile {
  /**
   * Where to write. A write error (ENOSPC when the disk fills up) surfaces
   * through the writes and `commit()`; the caller must then call `abort()`.
   */
  readonly stream: Writable;
  /** Ends the stream, syncs it to disk and renames it over the target. */
  commit(): Promise<void>;
  /** Drops the temp file, leaving any existing target untouched. Never throws. */
  abort(): Promise<void>;
  /** The temp file, or the target itself when it cannot be replaced (a FIFO or a device). */
  readonly tempPath: string;
  /** False for a FIFO or a device, which are written in place: there is no file to swap. */
  readonly atomic: boolean;
}

/**
 * Opens a hidden temp file beside `target` so the target only ever holds a
 * complete export: it changes only at `commit()`, with a rename.
 *
 * @throws RobofyError (code OUTPUT) when the file cannot be created there.
 */
export async function openAtomicFile(target: string): Promise<AtomicFile> {
  // Through a symlink to the file it names, so the link stays a link.
  const real = await realpath(target).catch(() => target);
  const existing = await stat(real).catch(() => undefined);
  if (existing?.isDirectory() === true) throw outputError(target, Object.assign(new Error(), { code: 'EISDIR' }));
  if (existing !== undefined && !existing.isFile()) return new InPlaceFile(target, await openOrFail(target, real, 'w'));
  const tempPath = join(dirname(real), `.${basename(real)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  return new TempFile(real, tempPath, await openOrFail(target, tempPath, 'wx'));
}

async function openOrFail(target: string, path: string, flags: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (error) {
    throw outputError(target, error);
  }
}

/** A one-line error naming the output path and why it cannot be written. */
export function outputError(target: string, cause: unknown): RobofyError {
  return new RobofyError(`cannot write ${target}: ${reason(cause)}`, {
    code: 'OUTPUT',
    exitCode: ExitCode.Usage,
    cause,
  });
}

/** `-o /dev/stdout`, a FIFO, a device: written as they are; replacing them would break them. */
class InPlaceFile implements AtomicFile {
  readonly stream;
  readonly atomic = false;
  readonly #handle: FileHandle;

  constructor(readonly tempPath: string, handle: FileHandle) {
    this.#handle = handle;
    this.stream = new FileWritable(handle, WRITE_BUFFER, { stream: true });
    holdErrors(this.stream);
  }

  async commit(): Promise<void> {
    try {
      this.stream.end();
      await finished(this.stream);
    } finally {
      await this.#handle.close().catch(() => undefined);
    }
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await this.#handle.close().catch(() => undefined);
  }
}

class TempFile implements AtomicFile {
  readonly atomic = true;
  readonly stream: Writable;
  readonly tempPath: string;
  readonly #target: string;
  readonly #file: FileHandle;
  #closed: Promise<void> | undefined;

  constructor(target: string, tempPath: string, file: FileHandle) {
    this.#target = target;
    this.tempPath = tempPath;
    this.#file = file;
    this.stream = new FileWritable(file, WRITE_BUFFER, { stream: false });
    holdErrors(this.stream);
  }

  async commit(): Promise<void> {
    try {
      this.stream.end();
      await finished(this.stream);
      await this.#file.sync();
      await this.#keepTargetMode();
      await this.#close();
      await rename(this.tempPath, this.#target);
    } catch (error) {
      await this.abort();
      throw outputError(this.#target, error);
    }
    await syncDirectory(dirname(this.#target));
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await this.#close().catch(() => undefined);
    await rm(this.tempPath, { force: true }).catch(() => undefined);
  }

  async #keepTargetMode(): Promise<void> {
    const existing = await stat(this.#target).catch(() => undefined);
    if (existing !== undefined) await this.#file.chmod(existing.mode & 0o7777);
  }

  /** Closes the handle once, however many times commit and abort ask. */
  #close(): Promise<void> {
    this.#closed ??= this.#file.close();
    return this.#closed;
  }
}

/** Makes the rename itself durable; some file systems refuse, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'file name too long',
};

function reason(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && REASONS[code] !== undefined) return REASONS[code];
  return cause instanceof Error && cause.message !== '' ? cause.message : String(cause);
}
