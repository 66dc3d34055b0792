import type { Env } from '../io.js';
import { ExitCode, RobofyError } from '../errors.js';
import { readConfigStore } from './store.js';

export const DEFAULT_API_URL = 'https://agents.robofy.ai';

export type SettingSource = 'flag' | 'env' | 'store' | 'default';

export interface Setting {
  value: string;
  source: SettingSource;
}

export interface Settings {
  apiUrl: Setting;
  token: Setting | undefined;
}

/**
 * Precedence: flag > environment > stored > default. The store is opened only
 * when the flag and environment leave something to look up.
 */
export async function resolveSettings(env: Env, flags: { apiUrl?: string | undefined }): Promise<Settings> {
  const envToken = nonEmpty(env.ROBOFY_TOKEN);
  const envUrl = nonEmpty(env.ROBOFY_API_URL);
  const flagUrl = nonEmpty(flags.apiUrl);
  const store = envToken && (flagUrl || envUrl) ? undefined : await readConfigStore(env);
  const storedUrl = store?.get('apiUrl');
  const storedToken = store?.get('token');

  const apiUrl: Setting = flagUrl
    ? { value: flagUrl, source: 'flag' }
    : envUrl
      ? { value: envUrl, source: 'env' }
      : storedUrl
        ? { value: storedUrl, source: 'store' }
        : { value: DEFAULT_API_URL, source: 'default' };
  const token: Setting | undefined = envToken
    ? { value: envToken, source: 'env' }
    : storedToken
      ? { value: storedToken, source: 'store' }
      : undefined;
  return { apiUrl: { value: normaliseApiUrl(apiUrl.value), source: apiUrl.source }, token };
}

export function requireToken(settings: Settings): Setting {
  if (settings.token) return settings.token;
  throw new RobofyError('no API key: run `robofy login` or set ROBOFY_TOKEN', {
    code: 'NO_TOKEN',
    exitCode: ExitCode.Auth,
  });
}

/** Validates an API base URL and drops a trailing slash, so paths join cleanly. */
export function normaliseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RobofyError(`invalid API URL: ${value}`, { code: 'BAD_API_URL', exitCode: ExitCode.Usage });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RobofyError(`invalid API URL (http or https only): ${value}`, {
      code: 'BAD_API_URL',
      exitCode: ExitCode.Usage,
    });
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new RobofyError(`invalid API URL (no credentials, query or fragment): ${url.origin}`, {
      code: 'BAD_API_URL',
      exitCode: ExitCode.Usage,
    });
  }
  return url.href.replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
