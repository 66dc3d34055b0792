/**
 * `--exec`: a real `sh -c` per lead. A succeeding command gets each lead's
 * JSON line on stdin and its id in the environment; a failing one is retried
 * and then dead-lettered; a hanging one is killed, with whatever it started.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { cli, expectOneLineError, exportArgs, fakeApi, flatEntries, generatedRows, scratch } from './fixtures.js';

const FAST = ['--retry-wait', '0.05'];

/** Running, not merely a zombie waiting for init to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe.concurrent('robofy leads export --exec', { timeout: 60_000 }, () => {
  it('runs the command once per lead, oldest first: JSON on stdin, id in the environment, its output on stderr', async ({ expect }) => {
    const api = await fakeApi({ leads: 3 });
    const dir = scratch();
    const command = 'cat >> leads.jsonl && echo "$ROBOFY_LEAD_ID $ROBOFY_PROJECT $ROBOFY_CHATBOT" >> env.txt && echo "saw $ROBOFY_LEAD_ID"';
    const result = await cli(api, exportArgs('--exec', command, ...FAST), { cwd: dir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    const lines = readFileSync(join(dir, 'leads.jsonl'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const rows = generatedRows(3, {}, 'asc');
    expect(lines.map((line) => Object.entries(JSON.parse(line) as object))).toEqual(rows.map((row) => flatEntries(row)));
    expect(readFileSync(join(dir, 'env.txt'), 'utf8')).toBe('lead_1 12 abc\nlead_2 12 abc\nlead_3 12 abc\n');
    expect(result.stderr).toContain('saw lead_1\n');
    expect(result.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}lead_3 {2}exit 0 {2}\d+ms$/m);
  });

  it('a failing command is retried, then dead-lettered with its exit code and output; without --dead-letter, exit 5', async ({ expect }) => {
    const api = await fakeApi({ leads: 2 });
    const dir = scratch();
    const command = 'if [ "$ROBOFY_LEAD_ID" = lead_1 ]; then echo "crm said no" >&2; exit 3; fi; cat > /dev/null';
    const result = await cli(api, exportArgs('--exec', command, ...FAST, '--retries', '1', '--dead-letter', 'failed.jsonl'), { cwd: dir });

    expect(result.code, result.stderr).toBe(0);
    const dead = readFileSync(join(dir, 'failed.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(dead).toMatchObject([{ lead: { id: 'lead_1' }, exit_code: 3, attempts: 2, error: 'exit 3', response: 'crm said no\n' }]);
    expect(result.stderr.match(/ lead_1 {2}exit 3 /g)).toHaveLength(2);

    const stopped = await cli(api, exportArgs('--exec', command, ...FAST, '--retries', '0', '-q'), { cwd: dir });
    expectOneLineError({ ...stopped, stderr: stopped.stderr.replace('crm said no\n', '') }, 5, 'lead lead_1 still failing after 1 attempt (exit 3) by the command');
  });

  it('a hanging command is killed after --timeout, with the processes it started', async ({ expect }) => {
    const api = await fakeApi({ leads: 1 });
    const dir = scratch();
    const command = 'sleep 30 & echo $! >> sleep.pids; wait';
    const result = await cli(api, exportArgs('--exec', command, ...FAST, '--timeout', '0.5', '--retries', '1', '--dead-letter', 'failed.jsonl'), { cwd: dir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.match(/ lead_1 {2}timed out /g)).toHaveLength(2);
    expect(JSON.parse(readFileSync(join(dir, 'failed.jsonl'), 'utf8'))).toMatchObject({ lead: { id: 'lead_1' }, error: 'timed out', attempts: 2 });
    const pids = readFileSync(join(dir, 'sleep.pids'), 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid), `sleep ${pid} still running`).toBe(false);
    expect(existsSync(join(dir, 'leads.jsonl'))).toBe(false);
  });
});
