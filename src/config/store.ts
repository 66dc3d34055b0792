import { chmodSync, mkdirSync } from 'node:fs';
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

function corruptConfigError(file: string, error: unknown): RobofyError {
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new RobofyError(
    `the config file ${file} is not valid (${detail}); fix or delete it, then run \`robofy login\` again`,
    { code: 'CONFIG_INVALID', exitCode: ExitCode.Usage, cause: error },
  );
}
