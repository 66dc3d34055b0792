import { readdirSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonText } from '../../src/api/exact-json.js';
import type { Lead } from '../../src/api/types.js';
import { parseUtf8Json } from '../../src/api/utf8-json.js';
import { CaptureOrderSpool } from '../../src/deliver/capture-order-spool.js';
import { withTempDir } from '../output/helpers.js';

/** Oldest first by created_at; equal or missing times keep listing order, undated last: written out here, not borrowed. */
function expectedOrder(leads: readonly Lead[]): string[] {
  const time = (lead: Lead): number => {
    const at = typeof lead.created_at === 'string' ? Date.parse(`${lead.created_at.replace(' ', 'T')}Z`) : Number.NaN;
    return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
  };
  return leads
    .map((lead, index) => [lead, index] as const)
    .sort(([a, i], [b, j]) => time(a) - time(b) || i - j)
    .map(([lead]) => String(lead.id));
}

async function drain(spool: CaptureOrderSpool, batch: number): Promise<Lead[]> {
  const out: Lead[] = [];
  for await (const leads of spool.inOrder(batch)) {
    expect(leads.length).toBeLessThanOrEqual(batch);
    out.push(...leads);
  }
  return out;
}

const createdAt = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((minute) => `2025-01-15 10:${String(minute).padStart(2, '0')}:00`),
  fc.constantFrom(null, 'yesterday', ''),
);

describe('CaptureOrderSpool', () => {
  it('hands leads back oldest first, ties and undated ones in listing order, whether or not runs went to disk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(createdAt, { maxLength: 60 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9 }), async (times, runLeads, batch) => {
        await withTempDir(async (dir) => {
          const leads: Lead[] = times.map((created_at, i) => ({ id: `lead_${i}`, created_at }) as Lead);
          const spool = new CaptureOrderSpool(dir, runLeads);
          for (let i = 0; i < leads.length; i += 5) await spool.add(leads.slice(i, i + 5));
          expect(spool.count).toBe(leads.length);
          expect((await drain(spool, batch)).map((lead) => String(lead.id))).toEqual(expectedOrder(leads));
          await spool.remove();
          expect(readdirSync(dir)).toEqual([]);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('values survive the temp file exactly: big numbers, non-ASCII, lone surrogates, newlines; the file is private', async () => {
    await withTempDir(async (dir) => {
      const text = '[{"id":1,"created_at":"2025-01-15 10:31:00","n":12345678901234567890,"d":1.50,"s":"é\\n\\ud83d😀"},' +
        '{"id":"b","created_at":"2025-01-15 10:30:00","lead_data":[{"field_name":"x","field_value":-0}]}]';
      const leads = parseUtf8Json(Buffer.from(text)) as Lead[];
      const spool = new CaptureOrderSpool(dir, 1);
      for (const lead of leads) await spool.add([lead]);
      const files = readdirSync(dir);
      expect(files).toHaveLength(2);
      for (const file of files) expect(statSync(`${dir}/${file}`).mode & 0o777).toBe(0o600);
      const back = await drain(spool, 10);
      expect(back.map((lead) => jsonText(lead))).toEqual([jsonText(leads[1]), jsonText(leads[0])]);
      await spool.remove();
    });
  });

  it('runs of many chunks, with a line longer than a chunk, read back whole', async () => {
    await withTempDir(async (dir) => {
      const leads: Lead[] = Array.from({ length: 3000 }, (_, i) => ({
        id: `lead_${i}`,
        created_at: `2025-01-15 ${String(10 + (i % 7)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`,
        note: i === 1234 ? 'ü'.repeat(100_000) : `note ${i} ${'x'.repeat(i % 90)}`,
      }) as Lead);
      const spool = new CaptureOrderSpool(dir, 1000);
      for (let i = 0; i < leads.length; i += 100) await spool.add(leads.slice(i, i + 100));
      expect(readdirSync(dir)).toHaveLength(3);
      const back = await drain(spool, 100);
      expect(back.map((lead) => String(lead.id))).toEqual(expectedOrder(leads));
      expect(back.find((lead) => lead.id === 'lead_1234')?.note).toBe('ü'.repeat(100_000));
      expect(back.map((lead) => jsonText(lead)).sort()).toEqual(leads.map((lead) => jsonText(lead)).sort());
      await spool.remove();
    });
  });
});
