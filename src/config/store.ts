import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import type { Env } from '../io.js';
import { ExitCode, RobofyError } from '../errors.js';

export interface StoredConfig {
  token?: string;
  apiUrl?: string;
}

/** The stored settings: a `conf` JSON file, readable by its owner only. */
export interface ConfigStore {
  readonly path: string;
  get(key: keyof StoredConfig): string | undefined;
  set(key: keyof StoredConfig, value: string): void;
  delete(key: keyof StoredConfig): void;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * Opens the store lazily: `conf` is only loaded by commands that need it, so
 * `--version`, `--help` and env-only runs start fast.
 */
export async function openConfigStore(env: Env): Promise<ConfigStore> {
  const [{ default: Conf }, { default: envPaths }] = await Promise.all([import('conf'), import('env-paths')]);
  const cwd = env.ROBOFY_CONFIG_DIR || envPaths('robofy', { suffix: '' }).config;
  // conf creates a missing folder as soon as it reads, with the default mode: make it first, private.
  try {
    ensureDir(`${cwd}/config.json`);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new RobofyError(`cannot use ${cwd} as the config folder (${detail})`, { code: 'CONFIG_DIR', exitCode: ExitCode.Usage, cause: error });
  }
  let conf: InstanceType<typeof Conf<StoredConfig>>;
  try {
    conf = new Conf<StoredConfig>({
      projectName: 'robofy',
      projectSuffix: '',
      configFileMode: FILE_MODE,
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
      cwd,
    });
  } catch (error) {
    throw corruptConfigError(`${cwd}/config.json`, error);
  }
  // conf reads any JSON: an array, a string or null would be taken for an empty store and overwritten by the next write.
  checkShape(conf.path);
  return wrap(conf);
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
    get: (key) => {
      const value = conf.get(key);
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
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

/** The file, when there is one, must be a JSON object whose settings are strings. */
function checkShape(file: string): void {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return;
    throw corruptConfigError(file, error);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    throw corruptConfigError(file, new Error(`expected a JSON object, got ${got}`));
  }
  for (const key of ['token', 'apiUrl'] as const) {
    const value = (data as Record<string, unknown>)[key];
    if (value !== undefined && typeof value !== 'string') throw corruptConfigError(file, new Error(`"${key}" is not a string`));
  }
}

function corruptConfigError(file: string, error: unknown): RobofyError {
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new RobofyError(
    `the config file ${file} is not valid (${detail}); fix or delete it, then run \`robofy login\` again`,
    { code: 'CONFIG_INVALID', exitCode: ExitCode.Usage, cause: error },
  );
}
