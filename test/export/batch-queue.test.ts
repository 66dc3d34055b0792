import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/api/types.js';
import { BatchQueue } from '../../src/export/batch-queue.js';
import { withTempDir } from '../output/helpers.js';

const batch = (from: number, count: number): Lead[] => Array.from({ length: count }, (_, i) => ({ id: `l${from + i}`, lead_data: [] }));

async function readAll(queue: BatchQueue): Promise<string[]> {
  const ids: string[] = [];
  for await (const leads of queue.batches()) ids.push(...leads.map((lead) => String(lead.id)));
  return ids;
}

describe('BatchQueue', () => {
  it('batches put before the reader comes are spooled to a file, then read back in order, then handed over live', async () => {
    await withTempDir(async (dir) => {
      const queue = new BatchQueue(dir);
      await queue.put(batch(0, 2));
      await queue.put(batch(2, 2));
      expect(readdirSync(dir)).toHaveLength(1);
      const reading = readAll(queue);
      // Live now: this put waits until the reader takes it.
      await queue.put(batch(4, 1));
      await queue.put(batch(5, 1));
      queue.end();
      expect(await reading).toEqual(['l0', 'l1', 'l2', 'l3', 'l4', 'l5']);
      await queue.remove();
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it('a failure reaches the reader after the batches before it; an abandoned queue rejects a waiting put', async () => {
    await withTempDir(async (dir) => {
      const failing = new BatchQueue(dir);
      await failing.put(batch(0, 1));
      failing.fail(new Error('404'));
      await expect(readAll(failing)).rejects.toThrow('404');
      await failing.remove();

      const queue = new BatchQueue(dir);
      const reader = queue.batches();
      const first = reader.next();
      await queue.put(batch(0, 1));
      expect((await first).value).toEqual(batch(0, 1));
      await queue.put(batch(1, 1));
      // The reader has not taken l1: this put waits, until the queue is abandoned.
      const waiting = queue.put(batch(2, 1));
      queue.abandon(new Error('stopped'));
      await expect(waiting).rejects.toThrow('stopped');
      await expect(queue.put(batch(3, 1))).rejects.toThrow('stopped');
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
