import type { Dispatcher } from 'undici';
import type { Body, BodyReader, IncomingBody } from './body-reader.js';

export type ResponseHeaders = Record<string, string | string[]>;

export interface Response {
  statusCode: number;
  headers: ResponseHeaders;
  body: Body;
}

/**
 * One request through undici's `dispatch()`, the body read straight into the
 * reader's buffer as it arrives. `request()` wraps each response in a
 * Readable stream and hands each chunk through it: the benchmark's
 * fetch-and-parse loop (bench/floor.ts) took 3.3-3.5 s of CPU for 100,000
 * leads on `request()`, 3.0-3.1 s on `dispatch()` and 2.7-2.9 s on node:http,
 * and a 100,000-lead CSV export 5.44 s against 5.00 s once robofy used it.
 * Fails with undici's own errors, or with the signal's reason once it aborts.
 */
export function getResponse(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  reader: BodyReader,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let abortRequest: ((reason: Error) => void) | undefined;
    let statusCode = 0;
    let headers: ResponseHeaders = {};
    let body: IncomingBody | undefined;
    let settled = false;
    const settle = (): void => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      settle();
      body?.discard();
      abortRequest?.(error as Error);
      reject(error);
    };
    const onAbort = (): void => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(options, {
      onConnect: (abort) => {
        if (settled) abort(signal.reason as Error);
        else abortRequest = abort;
      },
      onHeaders: (status, rawHeaders) => {
        if (settled) return false;
        // 1xx: an interim answer, the real one follows.
        if (status < 200) return true;
        statusCode = status;
        headers = headerRecord(rawHeaders);
        try {
          body = reader.open(maxBytes, headers['content-encoding']);
        } catch (error) {
          fail(error);
          return false;
        }
        return true;
      },
      onData: (chunk) => {
        if (settled) return false;
        try {
          body!.write(chunk);
          return true;
        } catch (error) {
          fail(error);
          return false;
        }
      },
      onComplete: () => {
        if (settled) return;
        settle();
        body!.end().then((whole) => resolve({ statusCode, headers, body: whole }), reject);
      },
      onError: fail,
    });
  });
}

/** As undici's request() gives them: lower-case names, Latin-1 values, a repeated header as an array. */
function headerRecord(raw: readonly (Buffer | string | string[])[] | null): ResponseHeaders {
  const headers: ResponseHeaders = {};
  for (let i = 0; raw !== null && i + 1 < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    const value = raw[i + 1]!;
    const text = Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : value.toString('latin1');
    const earlier = Object.hasOwn(headers, name) ? headers[name] : undefined;
    const merged = earlier === undefined ? text : Array.isArray(earlier) ? [...earlier, text] : [earlier, text];
    Object.defineProperty(headers, name, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return headers;
}
