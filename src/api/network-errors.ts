import { ExitCode, RobofyError } from '../errors.js';
import { NetworkError } from './errors.js';
import type { ProxyChoice } from './proxy.js';
import { isRetryableErrorCode } from './retry-policy.js';

/** Where a request was going, to name it in messages. */
export interface Route {
  /** The API's host:port. */
  hostPort: string;
  hostname: string;
  proxy: ProxyChoice;
  timeoutMs: number;
  /** Who is at the end of the route, for messages; default the API. */
  peer?: Peer | undefined;
}

export interface Peer {
  /** `the API` */
  name: string;
  /** Where its URL comes from: `the API URL`. */
  url: string;
}

const API: Peer = { name: 'the API', url: 'the API URL' };

export interface TransportFailure {
  error: RobofyError;
  retryable: boolean;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const WRONG_NAME = 'ERR_TLS_CERT_ALTNAME_INVALID';
const PROXY_UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One line for an error undici threw, naming what failed (the host, the
 * proxy, the certificate) and whether another attempt can help. Certificate
 * failures end the run at once: the TLS handshake fails before any request,
 * so the key was never sent, and retrying cannot change the certificate.
 */
export function describeTransportFailure(error: unknown, route: Route): TransportFailure {
  const blocked = routeFailure(error, route);
  if (blocked) return blocked;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const text = describeDirect(code, message, route);
  return { error: new NetworkError(`request failed: ${text}`, error), retryable: isRetryableErrorCode(code) };
}

/**
 * A failure of the way to the server rather than of the server: its
 * certificate, or the proxy (refusing the tunnel, or out of reach). The
 * request never reached the server. undefined for any other failure.
 */
export function routeFailure(error: unknown, route: Route): TransportFailure | undefined {
  const tls = certificateFailure(error, route);
  if (tls) return { error: tls, retryable: false };
  if (route.proxy.kind !== 'proxy') return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return proxyFailure(route.proxy, errorCode(error), message, error, route.peer ?? API);
}

function describeDirect(code: string | undefined, message: string, route: Route): string {
  const seconds = `${route.timeoutMs / 1000}s`;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${route.hostname} (${code})`;
    case 'ECONNREFUSED':
      return `connection refused by ${route.hostPort} (${code})`;
    case 'ECONNRESET':
      return `the connection to ${route.hostPort} was reset (${code})`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `timed out connecting to ${route.hostPort} (--timeout ${seconds}) (${code})`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `timed out waiting for a response from ${route.hostPort} (--timeout ${seconds}) (${code})`;
    case 'UND_ERR_BODY_TIMEOUT':
      return `the response from ${route.hostPort} stalled for more than ${seconds} (--timeout) (${code})`;
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return `the connection to ${route.hostPort} closed before the response ended (${code})`;
    default:
      return `${message}${code === undefined ? '' : ` (${code})`}`;
  }
}

/** A CONNECT the proxy answered with another status than 200, or a proxy that could not be reached. */
function proxyFailure(
  proxy: Extract<ProxyChoice, { kind: 'proxy' }>,
  code: string | undefined,
  message: string,
  cause: unknown,
  peer: Peer,
): TransportFailure | undefined {
  const named = `the proxy ${proxy.hostPort} (${proxy.variable})`;
  const status = /^Proxy response \((\d{3})\)/.exec(message)?.[1];
  if (status === '407') {
    return proxyError(`${named} answered 407 Proxy Authentication Required; check the user and password in ${proxy.variable}`, 'PROXY_AUTH', cause);
  }
  if (status !== undefined) return proxyError(`${named} refused the tunnel to ${peer.name} (${status})`, 'PROXY_REFUSED', cause);
  if (code !== undefined && PROXY_UNREACHABLE.has(code)) {
    return proxyError(`cannot reach ${named}: ${reachFailure(code)} (${code})`, 'PROXY_UNREACHABLE', cause);
  }
  return undefined;
}

function proxyError(message: string, code: string, cause: unknown): TransportFailure {
  return { error: new RobofyError(message, { code, exitCode: ExitCode.Api, cause }), retryable: true };
}

function reachFailure(code: string): string {
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its name does not resolve';
  return 'no route to it';
}

function certificateFailure(error: unknown, route: Route): RobofyError | undefined {
  const tlsError = findInCauses(error, (code) => UNTRUSTED.has(code) || OUT_OF_DATE.has(code) || code === WRONG_NAME);
  if (tlsError === undefined) return undefined;
  const code = errorCode(tlsError)!;
  const subject = `the TLS certificate of ${route.hostPort}`;
  if (code === WRONG_NAME) {
    return new RobofyError(`${subject} is for another host name (${code}); check ${(route.peer ?? API).url}, or whether a proxy intercepts the connection`, {
      code: 'TLS_WRONG_HOST',
      exitCode: ExitCode.Api,
      cause: error,
    });
  }
  if (OUT_OF_DATE.has(code)) {
    return new RobofyError(`${subject} has expired or is not valid yet (${code}); check this machine's clock`, {
      code: 'TLS_EXPIRED',
      exitCode: ExitCode.Api,
      cause: error,
    });
  }
  return new RobofyError(
    `${subject} is not trusted (${code}); if your network re-signs TLS (a corporate proxy), set NODE_EXTRA_CA_CERTS to its root certificate (PEM file)`,
    { code: 'TLS_UNTRUSTED', exitCode: ExitCode.Api, cause: error },
  );
}

/** undici wraps a TLS failure through a proxy in an error of its own, with the TLS one as its cause. */
function findInCauses(error: unknown, wanted: (code: string) => boolean): unknown {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const code = errorCode(current);
    if (code !== undefined && wanted(code)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
