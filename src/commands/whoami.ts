import type { IO } from '../io.js';
import { requireToken, resolveSettings, type ProfileChoice, type SettingSource } from '../config/settings.js';
import { optionalString, profileFlag } from './parse-options.js';
import { writeJson } from './json-output.js';
import { proxyFor, type ProxyChoice } from '../api/proxy.js';

const URL_SOURCES: Record<SettingSource, string> = {
  flag: '--api-url',
  env: 'environment',
  config: 'config file',
  default: 'default',
};

export const PROFILE_SOURCES: Record<ProfileChoice['source'], string> = {
  flag: '--profile',
  env: 'ROBOFY_PROFILE',
  default: 'default',
};

/** Prints the key in use, masked, its origin, the API URL and the profile: data, so on stdout. */
export async function runWhoami(raw: Record<string, unknown>, io: IO): Promise<void> {
  const settings = await resolveSettings(io.env, {
    profile: profileFlag(raw),
    apiUrl: optionalString(raw.apiUrl),
  });
  const token = requireToken(settings);
  const { profile, apiUrl } = settings;
  const proxy = proxyFor(new URL(apiUrl.value), io.env);
  if (raw.json === true) {
    writeJson(io, {
      profile: profile.name,
      profileSource: profile.source,
      key: maskKey(token.value),
      keySource: token.source,
      apiUrl: apiUrl.value,
      apiUrlSource: apiUrl.source,
      proxy: proxy.kind === 'proxy' ? proxy.shown : null,
      proxySource: proxy.kind === 'proxy' ? proxy.variable : proxy.reason,
    });
    return;
  }
  const keySource = token.source === 'env' ? 'ROBOFY_TOKEN' : URL_SOURCES[token.source];
  io.stdout.write(`key: ${maskKey(token.value)} (${keySource})\n`);
  io.stdout.write(`api: ${apiUrl.value} (${URL_SOURCES[apiUrl.source]})\n`);
  io.stdout.write(`profile: ${profile.name} (${PROFILE_SOURCES[profile.source]})\n`);
  io.stdout.write(`proxy: ${describeProxy(proxy)}\n`);
}

/** The proxy without its credentials, and why: `http://proxy.corp:3128 (HTTPS_PROXY)`, `none (NO_PROXY)`. */
function describeProxy(choice: ProxyChoice): string {
  if (choice.kind === 'proxy') return `${choice.shown} (${choice.variable})`;
  return choice.reason === 'unset' ? 'none' : `none (${choice.reason === 'loopback' ? 'loopback address' : 'NO_PROXY'})`;
}

/** At most the first and last 4 characters, and fewer for short keys, so a key is never recoverable. */
export function maskKey(key: string): string {
  const shown = key.length >= 16 ? 4 : key.length >= 8 ? 2 : 0;
  return shown === 0 ? '****' : `${key.slice(0, shown)}…${key.slice(-shown)}`;
}
