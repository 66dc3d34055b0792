/**
 * The Robofy client against undici's MockAgent: which failures are retried,
 * how long it waits (Retry-After, backoff), what it gives up with, and the
 * response size cap. Waits are observed through `onEvent` and cut short by
 * aborting the run there, so no test sleeps through a real Retry-After.
 */
import { MockAgent, errors as undiciErrors } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { apiPath, assertSafeTransport, RobofyClient, type ClientEvent, type ClientOptions } from '../../src/api/client.js';
import { ExitCode, InterruptedError, RobofyError } from '../../src/errors.js';

const ORIGIN = 'https://api.robofy.test';
const PATH = '/v1/ai-agent/leads/12/abc';
const NOW = Date.UTC(2025, 0, 15, 10, 30);
const PAGE = { message: 'ok', data: { report: { rows: [], next_page_token: null } } };
const JSON_HEADERS = { 'content-type': 'application/json' };

type Step =
  | { status: number; body?: string | object; headers?: Record<string, string> }
  | { error: Error };

interface Harness {
  client: RobofyClient;
  agent: MockAgent;
  events: ClientEvent[];
  retryWaits(): number[];
  calls(): number;
  controller: AbortController;
}

const agents: MockAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

/** A client whose requests get `steps`, one each, in order. */
async function harness(steps: readonly Step[], options: Partial<ClientOptions> & { stopAtRetry?: boolean } = {}): Promise<Harness> {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  agents.push(agent);
  const pool = agent.get(ORIGIN);
  for (const step of steps) {
    const interceptor = pool.intercept({ path: () => true, method: 'GET' });
    if ('error' in step) {
      interceptor.replyWithError(step.error);
    } else {
      const body = typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? PAGE);
      interceptor.reply(step.status, body, { headers: { ...JSON_HEADERS, ...step.headers } });
    }
  }
  const events: ClientEvent[] = [];
  const controller = new AbortController();
  const { stopAtRetry, ...rest } = options;
  const client = await RobofyClient.create({
    apiUrl: ORIGIN,
    token: 'secret-key',
    userAgent: 'robofy-cli/test',
    signal: controller.signal,
    now: () => NOW,
    dispatcher: agent,
    retries: 5,
    backoffBaseMs: 8,
    random: () => 0,
    onEvent: (event) => {
      events.push(event);
      // Read the decided wait, then end the run instead of sleeping through it.
      if (stopAtRetry && event.type === 'retry') controller.abort(new InterruptedError('SIGINT'));
    },
    ...rest,
  });
  return {
    client,
    agent,
    events,
    controller,
    retryWaits: () => events.flatMap((e) => (e.type === 'retry' ? [e.waitMs] : [])),
    calls: () => agent.getCallHistory()?.calls().length ?? 0,
  };
}

async function failure(promise: Promise<unknown>): Promise<RobofyError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the request to fail').toBeInstanceOf(RobofyError);
  return error as RobofyError;
}

