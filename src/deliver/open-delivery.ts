import type { LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import type { BackoffOptions } from '../api/retry-policy.js';
import { createDispatcher } from '../api/dispatcher.js';
import { loadUndici } from '../api/undici.js';
import type { DeliveryTarget } from '../commands/delivery-options.js';
import { webhookSecret } from '../config/webhook-secret.js';
import type { RobofyError } from '../errors.js';
import type { IO } from '../io.js';
import type { LeadEncoder } from '../output/json-encoder.js';
import { cliVersion } from '../version.js';
import { commandTransport } from './command-transport.js';
import { DeadLetterFile } from './dead-letter.js';
import { toDelivery, type Delivery, type Transport } from './delivery.js';
import { DeliveryQueue } from './delivery-queue.js';
import { reportDeliveries, type DeliveryStatus } from './delivery-report.js';
import { secretKey } from './signature.js';
import { webhookTransport } from './webhook-transport.js';

export interface DeliveryContext {
  io: IO;
  /** The profile in use: its stored webhook secret signs. */
  profile: string;
  query: LeadsQuery;
  encode: LeadEncoder;
  timeoutMs: number;
  /** Retries of one lead (export); undefined: never give up while the receiver fails (tail). */
  retries: number | undefined;
  /** Backoff cap; the base is --retry-wait or a second. */
  maxBackoffMs: number;
  /** Leads that may wait before the caller is held back. */
  maxWaiting: number;
  /** Say so when the caller is held back: a tail's polling pauses (an export just waits). */
  warnWhenFull: boolean;
  status: DeliveryStatus;
  confirm: (lead: Lead) => Promise<void>;
  onFailure: (error: RobofyError) => void;
}

export interface DeliveryRun {
  queue: DeliveryQueue;
  label: string;
  toDelivery(lead: Lead): Delivery;
  close(): Promise<void>;
}

const DEFAULT_RETRY_WAIT_MS = 1_000;

/** The transport, the dead-letter file and the queue for one run; everything that can fail at start fails here. */
export async function openDelivery(target: DeliveryTarget, context: DeliveryContext): Promise<DeliveryRun> {
  const transport = await openTransport(target, context);
  const deadLetter = target.deadLetter === undefined ? undefined : await DeadLetterFile.open(target.deadLetter);
  const backoff: BackoffOptions = { baseMs: target.retryWaitMs ?? DEFAULT_RETRY_WAIT_MS, maxMs: context.maxBackoffMs };
  const queue: DeliveryQueue = new DeliveryQueue({
    transport,
    signal: context.io.signal,
    now: () => context.io.now(),
    retries: context.retries,
    backoff,
    deadLetter,
    confirm: context.confirm,
    onFailure: context.onFailure,
    maxWaiting: context.maxWaiting,
    onEvent: reportDeliveries(context.status, {
      label: transport.label,
      deadLetterPath: target.deadLetter,
      waiting: () => queue.waiting,
      warnWhenFull: context.warnWhenFull,
    }),
  });
  return {
    queue,
    label: transport.label,
    toDelivery: (lead) => toDelivery(lead, context.query, context.encode),
    close: async () => {
      await transport.close();
      await deadLetter?.close();
    },
  };
}

async function openTransport(target: DeliveryTarget, context: DeliveryContext): Promise<Transport> {
  const { io, timeoutMs } = context;
  if (target.forwardTo === undefined) {
    return commandTransport({
      command: target.exec ?? '',
      query: context.query,
      env: io.env,
      timeoutMs,
      output: (chunk) => context.status.output(chunk),
    });
  }
  const secret = await webhookSecret(io.env, context.profile);
  const key = secretKey(secret.value, secret.source);
  // The API client's rules: TLS always verified, HTTPS_PROXY/HTTP_PROXY/NO_PROXY, --timeout on connect and answers.
  // One connection: leads go one at a time, and the next is sent a moment before undici sees the socket free,
  // so a pool would open a second connection (a second TLS handshake and proxy tunnel) for nothing.
  const network = createDispatcher({ url: target.forwardTo, env: io.env, timeoutMs, connections: 1 });
  return webhookTransport({
    url: target.forwardTo,
    key,
    headers: target.headers,
    userAgent: `robofy-cli/${cliVersion()}`,
    dispatcher: network.dispatcher,
    proxy: network.proxy,
    request: loadUndici().request,
    timeoutMs,
    now: () => io.now(),
  });
}
