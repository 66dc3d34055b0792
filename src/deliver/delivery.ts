import type { LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import type { LeadEncoder } from '../output/json-encoder.js';
import { webhookId } from './signature.js';

/** One lead on its way to the receiver. */
export interface Delivery {
  lead: Lead;
  leadId: string;
  /** The same for every attempt and every run (see `webhookId`). */
  webhookId: string;
  /** The lead's JSONL line, without the newline: the POST body, or the command's stdin. */
  body: string;
}

export function toDelivery(lead: Lead, query: LeadsQuery, encode: LeadEncoder): Delivery {
  const leadId = String(lead.id);
  return { lead, leadId, webhookId: webhookId(query, leadId), body: encode(lead) };
}

/** What one attempt came to. `status` is what the log shows: `200`, `exit 3`, `timed out`, `ECONNREFUSED`. */
export type AttemptOutcome =
  | { ok: true; status: string }
  | {
      ok: false;
      status: string;
      /** false: no later attempt can succeed (a 4xx). */
      retryable: boolean;
      /** Nothing answered at all (connection refused, DNS, TLS): the receiver is down, not this lead. */
      unreachable: boolean;
      /** What stood in the way, when there is more to say than `status`: the certificate, the proxy. */
      reason?: string | undefined;
      /** For the dead-letter file: the HTTP status or the command's exit code. */
      httpStatus?: number | undefined;
      exitCode?: number | undefined;
      /** The start of the response body, or the end of the command's output. */
      excerpt: string;
      retryAfterMs?: number | undefined;
    };

export type FailedAttempt = Extract<AttemptOutcome, { ok: false }>;

/** A target: the webhook or the command. An attempt that the signal abandons rejects with the abort. */
export interface Transport {
  /** For messages: the receiver's origin, or "the command". Never the URL's path or query (they may hold a token). */
  readonly label: string;
  attempt(delivery: Delivery, signal: AbortSignal): Promise<AttemptOutcome>;
  close(): Promise<void>;
}

/** Dead letters and logs keep a short piece of what the receiver said. */
export const EXCERPT_BYTES = 512;