function networkError(code: string, message = `simulated ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('RobofyClient.getJson', () => {
  it('returns the parsed body and sends the key as a bearer token, with accept and user-agent', async () => {
    const h = await harness([{ status: 200 }]);
    expect(await h.client.getJson({ path: PATH })).toEqual(PAGE);
    const call = h.agent.getCallHistory()?.firstCall();
    expect(call?.path).toBe(PATH);
    expect(call?.headers).toMatchObject({ authorization: 'Bearer secret-key', accept: 'application/json', 'user-agent': 'robofy-cli/test' });
    expect(h.client.retries).toBe(0);
  });

  it.each([408, 429, 500, 502, 503, 504, 520, 524])('retries %i, then succeeds', async (status) => {
    const h = await harness([{ status, body: { message: 'x', error: { code: 'X', detail: 'busy' } } }, { status: 200 }]);
    expect(await h.client.getJson({ path: PATH })).toEqual(PAGE);
    expect(h.calls()).toBe(2);
    expect(h.client.retries).toBe(1);
    expect(h.events.map((e) => e.type)).toEqual(['response', 'retry', 'response']);
  });

  it.each<[number, number, string]>([
    [400, ExitCode.Usage, 'the API refused the request (400 BAD_REQUEST: nope)'],
    [401, ExitCode.Auth, 'the API rejected the key (401 UNAUTHORIZED: nope)'],
    [403, ExitCode.Auth, 'the API rejected the key (403 FORBIDDEN: nope)'],
    [404, ExitCode.NotFound, 'project 12 / chatbot abc not found (404 PROJECT_NOT_FOUND: nope)'],
    [409, ExitCode.Api, 'the API failed (409 CONFLICT: nope)'],
    [422, ExitCode.Usage, 'the API refused the request (422 UNPROCESSABLE: nope)'],
    [501, ExitCode.Api, 'the API failed (501 NOT_IMPLEMENTED: nope)'],
  ])('never retries %i: one request, exit %i', async (status, exitCode, message) => {
    const codes: Record<number, string> = {
      400: 'BAD_REQUEST',
      401: 'UNAUTHORIZED',
      403: 'FORBIDDEN',
      404: 'PROJECT_NOT_FOUND',
      409: 'CONFLICT',
      422: 'UNPROCESSABLE',
      501: 'NOT_IMPLEMENTED',
    };
    const h = await harness([{ status, body: { message: 'x', error: { code: codes[status], detail: 'nope' } } }, { status: 200 }]);
    const error = await failure(h.client.getJson({ path: PATH, notFound: 'project 12 / chatbot abc' }));
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toContain(message);
    expect(h.calls()).toBe(1);
    expect(h.client.retries).toBe(0);
  });

  it('gives up after 1 + retries attempts, saying so, exit 5, with the API error code', async () => {
    const fail = { status: 500, body: { message: 'x', error: { code: 'INTERNAL_SERVER_ERROR', detail: 'db down' } } };
    const h = await harness([fail, fail, fail, { status: 200 }], { retries: 2 });
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.exitCode).toBe(ExitCode.Api);
    expect(error.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).toBe('the API failed (500 INTERNAL_SERVER_ERROR: db down) (gave up after 3 attempts)');
    expect(h.calls()).toBe(3);
    expect(h.client.retries).toBe(2);
  });

  it('--retries 0 tries once', async () => {
    const h = await harness([{ status: 503 }, { status: 200 }], { retries: 0 });
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.exitCode).toBe(ExitCode.Api);
    expect(h.calls()).toBe(1);
  });

  it('an error body that is not JSON (a proxy page) still gives a status-based message', async () => {
    const h = await harness([{ status: 502, body: '<html><body>Bad gateway</body></html>', headers: { 'content-type': 'text/html' } }], {
      retries: 0,
    });
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.message).toBe('the API failed (502) (gave up after 1 attempt)');
  });
});

describe('Retry-After', () => {
  it('seconds are waited as given', async () => {
    const h = await harness([{ status: 429, headers: { 'retry-after': '7' } }], { stopAtRetry: true });
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error).toBeInstanceOf(InterruptedError);
    expect(h.retryWaits()).toEqual([7000]);
  });

  it('an HTTP date is waited until', async () => {
    const h = await harness([{ status: 503, headers: { 'retry-after': new Date(NOW + 42_000).toUTCString() } }], { stopAtRetry: true });
    await failure(h.client.getJson({ path: PATH }));
    expect(h.retryWaits()).toEqual([42_000]);
  });

  it('0, or a date in the past, retries at once', async () => {
    const h = await harness([
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 429, headers: { 'retry-after': new Date(NOW - 60_000).toUTCString() } },
      { status: 200 },
    ]);
    expect(await h.client.getJson({ path: PATH })).toEqual(PAGE);
    expect(h.retryWaits()).toEqual([0, 0]);
  });

  it.each(['soon', 'foo 1', 'Retry 99999', '1.5', '-3', ''])('garbage %j falls back to the normal backoff', async (value) => {
    const h = await harness([{ status: 429, headers: { 'retry-after': value } }, { status: 200 }], { backoffBaseMs: 40 });
    expect(await h.client.getJson({ path: PATH })).toEqual(PAGE);
    // random() = 0: the low end of [base/2, base].
    expect(h.retryWaits()).toEqual([20]);
  });

  it('exactly the ceiling (120 s) is still waited', async () => {
    const h = await harness([{ status: 429, headers: { 'retry-after': '120' } }], { stopAtRetry: true });
    await failure(h.client.getJson({ path: PATH }));
    expect(h.retryWaits()).toEqual([120_000]);
  });

  it('longer than the ceiling fails at once, exit 5, saying how long the server asked', async () => {
    const h = await harness([{ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    const started = Date.now();
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.exitCode).toBe(ExitCode.Api);
    expect(error.code).toBe('RETRY_AFTER_TOO_LONG');
    expect(error.message).toContain('the server asked to wait 3600s, more than the 120s this tool waits');
    expect(h.calls()).toBe(1);
    expect(h.retryWaits()).toEqual([]);
  });

  it('a far HTTP date fails fast the same way; the ceiling is an option', async () => {
    const h = await harness([{ status: 503, headers: { 'retry-after': new Date(NOW + 10 * 60_000).toUTCString() } }], {
      maxRetryAfterMs: 300_000,
    });
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.message).toContain('the server asked to wait 600s, more than the 300s this tool waits');
  });
});

describe('backoff', () => {
  it('doubles per attempt from the base, low end with random() = 0', async () => {
    const h = await harness([{ status: 500 }, { status: 500 }, { status: 500 }, { status: 200 }], { backoffBaseMs: 20, random: () => 0 });
    await h.client.getJson({ path: PATH });
    expect(h.retryWaits()).toEqual([10, 20, 40]);
  });

  it('high end with random() → 1', async () => {
    const h = await harness([{ status: 500 }, { status: 500 }, { status: 500 }, { status: 200 }], { backoffBaseMs: 20, random: () => 0.9999 });
    await h.client.getJson({ path: PATH });
    expect(h.retryWaits()).toEqual([20, 40, 80]);
  });

  it('the CLI default: the first wait is 250-500 ms', async () => {
    for (const random of [0, 0.5, 0.9999]) {
      const h = await harness([{ status: 500 }], { backoffBaseMs: undefined, random: () => random, stopAtRetry: true });
      await failure(h.client.getJson({ path: PATH }));
      const [wait] = h.retryWaits();
      expect(wait).toBeGreaterThanOrEqual(250);
      expect(wait).toBeLessThanOrEqual(500);
    }
  });

  it('Ctrl-C during a backoff ends the wait at once with the interrupt', async () => {
    const h = await harness([{ status: 500 }], { backoffBaseMs: 60_000 });
    const pending = h.client.getJson({ path: PATH });
    setTimeout(() => h.controller.abort(new InterruptedError('SIGINT')), 50);
    const started = Date.now();
    const error = await failure(pending);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.exitCode).toBe(ExitCode.Interrupted);
    expect(error.message).toBe('interrupted by SIGINT');
  });
});

describe('network errors', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET'])('%s is retried', async (code) => {
    const h = await harness([{ error: networkError(code) }, { status: 200 }]);
    expect(await h.client.getJson({ path: PATH })).toEqual(PAGE);
    expect(h.client.retries).toBe(1);
  });

  it('undici header and body timeouts are retried', async () => {
    const h = await harness([{ error: new undiciErrors.HeadersTimeoutError() }, { error: new undiciErrors.BodyTimeoutError() }, { status: 200 }]);
    expect(await h.client.getJson({ path: PATH })).toEqual(PAGE);
    expect(h.retryWaits()).toHaveLength(2);
    expect(h.events.filter((e) => e.type === 'retry').map((e) => (e.type === 'retry' ? e.reason : ''))).toEqual([
      expect.stringContaining('UND_ERR_HEADERS_TIMEOUT'),
      expect.stringContaining('UND_ERR_BODY_TIMEOUT'),
    ]);
  });

  it('a failure no retry can cure (DNS name not found) fails at once, exit 5, naming the code', async () => {
    const h = await harness([{ error: networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND api.robofy.test') }, { status: 200 }]);
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.exitCode).toBe(ExitCode.Api);
    expect(error.code).toBe('NETWORK');
    expect(error.message).toBe('request failed: cannot resolve api.robofy.test (ENOTFOUND)');
    expect(h.calls()).toBe(1);
  });

  it('retried network errors give up with the last one', async () => {
    const h = await harness([{ error: networkError('ECONNRESET') }, { error: networkError('ECONNRESET') }], { retries: 1 });
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.message).toBe('request failed: the connection to api.robofy.test:443 was reset (ECONNRESET) (gave up after 2 attempts)');
    expect(error.code).toBe('NETWORK');
  });
});

describe('bodies', () => {
  it.each<[string, Step, string]>([
    ['HTML', { status: 200, body: '<!doctype html><p>maintenance</p>', headers: { 'content-type': 'text/html; charset=utf-8' } }, 'text/html (HTML?) where JSON was expected'],
    ['truncated JSON', { status: 200, body: '{"message":"ok","data":{"rep' }, 'the body is not valid JSON (28 bytes, application/json; truncated?)'],
    ['empty', { status: 200, body: '' }, 'an empty body where JSON was expected'],
  ])('%s on a 2xx is retried, then reported as malformed, exit 5', async (_name, step, message) => {
    const h = await harness([step, step], { retries: 1 });
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.exitCode).toBe(ExitCode.Api);
    expect(error.code).toBe('MALFORMED_RESPONSE');
    expect(error.message).toBe(`malformed response from the API: ${message} (gave up after 2 attempts)`);
    expect(h.calls()).toBe(2);
  });

  it('a bad 2xx body once, then a good one: success', async () => {
    const h = await harness([{ status: 200, body: '<html>' }, { status: 200 }]);
    expect(await h.client.getJson({ path: PATH })).toEqual(PAGE);
  });

  it.each(['zstd', 'gzip, gzip, gzip'])('Content-Encoding: %s is refused, not retried, exit 5', async (encoding) => {
    const h = await harness([{ status: 200, headers: { 'content-encoding': encoding } }, { status: 200 }]);
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.exitCode).toBe(ExitCode.Api);
    expect(error.code).toBe('UNSUPPORTED_ENCODING');
    expect(h.calls()).toBe(1);
  });

  it('asks for gzip, deflate and br', async () => {
    const h = await harness([{ status: 200 }]);
    await h.client.getJson({ path: PATH });
    expect(h.agent.getCallHistory()?.firstCall()?.headers).toMatchObject({ 'accept-encoding': 'gzip, deflate, br' });
  });

  it('a body over the size cap is refused, not retried, exit 5', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(4096) });
    const roomy = await harness([{ status: 200, body: big }], { maxResponseBytes: 1024 * 1024 });
    expect(await roomy.client.getJson({ path: PATH })).toEqual(JSON.parse(big));
    const tiny = await harness([{ status: 200, body: big }, { status: 200 }], { maxResponseBytes: 4096 });
    const error = await failure(tiny.client.getJson({ path: PATH }));
    expect(error.exitCode).toBe(ExitCode.Api);
    expect(error.code).toBe('RESPONSE_TOO_LARGE');
    expect(error.message).toContain('a response exceeded');
    expect(tiny.calls()).toBe(1);
  });

  it('an error body over the cap is refused too (a 5xx cannot make the client read without end)', async () => {
    const h = await harness([{ status: 503, body: 'y'.repeat(10_000) }, { status: 200 }], { maxResponseBytes: 4096 });
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.code).toBe('RESPONSE_TOO_LARGE');
    expect(h.calls()).toBe(1);
  });

  it('exactly at the cap is accepted', async () => {
    const body = JSON.stringify({ pad: 'y'.repeat(1000) });
    const h = await harness([{ status: 200, body }], { maxResponseBytes: Buffer.byteLength(body) });
    expect(await h.client.getJson({ path: PATH })).toEqual(JSON.parse(body));
  });

  it('a redirect is not followed (the key stays home): exit 5 naming only the origin', async () => {
    const h = await harness([{ status: 302, body: '', headers: { location: 'https://evil.example/steal?key=1' } }, { status: 200 }]);
    const error = await failure(h.client.getJson({ path: PATH }));
    expect(error.exitCode).toBe(ExitCode.Api);
    expect(error.code).toBe('REDIRECT');
    expect(error.message).toContain('redirect to https://evil.example;');
    expect(error.message).not.toContain('steal');
    expect(h.calls()).toBe(1);
  });
});

describe('transport and paths', () => {
  it.each(['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9', 'https://agents.robofy.ai', 'https://example.com'])('%s is allowed', (url) => {
    expect(() => assertSafeTransport(url)).not.toThrow();
  });

  it.each(['http://agents.robofy.ai', 'http://10.0.0.5', 'http://localhost.evil.example'])('%s is refused: the key never goes out in clear text', (url) => {
    let error: unknown;
    try {
      assertSafeTransport(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RobofyError);
    expect((error as RobofyError).exitCode).toBe(ExitCode.Usage);
  });

  it('an API URL with a path (behind a gateway) keeps it in front of every request path', async () => {
    const h = await harness([{ status: 200 }], { apiUrl: `${ORIGIN}/robofy/api` });
    expect(await h.client.getJson({ path: `${PATH}?nextPageToken=t1` })).toEqual(PAGE);
    expect(h.agent.getCallHistory()?.firstCall()?.fullUrl).toBe(`${ORIGIN}/robofy/api${PATH}?nextPageToken=t1`);
  });

  it('apiPath encodes segments and tokens, and drops parameters without a value', () => {
    expect(apiPath(['v1', 'ai-agent', 'leads', 12, 'a/b c'])).toBe('/v1/ai-agent/leads/12/a%2Fb%20c');
    expect(apiPath(['x'], { nextPageToken: 'ab+/c==', sessionId: undefined, other: '' })).toBe('/x?nextPageToken=ab%2B%2Fc%3D%3D');
  });
});
