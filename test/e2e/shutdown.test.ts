/**
 * How an export ends when it is told to stop, or when its output goes away:
 * Ctrl-C or a TERM from a supervisor (exit 130, nothing half-written), a
 * reader that closes the pipe (`| head`: exit 141, silently, at once), a
 * full disk behind stdout, and an output folder that does not exist.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, lstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { FakeApi } from '../fake-api/server.js';
import { BIN, apiEnv } from './run-cli.js';
import { cli, expectNoKey, expectNoStack, expectOneLineError, exportArgs, fakeApi, listDir, scratch, SLOW, type CliResult } from './fixtures.js';

/** Resolves once the fake has received `count` leads requests. */
function requestsReached(api: FakeApi, count: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (api.leadRequests().length >= count) {
        clearInterval(poll);
        resolve();
      }
    }, 10);
  });
}

describe.concurrent('SIGINT and SIGTERM mid-export', SLOW, () => {
  it.for([
    { signal: 'SIGINT', format: 'csv' },
    { signal: 'SIGTERM', format: 'csv' },
    { signal: 'SIGINT', format: 'jsonl' },
    { signal: 'SIGTERM', format: 'json' },
  ] as const)('$signal during a $format export to -o: exit 130, old file and state untouched, nothing left over', async ({ signal, format }, { expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 5 });
    const dir = scratch();
    const out = join(dir, `out.${format}`);
    const state = join(dir, 'export.state');
    // An earlier run's output and state.
    const first = await cli(api, exportArgs('-o', out, '--state', state));
    expect(first.code, first.stderr).toBe(0);
    const before = { out: readFileSync(out), state: readFileSync(state) };
    api.addLeads(5);

    const slow = await fakeApi({ leads: 30, pageSize: 5, latencyMs: 800 });
    // The same state file against a slower API: the run is mid-way when the signal comes.
    const args = exportArgs('-o', out, '--state', state);
    const requestsBefore = slow.leadRequests().length;
    let signalledAt = 0;
    const result = await cli(slow, args, {
      onSpawn: (child) => {
        void requestsReached(slow, requestsBefore + 2).then(() => {
          signalledAt = Date.now();
          child.kill(signal);
        });
      },
    });
    const stoppedAfter = Date.now() - signalledAt;

    expect(signalledAt).toBeGreaterThan(0);
    expect(result.signal).toBeNull();
    expect(result.stdout).toBe('');
    expectOneLineError(result, 130, `interrupted by ${signal}`);
    expectNoKey(result);
    // It stops at once: the request in flight is cancelled, not waited for.
    expect(stoppedAfter).toBeLessThan(5000);
    expect(slow.leadRequests().length).toBeLessThan(requestsBefore + 6);
    expect(readFileSync(out).equals(before.out), 'the output file changed').toBe(true);
    expect(readFileSync(state).equals(before.state), 'the state file changed').toBe(true);
    expect(listDir(dir)).toEqual(['export.state', `out.${format}`]);
  });

  it('SIGINT while waiting out a Retry-After ends the wait at once', async ({ expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10, faults: [{ page: 2, kind: 'status', status: 503, retryAfter: '100' }] });
    const dir = scratch();
    let signalledAt = 0;
    const result = await cli(api, exportArgs('-o', join(dir, 'out.csv')), {
      onSpawn: (child) => {
        void requestsReached(api, 2).then(() =>
          setTimeout(() => {
            signalledAt = Date.now();
            child.kill('SIGINT');
          }, 300),
        );
      },
    });
    expectOneLineError(result, 130, 'interrupted by SIGINT');
    expect(Date.now() - signalledAt).toBeLessThan(5000);
    expect(api.leadRequests()).toHaveLength(2);
    expect(listDir(dir)).toEqual([]);
  });
});

