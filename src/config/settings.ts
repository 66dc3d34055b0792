import type { Env } from '../io.js';
import { ExitCode, RobofyError, UsageError } from '../errors.js';
import { escapeForTerminal } from '../leads/terminal.js';
import { normaliseApiUrl } from './api-url.js';
import { DEFAULT_API_URL, SETTINGS, type SettingKey } from './keys.js';
import { DEFAULT_PROFILE, isProfileName, readConfigStore, type ProfileData, type StoredSettings } from './store.js';

/** Where a value comes from; `config` is the profile's stored setting. */
export type SettingSource = 'flag' | 'env' | 'config' | 'default';

export interface Setting {
  value: string;
  source: SettingSource;
}

export interface ProfileChoice {
  name: string;
  source: 'flag' | 'env' | 'default';
}

export interface Settings {
  profile: ProfileChoice;
  apiUrl: Setting;
  token: Setting | undefined;
  /** The settings asked for, from a flag, the environment or the profile; absent when none sets them. */
  values: Partial<Record<SettingKey, Setting>>;
  /** The store, when it had to be read. */
  store: StoredSettings | undefined;
}

export interface SettingsRequest {
  /** `--profile` */
  profile?: string | undefined;
  /** `--api-url` */
  apiUrl?: string | undefined;
  /** Settings to look up beyond the key and API URL, with the value given on the command line, if any. */
  flags?: Partial<Record<SettingKey, string | undefined>>;
  /** login may name a profile that does not exist yet: it creates it. */
  newProfile?: boolean;
}

/**
 * Precedence, for each setting: flag > environment > profile > default. The
 * store is opened only when the flags and environment leave something to
 * look up, or a profile was named (it must exist).
 */
export async function resolveSettings(env: Env, request: SettingsRequest): Promise<Settings> {
  const profile = chooseProfile(env, request.profile);
  const given: Partial<Record<SettingKey, Setting>> = {};
  const keys = Object.keys(request.flags ?? {}) as SettingKey[];
  for (const key of [...keys, 'api-url' as const]) {
    const setting = givenSetting(env, key, key === 'api-url' ? request.apiUrl : request.flags?.[key]);
    if (setting) given[key] = setting;
  }
  const envToken = nonEmpty(env.ROBOFY_TOKEN);
  const complete = envToken !== undefined && profile.source === 'default' && [...keys, 'api-url'].every((key) => key in given);
  const store = complete ? undefined : await readConfigStore(env);
  const stored = store ? profileData(store, profile.name, request.newProfile === true) : {};

  const values: Partial<Record<SettingKey, Setting>> = {};
  for (const key of keys) {
    const value = given[key] ?? storedSetting(stored, key);
    if (value) values[key] = value;
  }
  const apiUrl = given['api-url'] ?? storedSetting(stored, 'api-url') ?? { value: DEFAULT_API_URL, source: 'default' };
  const token: Setting | undefined = envToken
    ? { value: envToken, source: 'env' }
    : stored.token
      ? { value: stored.token, source: 'config' }
      : undefined;
  return { profile, apiUrl: { value: normaliseApiUrl(apiUrl.value), source: apiUrl.source }, token, values, store };
}

/** `--profile` > ROBOFY_PROFILE > `default`. */
export function chooseProfile(env: Env, flag: string | undefined): ProfileChoice {
  const envProfile = nonEmpty(env.ROBOFY_PROFILE);
  const choice: ProfileChoice =
    flag !== undefined
      ? { name: flag.trim(), source: 'flag' }
      : envProfile
        ? { name: envProfile, source: 'env' }
        : { name: DEFAULT_PROFILE, source: 'default' };
  if (!isProfileName(choice.name)) {
    throw new UsageError(
      `invalid profile name "${escapeForTerminal(choice.name)}": use letters, digits, "_", "." and "-", starting with a letter or digit`,
    );
  }
  return choice;
}

/** A profile's stored data; naming one that does not exist is an error, never a silent fall back to `default`. */
export function profileData(store: StoredSettings, name: string, mayBeNew = false): ProfileData {
  const data = store.profiles[name];
  if (data) return data;
  if (name === DEFAULT_PROFILE || mayBeNew) return {};
  throw new RobofyError(
    `unknown profile "${name}"; the profiles are: ${profileNames(store).join(', ')} (\`robofy login --profile ${name}\` creates it)`,
    { code: 'UNKNOWN_PROFILE', exitCode: ExitCode.Usage },
  );
}

/** Every profile, `default` first (it always exists, stored or not), then by name. */
export function profileNames(store: StoredSettings): string[] {
  const others = Object.keys(store.profiles)
    .filter((name) => name !== DEFAULT_PROFILE)
    .sort();
  return [DEFAULT_PROFILE, ...others];
}

export function requireToken(settings: Settings): Setting {
  if (settings.token) return settings.token;
  const login = settings.profile.name === DEFAULT_PROFILE ? 'robofy login' : `robofy login --profile ${settings.profile.name}`;
  throw new RobofyError(`no API key: run \`${login}\` or set ROBOFY_TOKEN`, {
    code: 'NO_TOKEN',
    exitCode: ExitCode.Auth,
  });
}

/** The flag, else the environment variable (checked, and named in the error when invalid). */
function givenSetting(env: Env, key: SettingKey, flag: string | undefined): Setting | undefined {
  if (flag !== undefined && flag !== '') return { value: flag, source: 'flag' };
  const definition = SETTINGS[key];
  const fromEnv = nonEmpty(env[definition.env]);
  return fromEnv === undefined ? undefined : { value: definition.normalise(definition.env, fromEnv), source: 'env' };
}

export function storedSetting(profile: ProfileData, key: SettingKey): Setting | undefined {
  const value = profile[SETTINGS[key].field];
  return value ? { value, source: 'config' } : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
