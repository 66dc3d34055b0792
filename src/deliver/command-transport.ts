import { spawn } from 'node:child_process';
import type { LeadsQuery } from '../api/paginate.js';
import type { Env } from '../io.js';
import { EXCERPT_BYTES, type AttemptOutcome, type Delivery, type Transport } from './delivery.js';

export interface CommandOptions {
  command: string;
  query: LeadsQuery;
  env: Env;
  /** One run is killed (its whole process group) after this long. */
  timeoutMs: number;
  /** The command's stdout and stderr, as they come: robofy's stderr. */
  output: (chunk: Buffer) => void;
}

/**
 * `--exec`: `sh -c <command>` once per lead, the lead's JSON line on stdin.
 * Exit 0 is delivered; anything else is worth another try. The command runs
 * in a process group of its own, so a timeout or Ctrl-C ends whatever it
 * started too.
 */
export function commandTransport(options: CommandOptions): Transport {
  return {
    label: 'the command',
    attempt: (delivery, signal) => runOnce(options, delivery, signal),
    close: async () => undefined,
  };
}

function runOnce(options: CommandOptions, delivery: Delivery, signal: AbortSignal): Promise<AttemptOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', options.command], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...options.env,
        ROBOFY_LEAD_ID: delivery.leadId,
        ROBOFY_PROJECT: String(options.query.projectId),
        ROBOFY_CHATBOT: options.query.chatbotId,
      },
    });
    let tail = Buffer.alloc(0);
    const collect = (chunk: Buffer): void => {
      options.output(chunk);
      tail = Buffer.concat([tail, chunk]).subarray(-EXCERPT_BYTES);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // A command that does not read its stdin closes it early: not a failure of robofy's.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${delivery.body}\n`);

    let timedOut = false;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => killGroup();
    signal.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ ok: false, status: 'not started', retryable: true, unreachable: true, excerpt: error.message });
    });
    child.on('close', (code, killedBy) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return reject(signal.reason as Error);
      if (code === 0) return resolve({ ok: true, status: 'exit 0' });
      const status = timedOut ? 'timed out' : code === null ? `killed by ${killedBy ?? 'a signal'}` : `exit ${code}`;
      resolve({ ok: false, status, retryable: true, unreachable: false, exitCode: code ?? undefined, excerpt: tail.toString('utf8') });
    });
  });
}
