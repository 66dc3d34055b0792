import type { IO } from '../io.js';
import type { SettingKey } from '../config/keys.js';
import { resolveSettings, type Settings } from '../config/settings.js';
import { optionalString, profileFlag } from './parse-options.js';

/** Where commander puts each setting's option. */
const OPTION_NAMES: Record<SettingKey, string> = {
  project: 'project',
  chatbot: 'chatbot',
  format: 'format',
  'api-url': 'apiUrl',
  overlap: 'overlap',
  interval: 'interval',
};

export interface CommandSettings {
  /** The command's options with those not given on the command line filled from the environment or the profile. */
  options: Record<string, unknown>;
  settings: Settings;
}

/**
 * Resolves `keys` (flag > environment > profile) along with the profile, key
 * and API URL. `formats` are those the command writes: a stored format it
 * cannot write (`pretty` for export) is left to the command's own default.
 */
export async function resolveCommandSettings(
  raw: Record<string, unknown>,
  io: IO,
  keys: readonly SettingKey[],
  formats: readonly string[] = [],
): Promise<CommandSettings> {
  const flags = Object.fromEntries(keys.map((key) => [key, flagValue(raw[OPTION_NAMES[key]])]));
  const settings = await resolveSettings(io.env, {
    profile: profileFlag(raw),
    apiUrl: optionalString(raw.apiUrl),
    flags,
  });
  const options = { ...raw };
  for (const key of keys) {
    const setting = settings.values[key];
    if (setting === undefined || setting.source === 'flag') continue;
    if (key === 'format' && !formats.includes(setting.value)) continue;
    options[OPTION_NAMES[key]] = setting.value;
  }
  return { options, settings };
}

/** A flag as typed; a repeatable one (`-c a -c b`) counts as given when it was given at all. */
function flagValue(value: unknown): string | undefined {
  return Array.isArray(value) ? (value.length > 0 ? value.join(',') : undefined) : optionalString(value);
}
