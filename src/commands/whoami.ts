import type { IO } from '../io.js';
import { requireToken, resolveSettings, type SettingSource } from '../config/settings.js';
import { optionalString } from './parse-options.js';

const SOURCES: Record<SettingSource, string> = {
  flag: '--api-url',
  env: 'environment',
  store: 'config file',
  default: 'default',
};

/** Prints the key in use, masked, its origin, and the API URL: data, so on stdout. */
export async function runWhoami(raw: Record<string, unknown>, io: IO): Promise<void> {
  const settings = await resolveSettings(io.env, { apiUrl: optionalString(raw.apiUrl) });
  const token = requireToken(settings);
  const keySource = token.source === 'env' ? 'ROBOFY_TOKEN' : SOURCES[token.source];
  io.stdout.write(`key: ${maskKey(token.value)} (${keySource})\n`);
  io.stdout.write(`api: ${settings.apiUrl.value} (${SOURCES[settings.apiUrl.source]})\n`);
}

/** At most the first and last 4 characters, and fewer for short keys, so a key is never recoverable. */
export function maskKey(key: string): string {
  const shown = key.length >= 16 ? 4 : key.length >= 8 ? 2 : 0;
  return shown === 0 ? '****' : `${key.slice(0, shown)}…${key.slice(-shown)}`;
}
