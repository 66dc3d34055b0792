import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import type { Env } from '../io.js';
import { ExitCode, RobofyError } from '../errors.js';
import { SETTINGS, SETTING_KEYS } from './keys.js';

/** What one profile stores: its key and its settings, as the file holds them. */
export type ProfileField = 'token' | 'webhookSecret' | (typeof SETTINGS)[keyof typeof SETTINGS]['field'];
export type ProfileData = Partial<Record<ProfileField, string>>;
export type Profiles = Readonly<Record<string, ProfileData>>;

export const DEFAULT_PROFILE = 'default';

/** The stored settings, read-only: what resolving settings needs. */
export interface StoredSettings {
  readonly path: string;
  readonly profiles: Profiles;
}

/** The stored settings: a `conf` JSON file, readable by its owner only. */
export interface ConfigStore extends StoredSettings {
  /**
   * Applies `changes` to one profile (undefined removes a field) and writes
   * the whole file, atomically. A file in the first, profile-less shape is
   * written in the profiles shape: that is its migration.
   */
  update(profile: string, changes: Partial<Record<ProfileField, string | undefined>>): void;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * Reads the store without loading `conf` (ajv and friends: ~100 ms and
 * ~16 MB at start-up), which only the commands that write need.
 */
export async function readConfigStore(env: Env): Promise<StoredSettings> {
  const path = await configPath(env);
  return { path, profiles: readProfiles(path) };
}

/** Opens the store for writing. */
export async function openConfigStore(env: Env): Promise<ConfigStore> {
  const [{ default: Conf }, path] = await Promise.all([import('conf'), configPath(env)]);
  let conf: InstanceType<typeof Conf<{ profiles: Record<string, ProfileData> }>>;
  try {
    conf = new Conf({
      projectName: 'robofy',
      projectSuffix: '',
      configFileMode: FILE_MODE,
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
      cwd: path.slice(0, path.lastIndexOf('/')),
    });
  } catch (error) {
    throw corruptConfigError(path, error);
  }
  // conf reads any JSON: an array, a string or null would be taken for an empty store and overwritten by the next write.
  const profiles: Record<string, ProfileData> = { ...readProfiles(conf.path) };
  return {
    path: conf.path,
    profiles,
    update: (profile, changes) => {
      const next: ProfileData = { ...profiles[profile] };
      for (const [field, value] of Object.entries(changes) as [ProfileField, string | undefined][]) {
        if (value === undefined) delete next[field];
        else next[field] = value;
      }
      profiles[profile] = next;
      ensureDir(conf.path);
      conf.store = { profiles };
      // conf writes a fresh file with the mode, but a file made by hand earlier keeps its own: tighten it.
      chmodSync(conf.path, FILE_MODE);
    },
  };
}

/** The config file's path, its folder made first and private (conf would make it with the default mode). */
async function configPath(env: Env): Promise<string> {
  const { default: envPaths } = await import('env-paths');
  const cwd = env.ROBOFY_CONFIG_DIR || envPaths('robofy', { suffix: '' }).config;
  const path = `${cwd}/config.json`;
  try {
    ensureDir(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new RobofyError(`cannot use ${cwd} as the config folder (${detail})`, { code: 'CONFIG_DIR', exitCode: ExitCode.Usage, cause: error });
  }
  return path;
}

function ensureDir(file: string): void {
  const dir = file.slice(0, file.lastIndexOf('/'));
  if (dir) mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * The file's profiles, every stored value checked. A file without `profiles`
 * is the first shape (`{ token, apiUrl }`): it is the default profile.
 */
function readProfiles(file: string): Profiles {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return {};
    throw corruptConfigError(file, error);
  }
  try {
    const record = asObject(data, 'the file');
    if (record.profiles === undefined) return { [DEFAULT_PROFILE]: checkProfile(record) };
    const profiles: Record<string, ProfileData> = {};
    for (const [name, profile] of Object.entries(asObject(record.profiles, '"profiles"'))) {
      if (!isProfileName(name)) throw new Error(`${JSON.stringify(name)} is not a valid profile name`);
      profiles[name] = checkProfile(asObject(profile, `profile ${JSON.stringify(name)}`), name);
    }
    return profiles;
  } catch (error) {
    throw corruptConfigError(file, error);
  }
}

function asObject(data: unknown, what: string): Record<string, unknown> {
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) return data as Record<string, unknown>;
  const got = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
  throw new Error(`${what}: expected a JSON object, got ${got}`);
}

/** Keys are strings; settings hold what `config set` accepts. Fields this version does not know are kept as they are. */
function checkProfile(record: Record<string, unknown>, name?: string): ProfileData {
  const where = name === undefined ? '' : `profile ${JSON.stringify(name)}: `;
  for (const field of ['token', 'webhookSecret', ...SETTING_KEYS.map((key) => SETTINGS[key].field)]) {
    const value = record[field];
    if (value !== undefined && typeof value !== 'string') throw new Error(`${where}"${field}" is not a string`);
  }
  for (const key of SETTING_KEYS) {
    const value = record[SETTINGS[key].field];
    if (typeof value !== 'string' || value === '') continue;
    try {
      SETTINGS[key].normalise(key, value);
    } catch (error) {
      throw new Error(`${where}${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return record as ProfileData;
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Profile names are typed after --profile and completed by shells: letters, digits, `_ . -`. */
export function isProfileName(name: string): boolean {
  return PROFILE_NAME.test(name);
}

function corruptConfigError(file: string, error: unknown): RobofyError {
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new RobofyError(
    `the config file ${file} is not valid (${detail}); fix or delete it, then run \`robofy login\` again`,
    { code: 'CONFIG_INVALID', exitCode: ExitCode.Usage, cause: error },
  );
}
