import { chmod, mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { RobofyError } from '../../src/errors.js';
import { openAtomicFile, outputError } from '../../src/output/atomic-file.js';
import { FileWritable } from '../../src/output/file-writable.js';
import { flushed, writeChunk } from '../../src/output/write-chunk.js';
import { listDir, withTempDir } from './helpers.js';

const isRoot = process.getuid?.() === 0;

describe('openAtomicFile', () => {
  it('writes to a hidden temp file beside the target and renames it on commit', async () => {
    await withTempDir(async (dir) => {
      const target = join(dir, 'leads.csv');
      const file = await openAtomicFile(target);
      expect(file.tempPath.startsWith(join(dir, `.leads.csv.${process.pid}.`))).toBe(true);
      expect(file.tempPath.endsWith('.tmp')).toBe(true);
      await writeChunk(file.stream, 'a,b\r\n');
      expect(await listDir(dir)).toEqual([file.tempPath.slice(dir.length + 1)]);
      await file.commit();
      expect(await readFile(target, 'utf8')).toBe('a,b\r\n');
      expect(await listDir(dir)).toEqual(['leads.csv']);
      await file.abort();
      expect(await readFile(target, 'utf8')).toBe('a,b\r\n');
    });
  });

  it('leaves an existing target untouched until commit, then keeps its mode', async () => {
    await withTempDir(async (dir) => {
      const target = join(dir, 'leads.csv');
      await writeFile(target, 'old');
      await chmod(target, 0o640);
      const file = await openAtomicFile(target);
      await writeChunk(file.stream, 'new');
      expect(await readFile(target, 'utf8')).toBe('old');
      await file.commit();
      expect(await readFile(target, 'utf8')).toBe('new');
      expect((await stat(target)).mode & 0o777).toBe(0o640);
    });
  });

  it('drops the temp file on abort and keeps the existing target', async () => {
    await withTempDir(async (dir) => {
      const target = join(dir, 'leads.csv');
      await writeFile(target, 'old');
      const file = await openAtomicFile(target);
      await writeChunk(file.stream, 'partial');
      await file.abort();
      await file.abort();
      expect(await listDir(dir)).toEqual(['leads.csv']);
      expect(await readFile(target, 'utf8')).toBe('old');
    });
  });

  it('creates a new file with the default mode', async () => {
    await withTempDir(async (dir) => {
      const target = join(dir, 'new.jsonl');
      const file = await openAtomicFile(target);
      await file.commit();
      const umask = process.umask();
      expect((await stat(target)).mode & 0o777).toBe(0o666 & ~umask);
      expect(await readFile(target, 'utf8')).toBe('');
    });
  });

  it('refuses a missing directory with a one-line usage error', async () => {
    await withTempDir(async (dir) => {
      const target = join(dir, 'nope', 'leads.csv');
      const error = await openAtomicFile(target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RobofyError);
      expect(error).toMatchObject({ code: 'OUTPUT', exitCode: 2, message: `cannot write ${target}: no such directory` });
    });
  });

  it('refuses a directory as the target', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'out'));
      await expect(openAtomicFile(join(dir, 'out'))).rejects.toMatchObject({
        code: 'OUTPUT',
        message: `cannot write ${join(dir, 'out')}: it is a directory`,
      });
    });
  });

  it.skipIf(isRoot)('refuses an unwritable directory', async () => {
    await withTempDir(async (dir) => {
      const locked = join(dir, 'locked');
      await mkdir(locked, { mode: 0o500 });
      const target = join(locked, 'leads.csv');
      await expect(openAtomicFile(target)).rejects.toMatchObject({
        code: 'OUTPUT',
        exitCode: 2,
        message: `cannot write ${target}: permission denied`,
      });
      await chmod(locked, 0o700);
    });
  });

  it('refuses a path under a file', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'file'), '');
      const target = join(dir, 'file', 'leads.csv');
      await expect(openAtomicFile(target)).rejects.toMatchObject({
        message: `cannot write ${target}: a parent is not a directory`,
      });
    });
  });

  it('names the path and the reason in one line', () => {
    const error = outputError('leads.csv', Object.assign(new Error('EACCES: permission denied, open ...'), { code: 'EACCES' }));
    expect(error.message).toBe('cannot write leads.csv: permission denied');
    expect(outputError('x.csv', new Error('odd')).message).toBe('cannot write x.csv: odd');
  });

  it('surfaces a write error such as a full disk from its stream', async () => {
    const file = await open('/dev/full', 'w');
    const stream = new FileWritable(file, 1024, { stream: true });
    stream.on('error', () => {});
    try {
      await expect(
        (async () => {
          await writeChunk(stream, 'x'.repeat(10));
          await flushed(stream);
        })(),
      ).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      await file.close();
    }
  });

  it('surfaces a write error of gathered bytes when the stream ends', async () => {
    const file = await open('/dev/full', 'w');
    const stream = new FileWritable(file, 1024, { stream: false });
    stream.on('error', () => {});
    try {
      expect(writeChunk(stream, 'x'.repeat(10))).toBeUndefined();
      stream.end();
      await expect(finished(stream)).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      await file.close();
    }
  });

  it('writes strings and buffers in order', async () => {
    await withTempDir(async (dir) => {
      const target = join(dir, 'mixed.txt');
      const file = await openAtomicFile(target);
      const big = 'ü'.repeat(300_000);
      await writeChunk(file.stream, 'a');
      await writeChunk(file.stream, Buffer.from('b'));
      await writeChunk(file.stream, big);
      await file.commit();
      expect(await readFile(target, 'utf8')).toBe(`ab${big}`);
    });
  });
});
