/**
 * A CLI run that the test watches while it runs (a tail): its output so far,
 * its process, and waiting for a condition. The child is killed when the test
 * finishes, however it finishes.
 */
import type { ChildProcess } from 'node:child_process';
import type { TestContext } from 'vitest';
import type { FakeApi } from '../fake-api/server.js';
import { cli, type CliResult } from './fixtures.js';

export interface RunningCli {
  /** Resolves when the child exits. */
  result: Promise<CliResult>;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  child(): ChildProcess;
}

export function startCli(
  context: TestContext,
  api: FakeApi | { url: string },
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; configDir?: string; timeoutMs?: number } = {},
): RunningCli {
  let child: ChildProcess | undefined;
  let out = '';
  let err = '';
  const result = cli(api, args, {
    ...options,
    onSpawn: (spawned) => {
      child = spawned;
      spawned.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      spawned.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    },
  });
  context.onTestFinished(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    result,
    stdout: () => out,
    stderr: () => err,
    child: () => {
      if (!child) throw new Error('not spawned yet');
      return child;
    },
  };
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Requests for a first page: one per poll (or per retry of a failed poll). */
export function pollStarts(api: FakeApi): number {
  return api.leadRequests().filter((request) => request.query.nextPageToken === undefined).length;
}

/** Kills the child outright (no cleanup runs, as in a crash or a power cut) and waits for it to be gone. */
export async function crash(running: RunningCli): Promise<void> {
  running.child().kill('SIGKILL');
  await running.result;
}