describe.concurrent('the reader goes away (robofy ... | head)', SLOW, () => {
  it.for(['jsonl', 'json', 'csv'] as const)('%s: the pipe closed after the first chunk: exit 141 promptly, nothing on stderr, no state saved', async (format, { expect }) => {
    const api = await fakeApi({ leads: 3000, pageSize: 100 });
    const dir = scratch();
    const state = join(dir, 'export.state');
    let closedAt = 0;
    const run = cli(api, exportArgs('--format', format, '--state', state), {
      onSpawn: (child) => {
        child.stdout!.once('data', () => {
          closedAt = Date.now();
          child.stdout!.destroy();
        });
      },
    });
    // When the CLI ended: the result arrives in the same tick as its 'close' event.
    const result = { ...(await run), endedAt: Date.now() };

    expect(closedAt).toBeGreaterThan(0);
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 141, signal: null, stderr: '' });
    expect(result.endedAt - closedAt).toBeLessThan(5000);
    // jsonl and json stream: they stop paging early. (CSV has read every page before its first byte.)
    if (format !== 'csv') expect(api.leadRequests().length).toBeLessThan(30);
    // The run did not finish: it must not count as delivered.
    expect(existsSync(state)).toBe(false);
    expect(listDir(dir)).toEqual([]);
  });

  it('a real `| head -n 3` in a shell: three lines, robofy ends with 141 and says nothing', async ({ expect }) => {
    const api = await fakeApi({ leads: 3000, pageSize: 100 });
    const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, BIN, ...exportArgs('--format', 'jsonl')].map(quote).join(' ');
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', `${command} 2>robofy.err | head -n 3; echo "robofy exited \${PIPESTATUS[0]}"; cat robofy.err`], {
        cwd: scratch(),
        env: { PATH: process.env.PATH, ...apiEnv(api.url, scratch()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
    });
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 3).map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(['lead_3000', 'lead_2999', 'lead_2998']);
    expect(lines.slice(3)).toEqual(['robofy exited 141', '']);
    expect(result.stderr).toBe('');
    expect(api.leadRequests().length).toBeLessThan(30);
  });
});

describe.concurrent('output destinations that are not plain files', SLOW, () => {
  it.for(['csv', 'jsonl', 'json'] as const)('%s to a stdout that is /dev/full: one line saying so, exit 2, no trace', async (format) => {
    const api = await fakeApi({ leads: 25, pageSize: 10 });
    const fd = openSync('/dev/full', 'w');
    let result: CliResult;
    try {
      result = await cli(api, exportArgs('--format', format), { stdout: fd });
    } finally {
      closeSync(fd);
    }
    expectOneLineError(result, 2, 'cannot write stdout: no space left on device');
    expectNoStack(result);
  });

  it('/dev/full with --state: the state is not saved', async ({ expect }) => {
    const api = await fakeApi({ leads: 25, pageSize: 10 });
    const dir = scratch();
    const state = join(dir, 's');
    const fd = openSync('/dev/full', 'w');
    let result: CliResult;
    try {
      result = await cli(api, exportArgs('--format', 'jsonl', '--state', state), { stdout: fd });
    } finally {
      closeSync(fd);
    }
    expectOneLineError(result, 2, 'no space left on device');
    expect(listDir(dir)).toEqual([]);
  });

  it('-o into a folder that does not exist: exit 2, one line, nothing asked of the API', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const out = join(dir, 'no', 'such', 'folder', 'out.csv');
    const result = await cli(api, exportArgs('-o', out));
    expectOneLineError(result, 2, `cannot write ${out}: no such directory`);
    expect(result.stdout).toBe('');
    expect(listDir(dir)).toEqual([]);
    expect(api.leadRequests()).toEqual([]);
  });

  // `-o` names something that is not a regular file: a FIFO here (safe to test), but the same
  // goes for `-o /dev/stdout` or `-o /dev/null`, which as root would replace the device node.
  it('-o naming a FIFO writes into the FIFO (it is not replaced by a regular file)', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    const fifo = join(dir, 'leads.fifo');
    const made = spawn('mkfifo', [fifo]);
    await new Promise((resolve) => made.on('close', resolve));
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    // The reader: a separate process, so a FIFO nobody ever writes to cannot hang the test runner.
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    reader.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const readerDone = new Promise((resolve) => reader.on('close', resolve));
    try {
      const result = await cli(api, exportArgs('--format', 'jsonl', '-o', fifo));
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(lstatSync(fifo).isFIFO(), 'the FIFO was replaced by a regular file').toBe(true);
      await Promise.race([readerDone, new Promise((resolve) => setTimeout(resolve, 5000))]);
      expect(Buffer.concat(chunks).toString('utf8').split('\n')).toHaveLength(6);
      expect(listDir(dir)).toEqual(['leads.fifo']);
    } finally {
      reader.kill('SIGKILL');
    }
  });

  it('-o naming an existing folder: exit 2, the folder untouched', async ({ expect }) => {
    const api = await fakeApi({ leads: 5 });
    const dir = scratch();
    writeFileSync(join(dir, 'keep.txt'), 'x');
    const result = await cli(api, exportArgs('-o', dir));
    expectOneLineError(result, 2, `cannot write ${dir}: it is a directory`);
    expect(listDir(dir)).toEqual(['keep.txt']);
  });
});
