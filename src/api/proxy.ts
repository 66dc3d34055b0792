import { BlockList, isIP } from 'node:net';
import type { Env } from '../io.js';
import { UsageError } from '../errors.js';

/** The proxy a URL is reached through, read from the environment the way curl and Go read it. */
export type ProxyChoice =
  | {
      kind: 'proxy';
      /** With the credentials, for the dispatcher only: never print it. */
      url: URL;
      /** `http://host:port`, safe to print. */
      shown: string;
      /** `host:port`, for error messages. */
      hostPort: string;
      /** The variable it came from, e.g. `https_proxy`. */
      variable: string;
    }
  | { kind: 'direct'; reason: 'unset' | 'loopback' | 'NO_PROXY' };

/**
 * HTTPS_PROXY for https URLs, HTTP_PROXY for http ones (the lowercase name
 * wins, as in curl and undici), unless NO_PROXY matches the host. Loopback
 * hosts never use a proxy, as with Go's HTTP stack: a key sent to a local API
 * never leaves the machine. undici's EnvHttpProxyAgent makes the same choice
 * from `process.env`, but cannot say which variable applied, and would proxy
 * loopback; so the choice is made here and handed to its ProxyAgent.
 */
export function proxyFor(target: URL, env: Env): ProxyChoice {
  const names = target.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  const variable = names.find((name) => (env[name] ?? '').trim() !== '');
  if (variable === undefined) return { kind: 'direct', reason: 'unset' };
  const host = bareHost(target.hostname);
  if (isLoopback(host)) return { kind: 'direct', reason: 'loopback' };
  if (noProxyMatches(env.no_proxy ?? env.NO_PROXY ?? '', host, effectivePort(target))) return { kind: 'direct', reason: 'NO_PROXY' };
  const url = parseProxyUrl(env[variable]!.trim(), variable);
  const hostPort = `${url.hostname}:${effectivePort(url)}`;
  return { kind: 'proxy', url, shown: `${url.protocol}//${hostPort}`, hostPort, variable };
}

/** `proxy.corp:3128` is read as `http://proxy.corp:3128`, as curl and Go do. */
function parseProxyUrl(value: string, variable: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    // Not echoed: the value may hold a password.
    throw new UsageError(`${variable} is not a valid proxy URL; expected http://[user:password@]host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${variable} uses ${url.protocol.slice(0, -1)}, which robofy does not support; use an http:// or https:// proxy`);
  }
  return url;
}

/**
 * NO_PROXY: comma- or space-separated entries; `*` alone matches everything;
 * `robofy.test`, `.robofy.test` and `*.robofy.test` match that domain and its
 * subdomains; `host:port` only that port; IP addresses and CIDR ranges
 * (10.0.0.0/8) match addresses.
 */
export function noProxyMatches(value: string, host: string, port: number): boolean {
  const entries = value.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.includes('*')) return true;
  const ipType = isIP(host);
  return entries.some((entry) => {
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    if (cidr) return ipType !== 0 && inRange(host, ipType, cidr[1]!, Number(cidr[2]));
    const { name, port: entryPort } = parseEntry(entry);
    if (entryPort !== undefined && Number(entryPort) !== port) return false;
    const domain = name.toLowerCase().replace(/^\*?\./, '');
    return host === domain || host.endsWith(`.${domain}`);
  });
}

/** `host`, `host:port`, `::1`, `[::1]:port`. */
function parseEntry(entry: string): { name: string; port?: string | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, port: bracketed[2] };
  if (isIP(entry) === 6) return { name: entry };
  const withPort = /^(.+):(\d+)$/.exec(entry);
  return withPort ? { name: withPort[1]!, port: withPort[2] } : { name: entry };
}

function inRange(host: string, ipType: number, network: string, prefix: number): boolean {
  const type = isIP(network);
  if (type !== ipType) return false;
  const list = new BlockList();
  try {
    list.addSubnet(network, prefix, type === 6 ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
  return list.check(host, type === 6 ? 'ipv6' : 'ipv4');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** localhost, 127.0.0.0/8 and ::1, as Go's net/http decides it. */
export function isLoopback(host: string): boolean {
  const bare = bareHost(host).toLowerCase();
  if (bare === 'localhost') return true;
  const type = isIP(bare);
  return type !== 0 && LOOPBACK.check(bare, type === 6 ? 'ipv6' : 'ipv4');
}

/** `[::1]` as URL.hostname gives it, without the brackets. */
function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host.toLowerCase();
}

export function effectivePort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
