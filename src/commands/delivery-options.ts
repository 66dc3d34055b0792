import { UsageError } from '../errors.js';
import { optionalString, parseSeconds } from './parse-options.js';

/** Where `--forward-to` or `--exec` sends each lead, as the command line asked. */
export interface DeliveryTarget {
  forwardTo: URL | undefined;
  exec: string | undefined;
  /** -H: lower-case name → value. */
  headers: Record<string, string>;
  deadLetter: string | undefined;
  /** The first retry's wait (it doubles with each retry); undefined for the default. */
  retryWaitMs: number | undefined;
}

/** Set by robofy on every POST: a -H cannot replace them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** True when the command line asks for --forward-to or --exec. */
export function isDelivering(raw: Record<string, unknown>): boolean {
  return optionalString(raw.forwardTo) !== undefined || optionalString(raw.exec) !== undefined;
}

/** The delivery options, or undefined when the leads go to stdout or a file. Messages never repeat a header's value. */
export function parseDeliveryOptions(raw: Record<string, unknown>): DeliveryTarget | undefined {
  const forwardTo = optionalString(raw.forwardTo);
  const exec = optionalString(raw.exec);
  // -H fills `header`, which csv's --no-header also sets (to true or false).
  const headers = Array.isArray(raw.header) ? (raw.header as string[]) : [];
  const deadLetter = optionalString(raw.deadLetter);
  if (forwardTo !== undefined && exec !== undefined) throw new UsageError('--forward-to and --exec exclude each other: choose one');
  if (headers.length > 0 && forwardTo === undefined) throw new UsageError('--header goes with --forward-to');
  if (forwardTo === undefined && exec === undefined) {
    if (deadLetter !== undefined) throw new UsageError('--dead-letter goes with --forward-to or --exec');
    return undefined;
  }
  if (exec !== undefined && exec.trim() === '') throw new UsageError('--exec needs a command');
  if (raw.header === false) throw new UsageError('--no-header is for csv output; it does not apply to --forward-to or --exec');
  return {
    forwardTo: forwardTo === undefined ? undefined : parseReceiverUrl(forwardTo),
    exec,
    headers: parseHeaders(headers),
    deadLetter,
    retryWaitMs: raw.retryWait === undefined ? undefined : parseSeconds('--retry-wait', raw.retryWait, 0.001),
  };
}

/** http or https to any host (receivers are often local); credentials go in a header, never in the URL. */
function parseReceiverUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('--forward-to must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--forward-to must be an http:// or https:// URL');
  if (url.username || url.password) {
    throw new UsageError('--forward-to must not carry a user or password: send credentials with -H "Authorization: ..."');
  }
  url.hash = '';
  return url;
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  lines.forEach((line, index) => {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    if (colon < 0 || !TOKEN.test(name)) throw new UsageError(`--header number ${index + 1} must look like "Name: value"`);
    const value = line.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(value)) throw new UsageError(`--header ${name}: the value holds a line break or NUL`);
    const key = name.toLowerCase();
    if (RESERVED_HEADERS.has(key)) throw new UsageError(`--header ${name}: robofy sets this header itself`);
    if (key in headers) throw new UsageError(`--header ${name} is given twice`);
    headers[key] = value;
  });
  return headers;
}
