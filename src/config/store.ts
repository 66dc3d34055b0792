import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import type { Env } from '../io.js';
import { ExitCode, RobofyError } from '../errors.js';

export interface StoredConfig {
  token?: string;
  apiUrl?: string;
}

/** The stored settings, read-only: what resolving settings needs. */
export interface StoredSettings {
  readonly path: string;
  get(key: keyof StoredConfig): string | undefined;
}

/** The stored settings: a `conf` JSON file, readable by its owner only. */
export interface ConfigStore extends StoredSettings {
  set(key: keyof StoredConfig, value: string): void;
  delete(key: keyof StoredConfig): void;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * Reads the store without loading `conf` (ajv and friends: ~100 ms and
 * ~16 MB at start-up), which only `login` and `logout` need, to write.
 */
export async function readConfigStore(env: Env): Promise<StoredSettings> {
  const path = await configPath(env);
  const data = readConfig(path);
  return { path, get: (key) => nonEmptyString(data[key]) };
}

/** Opens the store for writing. */
export async function openConfigStore(env: Env): Promise<ConfigStore> {
  const [{ default: Conf }, path] = await Promise.all([import('conf'), configPath(env)]);
  let conf: InstanceType<typeof Conf<StoredConfig>>;
  try {
    conf = new Conf<StoredConfig>({
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
  readConfig(conf.path);
  return wrap(conf);
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

function wrap(conf: {
  path: string;
  get(key: keyof StoredConfig): string | undefined;
  set(key: keyof StoredConfig, value: string): void;
  delete(key: keyof StoredConfig): void;
}): ConfigStore {
  const afterWrite = (): void => {
    // conf writes a fresh file with the mode, but a file made by hand earlier keeps its own: tighten it.
    chmodSync(conf.path, FILE_MODE);
  };
  return {
    path: conf.path,
    get: (key) => nonEmptyString(conf.get(key)),
    set: (key, value) => {
      ensureDir(conf.path);
      conf.set(key, value);
      afterWrite();
    },
    delete: (key) => {
      conf.delete(key);
      afterWrite();
    },
  };
}

function ensureDir(file: string): void {
  const dir = file.slice(0, file.lastIndexOf('/'));
  if (dir) mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

/** The file's settings; when there is a file, it must be a JSON object whose settings are strings. */
function readConfig(file: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return {};
    throw corruptConfigError(file, error);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    throw corruptConfigError(file, new Error(`expected a JSON object, got ${got}`));
  }
  const record = data as Record<string, unknown>;
  for (const key of ['token', 'apiUrl'] as const) {
    const value = record[key];
    if (value !== undefined && typeof value !== 'string') throw corruptConfigError(file, new Error(`"${key}" is not a string`));
  }
  return record;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function corruptConfigError(file: string, error: unknown): RobofyError {
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new RobofyError(
    `the config file ${file} is not valid (${detail}); fix or delete it, then run \`robofy login\` again`,
    { code: 'CONFIG_INVALID', exitCode: ExitCode.Usage, cause: error },
  );
}
