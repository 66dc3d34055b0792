import { createRequire } from 'node:module';
import type { Agent, Dispatcher } from 'undici';

/** The two pieces of undici the client uses: its connection pool and `dispatcher.request()`. */
export interface UndiciParts {
  Agent: typeof Agent;
  request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
}

/**
 * Loads undici's Agent and request() by themselves. `require('undici')` also
 * loads fetch, WebSocket, EventSource, the mocks and the caches: 111 modules
 * where these two need 26, for ~9 MB more RSS and ~90 ms more start-up.
 * These paths are undici's files rather than its documented entry point, so
 * if an upgrade moves them the whole package is loaded instead.
 */
export function loadUndici(require: NodeJS.Require = createRequire(import.meta.url)): UndiciParts {
  try {
    const parts = {
      Agent: require('undici/lib/dispatcher/agent.js') as unknown,
      request: require('undici/lib/api/api-request.js') as unknown,
    };
    if (typeof parts.Agent === 'function' && typeof parts.request === 'function') return parts as UndiciParts;
  } catch {
    // Moved or renamed by an upgrade: fall through to the documented entry point.
  }
  const undici = require('undici') as typeof import('undici');
  return { Agent: undici.Agent, request: undici.Dispatcher.prototype.request as UndiciParts['request'] };
}
