import type { Lead } from '../api/types.js';
import { inCaptureOrder } from '../leads/capture-order.js';
import type { LeadSink } from '../output/sink.js';
import type { DeliveryRun } from './open-delivery.js';

/**
 * The export pipeline's sink when leads go to a receiver: the listing may
 * come newest first, and leads must go oldest first, so the run's new leads
 * are gathered and delivered once the listing is read (a cron run's handful).
 */
export class DeliverySink implements LeadSink {
  readonly columns = null;
  readonly #delivery: DeliveryRun;
  readonly #leads: Lead[] = [];

  constructor(delivery: DeliveryRun) {
    this.#delivery = delivery;
  }

  get count(): number {
    return this.#leads.length;
  }

  writeLeads(leads: readonly Lead[]): void {
    this.#leads.push(...leads);
  }

  /** Delivers every lead gathered; resolves once each is delivered or dead-lettered, rejects when delivery stops. */
  async finish(): Promise<void> {
    const { queue, toDelivery } = this.#delivery;
    await queue.push(inCaptureOrder(this.#leads).map(toDelivery));
    await queue.drain();
  }

  async abort(): Promise<void> {
    this.#leads.length = 0;
  }
}
