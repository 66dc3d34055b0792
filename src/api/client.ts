import { setImmediate as nextTurn, setTimeout as sleepFor } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { abortError, ExitCode, RobofyError } from '../errors.js';
import type { Env } from '../io.js';
import { ACCEPT_ENCODING, BodyReader } from './body-reader.js';
import { createDispatcher, type NetworkRoute } from './dispatcher.js';
import { describeTransportFailure, type Route } from './network-errors.js';
import { effectivePort, isLoopback } from './proxy.js';
import { getResponse } from './get-response.js';
import { parseUtf8Json } from './utf8-json.js';
import { apiErrorFor, MalformedResponseError, parseErrorBody } from './errors.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry-policy.js';
import { RateGate } from './rate-gate.js';

export interface ClientOptions {
  apiUrl: string;
  token: string;
  userAgent: string;
  signal: AbortSignal;
  now: () => number;
  /** Tests pass a MockAgent; otherwise one keep-alive Agent (or proxy agent) serves the whole run. */
  dispatcher?: Dispatcher | undefined;
  /** Where the proxy settings come from (HTTPS_PROXY, NO_PROXY...). */
  env?: Env | undefined;
  /** Connect, headers and idle-body timeout of one request. */
  timeoutMs?: number | undefined;
  /** Further attempts after the first fails in a retryable way. */
  retries?: number | undefined;
  /** Listings read at once (several chatbots): one connection each. Default 1. */
  listings?: number | undefined;
  /** A Retry-After longer than this fails the run instead of sleeping through it. */
  maxRetryAfterMs?: number | undefined;
  maxResponseBytes?: number | undefined;
  backoffBaseMs?: number | undefined;
  random?: (() => number) | undefined;
  onEvent?: ((event: ClientEvent) => void) | undefined;
}

export type ClientEvent =
  | { type: 'response'; path: string; status: number; ms: number; attempt: number; bytes: number; wireBytes: number; encoding: string | undefined }
  | { type: 'retry'; path: string; attempt: number; waitMs: number; reason: string };

