import { tmpdir } from 'node:os';
import type { Lead } from '../api/types.js';
import type { LeadSink } from '../output/sink.js';
import { CaptureOrderSpool } from './capture-order-spool.js';
import type { DeliveryRun } from './open-delivery.js';

/**
 * The export pipeline's sink when leads go to a receiver: the listing may
 * come newest first, and leads must go oldest first, so the run's new leads
 * are gathered (in a temp file past a few thousand: a first run over a long
 * history holds them all) and delivered once the listing is read.
 */
export class DeliverySink implements LeadSink {
  readonly columns = null;
  readonly takesScanned = false;
  readonly #delivery: DeliveryRun;
  readonly #signal: AbortSignal;
  readonly #spool: CaptureOrderSpool;

  /** `signal` ends the run: leads not yet handed to the queue stay in the spool (and are deleted with it). */
  constructor(delivery: DeliveryRun, signal: AbortSignal, spool = new CaptureOrderSpool(tmpdir())) {
    this.#delivery = delivery;
    this.#signal = signal;
    this.#spool = spool;
  }

  get count(): number {
    return this.#spool.count;
  }

  writeLeads(leads: readonly Lead[]): Promise<void> {
    return this.#spool.add(leads);
  }

  /** Delivers every lead gathered; resolves once each is delivered or dead-lettered, rejects when delivery stops. */
  async finish(): Promise<void> {
    const { queue, toDelivery } = this.#delivery;
    try {
      for await (const leads of this.#spool.inOrder()) {
        if (this.#signal.aborted) break;
        await queue.push(leads.map(toDelivery));
      }
      await queue.drain();
    } finally {
      await this.#spool.remove();
    }
  }

  abort(): Promise<void> {
    return this.#spool.remove();
  }
}
