import type { Dispatcher } from 'undici';
import type { Env } from '../io.js';
import { proxyFor, type ProxyChoice } from './proxy.js';
import { loadUndici, loadUndiciProxy } from './undici.js';

export interface DispatcherOptions {
  /** The URL (origin) the dispatcher talks to: it decides the proxy. */
  url: string | URL;
  env: Env;
  /** Connect (TCP and TLS handshake, through the proxy too), headers and idle-body timeout. */
  timeoutMs: number;
  /** Connections per origin; default: as many as requests in flight. */
  connections?: number | undefined;
}

export interface NetworkRoute {
  dispatcher: Dispatcher;
  /** How requests travel: direct, or through which proxy (for messages and `whoami`). */
  proxy: ProxyChoice;
}

const KEEP_ALIVE_MS = 10_000;

/**
 * The one place a run's connection pool is built, from the environment and
 * the timeout: TLS verified against Node's CAs plus NODE_EXTRA_CA_CERTS
 * (Node reads that at start-up), a proxy from HTTPS_PROXY / HTTP_PROXY /
 * NO_PROXY, and keep-alive so a run shares one connection. The proxy agent is
 * loaded only when a proxy is in use.
 */
export function createDispatcher(options: DispatcherOptions): NetworkRoute {
  const proxy = proxyFor(new URL(options.url), options.env);
  const timeout = options.timeoutMs;
  // Explicit, so NODE_TLS_REJECT_UNAUTHORIZED=0 cannot turn verification off either.
  const tls = { timeout, rejectUnauthorized: true };
  const pool = {
    keepAliveTimeout: KEEP_ALIVE_MS,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  };
  if (proxy.kind === 'direct') return { dispatcher: new (loadUndici().Agent)({ ...pool, connect: tls }), proxy };
  const { ProxyAgent, createProxyPool } = loadUndiciProxy();
  const dispatcher = new ProxyAgent({
    ...pool,
    uri: proxy.url.href,
    proxyTls: tls,
    requestTls: tls,
    // The connection to the proxy: a proxy that accepts but never answers the CONNECT must time out too.
    clientFactory: (origin, clientOptions) => createProxyPool(origin, { ...clientOptions, headersTimeout: timeout, bodyTimeout: timeout }),
  });
  return { dispatcher, proxy };
}
