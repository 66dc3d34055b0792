import { randomBytes } from 'node:crypto';
import type { Env } from '../io.js';
import { openConfigStore, readConfigStore } from './store.js';

export interface WebhookSecret {
  value: string;
  /** Where it comes from, to name it in messages (never the value). */
  source: 'ROBOFY_WEBHOOK_SECRET' | 'the config file';
}

/**
 * The secret webhooks are signed with: ROBOFY_WEBHOOK_SECRET, else the
 * profile's stored one, else a new one, stored in the profile (the config
 * file is written 0600) so that every later run and `robofy webhook secret`
 * use the same.
 */
export async function webhookSecret(env: Env, profile: string): Promise<WebhookSecret> {
  const fromEnv = env.ROBOFY_WEBHOOK_SECRET?.trim();
  if (fromEnv) return { value: fromEnv, source: 'ROBOFY_WEBHOOK_SECRET' };
  return { value: await storedWebhookSecret(env, profile), source: 'the config file' };
}

/** The profile's stored secret, created on first use. */
export async function storedWebhookSecret(env: Env, profile: string): Promise<string> {
  const stored = (await readConfigStore(env)).profiles[profile]?.webhookSecret;
  if (stored) return stored;
  const store = await openConfigStore(env);
  // Another run may have created it since the read above.
  const raced = store.profiles[profile]?.webhookSecret;
  if (raced) return raced;
  const secret = generateSecret();
  store.update(profile, { webhookSecret: secret });
  return secret;
}

/** Standard Webhooks' form: `whsec_` + base64 of the key (32 random bytes; the spec asks for 24 to 64). */
function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