export interface GetSpec {
  /** Path and query, already encoded: build it with `apiPath`. */
  path: string;
  /** What a 404 means here, for the message ("project 12 / chatbot abc"). */
  notFound?: string;
  /** Aborts this request alone (the run's signal aborts all). */
  signal?: AbortSignal;
  /**
   * Sees a successful response's body before it is parsed; the bytes are
   * valid during the call only. Returns true when it made a request that
   * should go out before this body is parsed.
   */
  onBody?: (body: Buffer) => boolean;
  /**
   * Reads a successful response's body in place of parseUtf8Json (the bytes
   * are valid during the call only); what it throws counts as a malformed body.
   */
  parse?: (body: Buffer) => unknown;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 5;
export const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const BACKOFF_MAX_MS = 30_000;

/** Joins encoded path segments and drops query parameters that have no value (never `?x=undefined`). */
export function apiPath(segments: readonly (string | number)[], query: Record<string, string | undefined> = {}): string {
  const path = `/${segments.map((segment) => encodeURIComponent(String(segment))).join('/')}`;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.append(name, value);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** The Robofy HTTP client: one connection pool, JSON in, errors mapped to exit codes, retries. */
export class RobofyClient {
  #retries = 0;
  readonly #options: ClientOptions;
  readonly #dispatcher: Dispatcher;
  readonly #route: Route;
  readonly #owned: boolean;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly #bodies = new BodyReader();
  readonly #gate = new RateGate();

  private constructor(options: ClientOptions, network: NetworkRoute) {
    this.#options = options;
    const base = new URL(options.apiUrl);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#owned = options.dispatcher === undefined;
    this.#dispatcher = network.dispatcher;
    this.#route = {
      hostname: base.hostname,
      hostPort: `${base.hostname}:${effectivePort(base)}`,
      proxy: network.proxy,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
    this.#headers = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
      'accept-encoding': ACCEPT_ENCODING,
      'user-agent': options.userAgent,
    };
  }

  static async create(options: ClientOptions): Promise<RobofyClient> {
    assertSafeTransport(options.apiUrl);
    const network: NetworkRoute = options.dispatcher
      ? { dispatcher: options.dispatcher, proxy: { kind: 'direct', reason: 'unset' } }
      : createDispatcher({
          url: options.apiUrl,
          env: options.env ?? {},
          timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          // Pages are sequential: the prefetch is sent when the previous response frees the socket,
          // a moment before undici would see it free, so a pool opened a second connection (and TLS handshake).
          // Listings read at once each get their own.
          connections: options.listings ?? 1,
        });
    return new RobofyClient(options, network);
  }

  /** How many retries this client has made so far, for the summary line. */
  get retries(): number {
    return this.#retries;
  }

  async getJson(spec: GetSpec): Promise<unknown> {
    const maxRetries = this.#options.retries ?? DEFAULT_RETRIES;
    for (let attempt = 1; ; attempt++) {
      const failure = await this.#attempt(spec, attempt);
      if (failure.ok) return failure.body;
      if (attempt > maxRetries) {
        throw new RobofyError(`${failure.error.message} (gave up after ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'})`, {
          code: failure.error instanceof RobofyError ? failure.error.code : 'NETWORK',
          exitCode: ExitCode.Api,
          cause: failure.error,
        });
      }
      const waitMs = this.#waitBeforeRetry(attempt, failure);
      if (failure.rateLimited) this.#gate.closeFor(waitMs);
      this.#retries++;
      this.#options.onEvent?.({ type: 'retry', path: spec.path, attempt, waitMs, reason: failure.error.message });
      const linked = linkSignals(this.#options.signal, spec.signal);
      try {
        await sleep(waitMs, linked.signal);
      } finally {
        linked.release();
      }
    }
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#dispatcher.close();
  }

  async #attempt(spec: GetSpec, attempt: number): Promise<AttemptResult> {
    const { signal, release } = linkSignals(this.#options.signal, spec.signal);
    try {
      await this.#gate.pass(signal);
    } catch (error) {
      release();
      throw error;
    }
    const started = this.#options.now();
    try {
      const maxBytes = this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      const request = { origin: this.#origin, path: `${this.#basePath}${spec.path}`, method: 'GET', headers: this.#headers, ...this.#timeouts() } as const;
      const response = await getResponse(this.#dispatcher, request, this.#bodies, maxBytes, signal);
      const { body } = response;
      try {
        const status = response.statusCode;
        this.#options.onEvent?.({
          type: 'response',
          path: spec.path,
          status,
          ms: this.#options.now() - started,
          attempt,
          bytes: body.bytes.length,
          wireBytes: body.wireBytes,
          encoding: body.encoding,
        });
        if (status >= 200 && status < 300 && spec.onBody?.(body.bytes) === true) await requestSent();
        return interpret(status, response.headers, body.bytes, spec, this.#options.now());
      } finally {
        body.release();
      }
    } catch (error) {
      return classifyThrown(error, signal, this.#route);
    } finally {
      release();
    }
  }

  #timeouts(): { headersTimeout?: number; bodyTimeout?: number } {
    // An injected dispatcher (tests) gets the same per-request limits as our own Agent.
    const timeout = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return { headersTimeout: timeout, bodyTimeout: timeout };
  }

  #waitBeforeRetry(attempt: number, failure: RetryableFailure): number {
    const ceiling = this.#options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    if (failure.retryAfterMs !== undefined) {
      if (failure.retryAfterMs > ceiling) {
        throw new RobofyError(
          `${failure.error.message}; the server asked to wait ${Math.ceil(failure.retryAfterMs / 1000)}s, ` +
            `more than the ${Math.round(ceiling / 1000)}s this tool waits`,
          { code: 'RETRY_AFTER_TOO_LONG', exitCode: ExitCode.Api, cause: failure.error },
        );
      }
      return failure.retryAfterMs;
    }
    const base = this.#options.backoffBaseMs ?? 500;
    return backoffDelay(attempt, { baseMs: base, maxMs: BACKOFF_MAX_MS }, this.#options.random ?? Math.random);
  }
}

interface RetryableFailure {
  ok: false;
  error: Error;
  retryAfterMs?: number | undefined;
  /** A 429 or a Retry-After: the limit is the key's, so every request of the run waits. */
  rateLimited?: boolean | undefined;
}
type AttemptResult = { ok: true; body: unknown } | RetryableFailure;

function interpret(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  spec: GetSpec,
  now: number,
): AttemptResult {
  if (status >= 200 && status < 300) {
    try {
      return { ok: true, body: (spec.parse ?? parseUtf8Json)(body) };
    } catch (cause) {
      return { ok: false, error: new MalformedResponseError(describeNonJson(headers, body.toString('utf8')), { cause }) };
    }
  }
  if (status >= 300 && status < 400) {
    throw new RobofyError(
      `the API answered ${status} with a redirect to ${redirectOrigin(headers.location)}; not followed, so the key stays with the API host`,
      { code: 'REDIRECT', exitCode: ExitCode.Api },
    );
  }
  const error = apiErrorFor(parseErrorBody(status, body.toString('utf8')), spec.notFound);
  if (!isRetryableStatus(status)) throw error;
  const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
  return { ok: false, error, retryAfterMs, rateLimited: status === 429 || retryAfterMs !== undefined };
}

function classifyThrown(error: unknown, signal: AbortSignal, route: Route): RetryableFailure {
  if (signal.aborted) throw abortError(signal);
  // A corrupt compressed body is retried like a truncated one.
  if (error instanceof MalformedResponseError) return { ok: false, error };
  if (error instanceof RobofyError) throw error;
  const failure = describeTransportFailure(error, route);
  if (!failure.retryable) throw failure.error;
  return { ok: false, error: failure.error };
}

function describeNonJson(headers: Record<string, string | string[] | undefined>, text: string): string {
  const type = String(headers['content-type'] ?? 'no content type').split(';')[0];
  if (text.length === 0) return 'an empty body where JSON was expected';
  if (/^\s*</.test(text)) return `${type} (HTML?) where JSON was expected`;
  return `the body is not valid JSON (${text.length} bytes, ${type}; truncated?)`;
}

function redirectOrigin(location: string | string[] | undefined): string {
  const value = Array.isArray(location) ? location[0] : location;
  try {
    return value ? new URL(value, 'http://relative.invalid').origin : 'nowhere';
  } catch {
    return 'an invalid location';
  }
}

/** The key is a permanent secret: never send it in clear text beyond this machine. */
export function assertSafeTransport(apiUrl: string): void {
  const url = new URL(apiUrl);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new RobofyError(
      `refusing to send the API key over plain http to ${url.host}; use https (http is allowed for localhost only)`,
      { code: 'INSECURE_URL', exitCode: ExitCode.Usage },
    );
  }
}

/**
 * A signal that aborts when the run's or the request's own does, with its
 * reason, until released. AbortSignal.any does the same but cost ~30 µs a
 * request on Node 20 and holds each signal until a GC finds it.
 */
function linkSignals(run: AbortSignal, own: AbortSignal | undefined): { signal: AbortSignal; release: () => void } {
  if (own === undefined || run.aborted) return { signal: run, release: () => undefined };
  if (own.aborted) return { signal: own, release: () => undefined };
  const controller = new AbortController();
  const onRun = (): void => controller.abort(run.reason);
  const onOwn = (): void => controller.abort(own.reason);
  run.addEventListener('abort', onRun, { once: true });
  own.addEventListener('abort', onOwn, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      run.removeEventListener('abort', onRun);
      own.removeEventListener('abort', onOwn);
    },
  };
}

/**
 * Lets a request made a moment ago reach the socket before the caller parses
 * (and then writes) a page. undici hands a freed keep-alive socket on after a
 * turn of the event loop and checks it is still open after one more, so the
 * request leaves on the second turn; parsing first would hold it back by the
 * parse and the caller's work after it (about 2 ms a 100-lead page).
 */
async function requestSent(): Promise<void> {
  await nextTurn();
  await nextTurn();
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleepFor(ms, undefined, { signal });
  } catch {
    throw abortError(signal);
  }
}
