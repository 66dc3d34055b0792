import type { IO } from '../io.js';
import { RobofyClient, type ClientEvent } from '../api/client.js';
import { requireToken, resolveSettings, type Settings } from '../config/settings.js';
import { cliVersion } from '../version.js';

export interface ConnectOptions {
  apiUrl?: string | undefined;
  /** Use this key instead of the configured one (login checks a key before saving it). */
  token?: string | undefined;
  retries?: number | undefined;
  timeoutMs?: number | undefined;
  verbose?: boolean | undefined;
}

export interface Connection {
  client: RobofyClient;
  settings: Settings;
}

/** Resolves the key and URL (flag > env > store > default) and opens the client. */
export async function connect(io: IO, options: ConnectOptions): Promise<Connection> {
  const settings = await resolveSettings(io.env, { apiUrl: options.apiUrl });
  const token = options.token ?? requireToken(settings).value;
  const client = await RobofyClient.create({
    apiUrl: settings.apiUrl.value,
    token,
    userAgent: `robofy-cli/${cliVersion()}`,
    signal: io.signal,
    now: () => io.now(),
    dispatcher: io.dispatcher,
    retries: options.retries,
    timeoutMs: options.timeoutMs,
    ...(options.verbose ? { onEvent: (event: ClientEvent) => void io.stderr.write(`${describeEvent(event)}\n`) } : {}),
  });
  return { client, settings };
}

/** One line per request or retry for --verbose. Paths carry no secret; the key is only ever in a header. */
function describeEvent(event: ClientEvent): string {
  if (event.type === 'response') {
    const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : '';
    return `robofy: GET ${event.path} ${event.status} ${event.ms}ms${attempt}`;
  }
  return `robofy: retry ${event.attempt} of ${event.path} in ${(event.waitMs / 1000).toFixed(1)}s: ${event.reason}`;
}
