import type { Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { routeFailure, type Route } from '../api/network-errors.js';
import { effectivePort, type ProxyChoice } from '../api/proxy.js';
import { isRetryableErrorCode, isRetryableStatus, parseRetryAfter } from '../api/retry-policy.js';
import { EXCERPT_BYTES, type AttemptOutcome, type Transport } from './delivery.js';
import { sign } from './signature.js';

export interface WebhookOptions {
  url: URL;
  /** The HMAC key (the secret's base64 part, decoded). */
  key: Buffer;
  /** -H headers: lower-case names; their values are never shown. */
  headers: Readonly<Record<string, string>>;
  userAgent: string;
  dispatcher: Dispatcher;
  /** The proxy the dispatcher goes through, if any (for messages). */
  proxy: ProxyChoice;
  request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
  timeoutMs: number;
  now: () => number;
}

/** Errors where nothing answered: the receiver is down or misnamed, not unhappy with this lead. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** POSTs each lead, signed as Standard Webhooks specifies. Redirects are not followed. */
export function webhookTransport(options: WebhookOptions): Transport {
  const target = `${options.url.pathname}${options.url.search}`;
  // A receiver that echoes the request (a debugging endpoint) must not get the header values into a log.
  const hidden = Object.values(options.headers).filter((value) => value.length > 0);
  const route: Route = {
    hostname: options.url.hostname,
    hostPort: `${options.url.hostname}:${effectivePort(options.url)}`,
    proxy: options.proxy,
    timeoutMs: options.timeoutMs,
    peer: { name: 'the receiver', url: 'the --forward-to URL' },
  };
  return {
    label: options.url.origin,
    attempt: async (delivery, signal) => {
      const timestamp = Math.floor(options.now() / 1000);
      let response: Dispatcher.ResponseData;
      try {
        response = await options.request.call(options.dispatcher, {
          origin: options.url.origin,
          path: target,
          method: 'POST',
          headers: {
            ...options.headers,
            'content-type': 'application/json',
            'user-agent': options.userAgent,
            'webhook-id': delivery.webhookId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': sign(options.key, delivery.webhookId, timestamp, delivery.body),
          },
          body: delivery.body,
          signal,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        return thrownOutcome(error, route);
      }
      const excerpt = redact(await readExcerpt(response.body), hidden);
      return statusOutcome(response.statusCode, response.headers, excerpt, options.now());
    },
    close: () => options.dispatcher.close(),
  };
}

function statusOutcome(status: number, headers: Dispatcher.ResponseData['headers'], excerpt: string, now: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { ok: true, status: String(status) };
  return {
    ok: false,
    status: String(status),
    retryable: isRetryableStatus(status),
    unreachable: false,
    httpStatus: status,
    excerpt,
    retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'], now) : undefined,
  };
}

function thrownOutcome(error: unknown, route: Route): AttemptOutcome {
  // The certificate or the proxy stood in the way: the receiver never saw the lead, so the lead is not to blame.
  const blocked = routeFailure(error, route)?.error;
  if (blocked) {
    return { ok: false, status: blocked.code, retryable: true, unreachable: true, reason: blocked.message, excerpt: blocked.message.slice(0, EXCERPT_BYTES) };
  }
  const code = (error as { code?: unknown } | null)?.code;
  const name = typeof code === 'string' ? code : 'network error';
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
  return {
    ok: false,
    status: timedOut ? 'timed out' : name,
    // Any transport failure may pass: DNS comes back, a certificate gets fixed, a server restarts.
    retryable: true,
    unreachable: (typeof code === 'string' && UNREACHABLE.has(code)) || isTlsFailure(code),
    excerpt: isRetryableErrorCode(code) || timedOut ? name : `${name}: ${message}`.slice(0, EXCERPT_BYTES),
  };
}

function isTlsFailure(code: unknown): boolean {
  return typeof code === 'string' && (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code));
}

/** Past this, a response is cut off rather than read through for the sake of one kept-alive connection. */
const MAX_DRAINED_BYTES = 64 * 1024;

/** The start of the response, as text; the rest is read and dropped so the connection can be reused. */
async function readExcerpt(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (size < EXCERPT_BYTES) chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_DRAINED_BYTES) {
        body.destroy();
        break;
      }
    }
  } catch {
    // A body cut short still leaves its status to go by.
  }
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
}

function redact(text: string, values: readonly string[]): string {
  return values.reduce((result, value) => result.replaceAll(value, '[hidden]'), text);
}
