import { createRequire } from 'node:module';
import type { Agent, Dispatcher, Pool, ProxyAgent } from 'undici';

/** The two pieces of undici robofy uses: its connection pool, and `dispatcher.request()` (for webhook deliveries). */
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

/** undici's proxy pieces: loaded only when a proxy is in use, so a direct run never pays for them. */
export interface UndiciProxyParts {
  ProxyAgent: typeof ProxyAgent;
  /** A pool to the proxy itself, with `connect()` (which only undici's entry point adds to every dispatcher). */
  createProxyPool: (origin: URL | string, options: Pool.Options) => Pool;
}

export function loadUndiciProxy(require: NodeJS.Require = createRequire(import.meta.url)): UndiciProxyParts {
  try {
    const [ProxyAgentClass, PoolClass, connect] = [
      require('undici/lib/dispatcher/proxy-agent.js') as unknown,
      require('undici/lib/dispatcher/pool.js') as unknown,
      require('undici/lib/api/api-connect.js') as unknown,
    ];
    if (typeof ProxyAgentClass === 'function' && typeof PoolClass === 'function' && typeof connect === 'function') {
      return {
        ProxyAgent: ProxyAgentClass as typeof ProxyAgent,
        createProxyPool: (origin, options) => Object.assign(new (PoolClass as typeof Pool)(origin, options), { connect: connect as Pool['connect'] }),
      };
    }
  } catch {
    // As above: an upgrade moved them.
  }
  const undici = require('undici') as typeof import('undici');
  return { ProxyAgent: undici.ProxyAgent, createProxyPool: (origin, options) => new undici.Pool(origin, options) };
}
