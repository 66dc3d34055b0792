import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, RobofyError } from '../../src/errors.js';
import { loadState, saveState, sourceOf, type ExportState } from '../../src/state/state-file.js';
import { listDir, withTempDir } from '../output/helpers.js';

const QUERY = { projectId: 12, chatbotId: 'abc' };

function state(overrides: Partial<ExportState> = {}): ExportState {
  return {
    version: 1,
    source: sourceOf(QUERY),
    columns: ['id', 'created_at', 'email'],
    delivery: { watermark: 1_736_937_000_000, overlapMs: 86_400_000, recent: [[1_736_937_000_000, 'lead_1']] },
    updatedAt: '2025-01-20T00:00:00.000Z',
    ...overrides,
  };
}

async function loadError(path: string, query = QUERY): Promise<RobofyError> {
  const error: unknown = await loadState(path, query).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RobofyError);
  return error as RobofyError;
}

describe('state file', () => {
  it('a missing file is a first run', async () => {
    await withTempDir(async (dir) => {
      expect(await loadState(join(dir, 'none.json'), QUERY)).toBeUndefined();
    });
  });

  it('sourceOf keeps the session, null when there is none', () => {
    expect(sourceOf(QUERY)).toEqual({ projectId: 12, chatbotId: 'abc', sessionId: null });
    expect(sourceOf({ ...QUERY, sessionId: 's-1' })).toEqual({ projectId: 12, chatbotId: 'abc', sessionId: 's-1' });
  });

  it('saves one line of JSON and loads it back equal; nothing else is left in the folder', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'export.state');
      await saveState(path, state());
      const text = readFileSync(path, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.trimEnd()).not.toContain('\n');
      expect(await loadState(path, QUERY)).toEqual(state());
      expect(await listDir(dir)).toEqual(['export.state']);
    });
  });

  it('replaces an older state whole, keeping its file mode', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'export.state');
      await saveState(path, state());
      chmodSync(path, 0o600);
      const next = state({ columns: null, updatedAt: '2025-01-21T00:00:00.000Z' });
      await saveState(path, next);
      expect(await loadState(path, QUERY)).toEqual(next);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(await listDir(dir)).toEqual(['export.state']);
    });
  });

  it('saving into a folder that does not exist fails with a clear error and leaves nothing', async () => {
    await withTempDir(async (dir) => {
      const error: unknown = await saveState(join(dir, 'missing', 'export.state'), state()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RobofyError);
      expect((error as RobofyError).message).toContain('no such directory');
      expect(await listDir(dir)).toEqual([]);
    });
  });

  it.each([
    ['another chatbot', { projectId: 12, chatbotId: 'other' }, 'belongs to project 12 / chatbot abc, not to this export'],
    ['another project', { projectId: 13, chatbotId: 'abc' }, 'belongs to project 12 / chatbot abc, not to this export'],
    ['a session filter the state did not have', { projectId: 12, chatbotId: 'abc', sessionId: 's-1' }, 'not to this export'],
  ])('belongs to %s: exit 2, the file untouched', async (_name, query, message) => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'export.state');
      await saveState(path, state());
      const before = readFileSync(path);
      const error = await loadError(path, query);
      expect(error.exitCode).toBe(ExitCode.Usage);
      expect(error.code).toBe('STATE_INVALID');
      expect(error.message).toContain(path);
      expect(error.message).toContain(message);
      expect(error.message).toContain('move it away');
      expect(readFileSync(path)).toEqual(before);
    });
  });

  it('a state saved for one session is refused without it', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'export.state');
      await saveState(path, state({ source: sourceOf({ ...QUERY, sessionId: 's-1' }) }));
      expect((await loadError(path)).message).toContain('/ session s-1, not to this export');
      expect(await loadState(path, { ...QUERY, sessionId: 's-1' })).toBeDefined();
    });
  });

  const NOT_STATE: [string, string][] = [
    ['empty', ''],
    ['truncated JSON', '{"version":1,"source":{"projectId":12'],
    ['binary', '\u0000\u0001\u00ff'],
  ];
  it.each(NOT_STATE)('%s: "is not valid JSON", exit 2, untouched', async (_name, text) => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'export.state');
      writeFileSync(path, text);
      const error = await loadError(path);
      expect(error.exitCode).toBe(ExitCode.Usage);
      expect(error.message).toContain('is not valid JSON');
      expect(readFileSync(path, 'utf8')).toBe(text);
    });
  });

  const good = state();
  const WRONG_SHAPES: [string, unknown][] = [
    ['null', null],
    ['an array', []],
    ['an empty object', {}],
    ['version 2', { ...good, version: 2 }],
    ['no source', { ...good, source: undefined }],
    ['a project id that is a string', { ...good, source: { ...good.source, projectId: '12' } }],
    ['columns that are not strings', { ...good, columns: [1, 2] }],
    ['no delivery', { ...good, delivery: undefined }],
    ['a watermark that is a string', { ...good, delivery: { ...good.delivery, watermark: '2025' } }],
    ['recent entries the wrong way round', { ...good, delivery: { ...good.delivery, recent: [['lead_1', 1]] } }],
    ['a negative overlap', { ...good, delivery: { ...good.delivery, overlapMs: -86_400_000 } }],
  ];
  it.each(WRONG_SHAPES)('%s: "is not a robofy state file", exit 2, untouched', async (_name, value) => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'export.state');
      const text = JSON.stringify(value);
      writeFileSync(path, text);
      const error = await loadError(path);
      expect(error.exitCode).toBe(ExitCode.Usage);
      expect(error.message).toContain('is not a robofy state file');
      expect(readFileSync(path, 'utf8')).toBe(text);
    });
  });

  it('a path that is a folder cannot be read: exit 2 with the reason', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'a-folder');
      mkdirSync(path);
      const error = await loadError(path);
      expect(error.exitCode).toBe(ExitCode.Usage);
      expect(error.message).toContain('cannot be read (EISDIR)');
    });
  });
});
