import type { IO } from '../io.js';
import { RobofyClient, type ClientEvent } from '../api/client.js';
import { requireToken, type Settings } from '../config/settings.js';
import { cliVersion } from '../version.js';

export interface ConnectOptions {
  /** The key and URL, resolved with the command's other settings (flag > env > profile > default). */
  settings: Settings;
  /** Use this key instead of the configured one (login checks a key before saving it). */
  token?: string | undefined;
  retries?: number | undefined;
  timeoutMs?: number | undefined;
  verbose?: boolean | undefined;
  /** Listings read at once (several chatbots); default 1. */
  listings?: number | undefined;
}

/** Opens the client with the profile's key and URL, never one profile's key with another's URL. */
export async function connect(io: IO, options: ConnectOptions): Promise<RobofyClient> {
  const { settings } = options;
  const token = options.token ?? requireToken(settings).value;
  return RobofyClient.create({
    apiUrl: settings.apiUrl.value,
    token,
    userAgent: `robofy-cli/${cliVersion()}`,
    signal: io.signal,
    now: () => io.now(),
    dispatcher: io.dispatcher,
    env: io.env,
    retries: options.retries,
    timeoutMs: options.timeoutMs,
    listings: options.listings,
    ...(options.verbose ? { onEvent: (event: ClientEvent) => void io.stderr.write(`${describeEvent(event)}\n`) } : {}),
  });
}

/** One line per request or retry for --verbose. Paths carry no secret; the key is only ever in a header. */
function describeEvent(event: ClientEvent): string {
  if (event.type === 'response') {
    const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : '';
    const decoded = event.encoding === undefined ? '' : ` ${event.encoding}, ${formatBytes(event.bytes)} decoded`;
    return `robofy: GET ${event.path} ${event.status} ${event.ms}ms ${formatBytes(event.wireBytes)}${decoded}${attempt}`;
  }
  return `robofy: retry ${event.attempt} of ${event.path} in ${(event.waitMs / 1000).toFixed(1)}s: ${event.reason}`;
}

/** 1234 -> "1.2 kB": bytes on the wire and decoded, per request. */
function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
