import type { IO } from '../io.js';
import { UsageError } from '../errors.js';
import { openConfigStore } from '../config/store.js';
import { normaliseApiUrl } from '../config/settings.js';
import { readAll, readSecretFromTty } from '../ui/read-secret.js';
import { optionalString } from './parse-options.js';
import { connect } from './connect.js';
import { assertSafeTransport } from '../api/client.js';

export interface LoginOptions {
  withToken: boolean;
  verify: boolean;
  apiUrl: string | undefined;
  verbose: boolean;
}

export function parseLoginOptions(raw: Record<string, unknown>): LoginOptions {
  const given = optionalString(raw.apiUrl);
  const apiUrl = given === undefined ? undefined : normaliseApiUrl(given);
  // Checked here too, so --no-verify never stores a URL that every later command would refuse.
  if (apiUrl !== undefined) assertSafeTransport(apiUrl);
  return {
    withToken: raw.withToken === true,
    verify: raw.verify !== false,
    apiUrl,
    verbose: raw.verbose === true,
  };
}

/**
 * Saves the key, after one authenticated request proves the API accepts it.
 * The key comes from a hidden prompt or stdin, never argv (`ps` and shell
 * history would show it).
 */
export async function runLogin(raw: Record<string, unknown>, io: IO): Promise<void> {
  const options = parseLoginOptions(raw);
  const key = (await readKey(options, io)).trim();
  if (key === '') throw new UsageError('no API key given');
  if (/\s/.test(key)) throw new UsageError('the API key must not contain spaces or line breaks');
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new UsageError('the API key must not contain control characters');
  if (options.verify) await verifyKey(io, options, key);
  const store = await openConfigStore(io.env);
  store.set('token', key);
  if (options.apiUrl) store.set('apiUrl', options.apiUrl);
  io.stderr.write(`Logged in. The key is stored in ${store.path} (readable by you only).\n`);
  if (io.env.ROBOFY_TOKEN) io.stderr.write('Note: ROBOFY_TOKEN is set and wins over the stored key.\n');
}

async function readKey(options: LoginOptions, io: IO): Promise<string> {
  if (options.withToken) return readAll(io.stdin);
  if (!io.stdinIsTTY) {
    throw new UsageError('no terminal to ask for the key: pipe it in with `robofy login --with-token`');
  }
  return readSecretFromTty(io, 'Robofy API key (input hidden): ');
}

async function verifyKey(io: IO, options: LoginOptions, key: string): Promise<void> {
  const { client } = await connect(io, { apiUrl: options.apiUrl, token: key, retries: 2, verbose: options.verbose });
  try {
    await client.getJson({ path: '/v1/account/details', notFound: 'the account endpoint' });
  } finally {
    await client.close();
  }
}
