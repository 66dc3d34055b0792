import type { IO } from '../io.js';
import { SETTINGS, SETTING_KEYS, settingKey, type SettingKey } from '../config/keys.js';
import { openConfigStore, readConfigStore, type ConfigStore } from '../config/store.js';
import { chooseProfile, profileData, resolveSettings, type Setting } from '../config/settings.js';
import { assertSafeTransport } from '../api/client.js';
import { writeJson } from './json-output.js';
import { profileFlag } from './parse-options.js';
import { PROFILE_SOURCES } from './whoami.js';

/** `robofy config set <key> <value>`: checks the value as the option would, then stores it in the profile. */
export async function runConfigSet(key: string, value: string, raw: Record<string, unknown>, io: IO): Promise<void> {
  const name = settingKey(key);
  const definition = SETTINGS[name];
  const stored = definition.normalise(name, value);
  // Refused here too, so no later command would send the key over plain http.
  if (name === 'api-url') assertSafeTransport(stored);
  const { store, profile } = await openProfile(raw, io);
  store.update(profile, { [definition.field]: stored });
  if (io.env[definition.env]?.trim()) io.stderr.write(`Note: ${definition.env} is set and wins over this setting.\n`);
}

/** `robofy config get <key>`: the profile's stored value, or nothing when it has none. */
export async function runConfigGet(key: string, raw: Record<string, unknown>, io: IO): Promise<void> {
  const name = settingKey(key);
  const profile = chooseProfile(io.env, profileFlag(raw)).name;
  const value = profileData(await readConfigStore(io.env), profile)[SETTINGS[name].field];
  if (value) io.stdout.write(`${value}\n`);
}

export async function runConfigUnset(key: string, raw: Record<string, unknown>, io: IO): Promise<void> {
  const name = settingKey(key);
  const { store, profile } = await openProfile(raw, io);
  const field = SETTINGS[name].field;
  if (profileData(store, profile)[field] === undefined) {
    io.stderr.write(`${name} is not set in profile "${profile}".\n`);
    return;
  }
  store.update(profile, { [field]: undefined });
}

/** `robofy config list`: every setting as commands would use it (environment > profile > default), and where it comes from. */
export async function runConfigList(raw: Record<string, unknown>, io: IO): Promise<void> {
  const flags = Object.fromEntries(SETTING_KEYS.filter((key) => key !== 'api-url').map((key) => [key, undefined]));
  const settings = await resolveSettings(io.env, { profile: profileFlag(raw), flags });
  const values = { ...settings.values, 'api-url': settings.apiUrl };
  const rows = SETTING_KEYS.map((key) => ({ key, setting: values[key] ?? builtIn(key) }));
  if (raw.json === true) {
    writeJson(io, {
      profile: settings.profile.name,
      profileSource: settings.profile.source,
      settings: Object.fromEntries(rows.map(({ key, setting }) => [key, setting ?? { value: null, source: null }])),
    });
    return;
  }
  io.stdout.write(`profile  ${settings.profile.name} (${PROFILE_SOURCES[settings.profile.source]})\n`);
  const width = Math.max(...rows.map(({ setting }) => setting?.value.length ?? 0), '(not set)'.length);
  for (const { key, setting } of rows) {
    const value = (setting?.value ?? '(not set)').padEnd(width);
    const source = setting ? describeSource(key, setting, settings.profile.name) : '';
    io.stdout.write(`${key.padEnd(8)} ${value}  ${source}`.trimEnd() + '\n');
  }
}

function builtIn(key: SettingKey): Setting | undefined {
  const value = SETTINGS[key].defaultValue;
  return value === undefined ? undefined : { value, source: 'default' };
}

function describeSource(key: SettingKey, setting: Setting, profile: string): string {
  if (setting.source === 'env') return SETTINGS[key].env;
  if (setting.source === 'config') return `config file, profile "${profile}"`;
  return setting.source;
}

async function openProfile(raw: Record<string, unknown>, io: IO): Promise<{ store: ConfigStore; profile: string }> {
  const profile = chooseProfile(io.env, profileFlag(raw)).name;
  const store = await openConfigStore(io.env);
  profileData(store, profile);
  return { store, profile };
}
