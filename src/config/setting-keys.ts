/**
 * The settings `robofy config` stores per profile, as users type them. A file
 * of its own, with no imports: the help text needs the names at start-up.
 */
export const SETTING_KEYS = ['project', 'chatbot', 'format', 'api-url', 'overlap', 'interval'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Every format some command writes; each command uses a stored one only if it can write it. */
export const FORMATS = ['csv', 'jsonl', 'json', 'xlsx', 'pretty'] as const;

/** The settings whose values are a closed list (completed by the shell, listed in errors). */
export const SETTING_CHOICES: Partial<Record<SettingKey, readonly string[]>> = { format: FORMATS };

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}
