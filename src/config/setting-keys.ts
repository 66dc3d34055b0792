/**
 * The settings `robofy config` stores per profile, as users type them. A file
 * of its own, with no imports: the help text needs the names at start-up.
 */
export const SETTING_KEYS = ['project', 'chatbot', 'format', 'api-url', 'overlap', 'interval'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
