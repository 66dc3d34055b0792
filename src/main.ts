import type { IO } from './io.js';
import { InterruptedError, StdoutClosedError } from './errors.js';
import { run } from './cli.js';
import { tuneHeap } from './heap.js';

/** The real process wiring: streams, signals, exit code. Everything else takes an IO. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  tuneHeap();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // A second Ctrl-C means "now": fall back to the default action.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    controller.abort(new InterruptedError(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Chatter on a closed stderr (`2>&1 | head`) is not worth dying for, and dying would skip the cleanup.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    controller.abort(error.code === 'EPIPE' ? new StdoutClosedError() : error);
  });

  const io: IO = {
    // Lazy: touching process.stdin opens a handle that only login needs.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    now: () => Date.now(),
    signal: controller.signal,
  };
  process.exitCode = await run(argv, io);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
