import type { IO } from '../io.js';
import { UsageError } from '../errors.js';
import { DEFAULT_PROFILE, openConfigStore } from '../config/store.js';
import { resolveSettings, type Settings } from '../config/settings.js';
import { normaliseApiUrl } from '../config/api-url.js';
import { readAll, readSecretFromTty } from '../ui/read-secret.js';
import { optionalString, profileFlag } from './parse-options.js';
import { connect } from './connect.js';
import { assertSafeTransport } from '../api/client.js';

export interface LoginOptions {
  withToken: boolean;
  verify: boolean;
  apiUrl: string | undefined;
  profile: string | undefined;
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
    profile: profileFlag(raw),
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
  // The profile named may be new: login creates it. The key is checked against the URL this profile will use.
  const settings = await resolveSettings(io.env, { profile: options.profile, apiUrl: options.apiUrl, newProfile: true });
  if (options.verify) await verifyKey(io, options, settings, key);
  const store = await openConfigStore(io.env);
  const profile = settings.profile.name;
  store.update(profile, options.apiUrl ? { token: key, apiUrl: options.apiUrl } : { token: key });
  const where = profile === DEFAULT_PROFILE ? '' : ` to profile "${profile}"`;
  io.stderr.write(`Logged in${where}. The key is stored in ${store.path} (readable by you only).\n`);
  if (io.env.ROBOFY_TOKEN) io.stderr.write('Note: ROBOFY_TOKEN is set and wins over the stored key.\n');
}

async function readKey(options: LoginOptions, io: IO): Promise<string> {
  if (options.withToken) return readAll(io.stdin);
  if (!io.stdinIsTTY) {
    throw new UsageError('no terminal to ask for the key: pipe it in with `robofy login --with-token`');
  }
  return readSecretFromTty(io, 'Robofy API key (input hidden): ');
}

async function verifyKey(io: IO, options: LoginOptions, settings: Settings, key: string): Promise<void> {
  const client = await connect(io, { settings, token: key, retries: 2, verbose: options.verbose });
  try {
    await client.getJson({ path: '/v1/account/details', notFound: 'the account endpoint' });
  } finally {
    await client.close();
  }
}
