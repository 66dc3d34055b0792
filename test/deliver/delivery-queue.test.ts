import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/api/types.js';
import { DeliveryQueue, type DeliveryEvent, type QueueOptions } from '../../src/deliver/delivery-queue.js';
import type { AttemptOutcome, Delivery, Transport } from '../../src/deliver/delivery.js';

function delivery(id: string): Delivery {
  const lead: Lead = { id, created_at: '2025-01-15 10:30:00', lead_data: [] };
  return { lead, leadId: id, webhookId: `wh_${id}`, body: JSON.stringify(lead) };
}

/** A transport whose attempts wait until the test answers them. */
function scriptedTransport(): Transport & { pending: { id: string; answer: (outcome: AttemptOutcome) => void }[] } {
  const pending: { id: string; answer: (outcome: AttemptOutcome) => void }[] = [];
  return {
    label: 'test',
    pending,
    attempt: (d, signal) =>
      new Promise((resolve, reject) => {
        pending.push({ id: d.leadId, answer: resolve });
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
    close: async () => undefined,
  };
}

function queueWith(transport: Transport, overrides: Partial<QueueOptions> = {}): { queue: DeliveryQueue; confirmed: string[]; events: DeliveryEvent[] } {
  const confirmed: string[] = [];
  const events: DeliveryEvent[] = [];
  const queue = new DeliveryQueue({
    transport,
    signal: new AbortController().signal,
    now: () => 0,
    retries: undefined,
    backoff: { baseMs: 1, maxMs: 1 },
    deadLetter: undefined,
    confirm: async (lead) => void confirmed.push(String(lead.id)),
    onEvent: (event) => events.push(event),
    onFailure: () => undefined,
    maxWaiting: 3,
    ...overrides,
  });
  return { queue, confirmed, events };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('DeliveryQueue', () => {
  it('holds the caller back once maxWaiting leads wait, and lets it go on as they are delivered', async () => {
    const transport = scriptedTransport();
    const { queue, confirmed, events } = queueWith(transport);
    await queue.push([delivery('a'), delivery('b')]);
    let pushed = false;
    const third = queue.push([delivery('c')]).then(() => (pushed = true));
    await until(() => transport.pending.length === 1);
    expect(events).toContainEqual({ type: 'full', waiting: 3 });
    expect(pushed).toBe(false);
    transport.pending[0]!.answer({ ok: true, status: '200' });
    await third;
    expect(confirmed).toEqual(['a']);
    for (const id of ['b', 'c']) {
      await until(() => transport.pending.at(-1)?.id === id);
      transport.pending.at(-1)!.answer({ ok: true, status: '200' });
    }
    await queue.drain();
    expect(confirmed).toEqual(['a', 'b', 'c']);
  });

  it('confirms nothing that was in flight when the signal aborted it', async () => {
    const transport = scriptedTransport();
    const controller = new AbortController();
    const { queue, confirmed } = queueWith(transport, { signal: controller.signal });
    await queue.push([delivery('a')]);
    await until(() => transport.pending.length === 1);
    controller.abort(new Error('SIGTERM'));
    await queue.drain();
    expect(confirmed).toEqual([]);
  });

  it('retries a failing lead in place: the next one waits behind it', async () => {
    const transport = scriptedTransport();
    const { queue, confirmed } = queueWith(transport);
    await queue.push([delivery('a'), delivery('b')]);
    await until(() => transport.pending.length === 1);
    transport.pending[0]!.answer({ ok: false, status: '503', retryable: true, unreachable: false, excerpt: '' });
    await until(() => transport.pending.length === 2);
    expect(transport.pending.map((p) => p.id)).toEqual(['a', 'a']);
    transport.pending[1]!.answer({ ok: true, status: '200' });
    await until(() => transport.pending.length === 3);
    transport.pending[2]!.answer({ ok: true, status: '200' });
    await queue.drain();
    expect(confirmed).toEqual(['a', 'b']);
  });
});
