import { UsageError } from '../errors.js';
import { parseDuration } from '../leads/time.js';
import { escapeForTerminal } from '../leads/terminal.js';
import { parseCount, parseSeconds } from '../commands/parse-options.js';
import { normaliseApiUrl } from './api-url.js';

export const DEFAULT_API_URL = 'https://agents.robofy.ai';
/** Fractions are fine (tests poll every 0.2 s); below this a tail only hammers the API. */
export const MIN_INTERVAL_SECONDS = 0.1;
export const DEFAULT_INTERVAL_SECONDS = '10';

import { FORMATS, SETTING_KEYS, isSettingKey, type SettingKey } from './setting-keys.js';

export { SETTING_KEYS, type SettingKey } from './setting-keys.js';

export interface SettingDefinition {
  /** The profile field in the config file. */
  field: 'project' | 'chatbot' | 'format' | 'apiUrl' | 'overlap' | 'interval';
  env: string;
  flag: string;
  description: string;
  /** The built-in default, as `config list` shows it. */
  defaultValue?: string;
  /**
   * The value as stored, checked; `label` names where it came from in the error
   * (`project`, `ROBOFY_PROJECT`).
   */
  normalise(label: string, value: string): string;
}

export const SETTINGS: Record<SettingKey, SettingDefinition> = {
  project: {
    field: 'project',
    env: 'ROBOFY_PROJECT',
    flag: '--project',
    description: 'project id (an integer)',
    normalise: (label, value) => String(parseCount(label, value, 0)),
  },
  chatbot: {
    field: 'chatbot',
    env: 'ROBOFY_CHATBOT',
    flag: '--chatbot',
    description: 'chatbot id',
    normalise: (label, value) => {
      const id = value.trim();
      if (id === '') throw new UsageError(`${label} must not be empty`);
      if (/[\s\u0000-\u001f\u007f]/.test(id)) throw new UsageError(`${label} must not contain spaces or control characters`);
      return id;
    },
  },
  format: {
    field: 'format',
    env: 'ROBOFY_FORMAT',
    flag: '--format',
    description: 'output format: csv, jsonl, json, xlsx (export) or pretty (tail)',
    normalise: (label, value) => {
      const format = value.trim();
      if (!(FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`${label} must be one of ${FORMATS.join(', ')}, got "${escapeForTerminal(value)}"`);
      }
      return format;
    },
  },
  'api-url': {
    field: 'apiUrl',
    env: 'ROBOFY_API_URL',
    flag: '--api-url',
    description: 'API base URL',
    defaultValue: DEFAULT_API_URL,
    normalise: (_label, value) => normaliseApiUrl(value.trim()),
  },
  overlap: {
    field: 'overlap',
    env: 'ROBOFY_OVERLAP',
    flag: '--overlap',
    description: 'how late a lead may show up and still be delivered (export --state, tail)',
    normalise: (label, value) => {
      parseDuration(label, value);
      return value.trim();
    },
  },
  interval: {
    field: 'interval',
    env: 'ROBOFY_INTERVAL',
    flag: '--interval',
    description: 'tail: seconds between polls',
    defaultValue: DEFAULT_INTERVAL_SECONDS,
    normalise: (label, value) => {
      parseSeconds(label, value, MIN_INTERVAL_SECONDS);
      return value.trim();
    },
  },
};


export function settingKey(key: string): SettingKey {
  if (isSettingKey(key)) return key;
  throw new UsageError(`unknown setting "${escapeForTerminal(key)}"; the settings are: ${SETTING_KEYS.join(', ')}`);
}
