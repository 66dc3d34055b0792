import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOKEN } from '../fake-api/server.js';

export const BIN = fileURLToPath(new URL('../../bin/robofy.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  /**
   * A file descriptor to hand the child as its stdout, as a shell's `> file` or
   * `>> file` would (the caller opens and closes it). The result's stdout is
   * then ''. Default: a pipe, collected into the result.
   */
  stdout?: number;
  cwd?: string;
  /** Kill the child after this long (a hung CLI fails the test instead of the suite). */
  timeoutMs?: number;
  /** Called once the child is running, e.g. to send it a signal. */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/**
 * Runs `bin/robofy.js` as a user would: a real process, real pipes, its own
 * environment (nothing inherited but PATH, so a developer's own key or config
 * can never leak in).
 */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['pipe', options.stdout ?? 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // No stdout stream when it was handed a file descriptor.
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin!.end(options.stdin ?? '');
    options.onSpawn?.(child);
  });
}

/** A scratch folder removed by the returned function. */
export function scratchDir(prefix = 'robofy-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The environment of a logged-out user pointed at a local API, with a config folder of its own. */
export function apiEnv(url: string, configDir: string, token: string | undefined = DEFAULT_TOKEN): Record<string, string | undefined> {
  return { ROBOFY_API_URL: url, ROBOFY_CONFIG_DIR: configDir, ROBOFY_TOKEN: token };
}
