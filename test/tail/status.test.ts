import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { IO } from '../../src/io.js';
import { createTailStatus } from '../../src/tail/status.js';

function io(options: { stderrIsTTY: boolean; env?: Record<string, string>; columns?: number }): { io: IO; stderr: () => string; stdout: () => string } {
  const capture = (): { stream: PassThrough; text: () => string } => {
    // A terminal as far as ora can tell: cursor moves and line erases are written as their escape codes.
    const stream = Object.assign(new PassThrough(), {
      isTTY: options.stderrIsTTY,
      columns: options.columns ?? 80,
      cursorTo(x: number): boolean {
        return stream.write(`\x1b[${x + 1}G`);
      },
      moveCursor(_dx: number, dy: number): boolean {
        return stream.write(dy < 0 ? `\x1b[${-dy}A` : '');
      },
      clearLine(): boolean {
        return stream.write('\x1b[2K');
      },
    });
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    return { stream, text: () => text };
  };
  const out = capture();
  const err = capture();
  return {
    io: {
      stdin: new PassThrough(),
      stdout: out.stream,
      stderr: err.stream,
      stdinIsTTY: false,
      stdoutIsTTY: options.stderrIsTTY,
      stderrIsTTY: options.stderrIsTTY,
      env: options.env ?? { NO_COLOR: '1' },
      now: () => 0,
      signal: new AbortController().signal,
    },
    stderr: err.text,
    stdout: out.text,
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createTailStatus', () => {
  it('when stderr is piped: no status line at all, warnings and notes as plain lines', async () => {
    const t = io({ stderrIsTTY: false });
    const status = await createTailStatus(t.io, { quiet: false, verbose: false });
    status.update('Waiting for leads…');
    await status.around(async () => void t.io.stdout.write('lead\n'));
    status.warn('the API failed (503)');
    status.note('the API answers again');
    status.stop();
    await tick();
    expect(t.stderr()).toBe('robofy: warning: the API failed (503)\nrobofy: the API answers again\n');
    expect(t.stdout()).toBe('lead\n');
  });

  it('on a terminal that reports 0 columns (a bare pty): plain lines, where a spinner would never finish a clear', async () => {
    const t = io({ stderrIsTTY: true, columns: 0 });
    const status = await createTailStatus(t.io, { quiet: false, verbose: false });
    status.update('Waiting for leads…');
    await status.around(async () => void t.io.stdout.write('lead\n'));
    status.warn('the API failed (503)');
    status.stop();
    await tick();
    expect(t.stderr()).toBe('robofy: warning: the API failed (503)\n');
    expect(t.stdout()).toBe('lead\n');
  });

  it('--quiet says nothing', async () => {
    const t = io({ stderrIsTTY: true });
    const status = await createTailStatus(t.io, { quiet: true, verbose: false });
    status.update('Waiting');
    status.warn('x');
    status.note('y');
    await status.around(async () => void t.io.stdout.write('lead\n'));
    status.stop();
    await tick();
    expect(t.stderr()).toBe('');
    expect(t.stdout()).toBe('lead\n');
  });

  it('on a terminal: a status line through ora, cleared around each lead written and at the end', async () => {
    const t = io({ stderrIsTTY: true });
    const status = await createTailStatus(t.io, { quiet: false, verbose: false });
    status.update('Waiting for leads… 0 leads so far');
    const before = t.stderr().length;
    await status.around(async () => {
      // The status line is erased before the lead is written.
      await tick();
      expect(t.stderr().slice(before)).toMatch(/\x1b\[1G\x1b\[2K$/);
      t.io.stdout.write('lead\n');
    });
    // And drawn again after it.
    await tick();
    expect(t.stderr().slice(before)).toMatch(/\x1b\[2K.*Waiting for leads… 0 leads so far/);
    await tick();
    expect(t.stderr()).toContain('Waiting for leads… 0 leads so far');
    status.warn('the API failed (503)');
    status.stop();
    await tick();
    expect(t.stderr()).toContain('robofy: warning: the API failed (503)\n');
    expect(t.stdout()).toBe('lead\n');
  });

  it('--verbose on a terminal has no spinner (request lines would tear it), only lines', async () => {
    const t = io({ stderrIsTTY: true });
    const status = await createTailStatus(t.io, { quiet: false, verbose: true });
    status.update('Waiting');
    status.note('poll 1: 1 page');
    status.stop();
    await tick();
    expect(t.stderr()).toBe('robofy: poll 1: 1 page\n');
  });
});
