import type { IO } from '../io.js';
import { storedWebhookSecret } from '../config/webhook-secret.js';
import { chooseProfile, profileData } from '../config/settings.js';
import { readConfigStore } from '../config/store.js';
import { writeChunk } from '../output/write-chunk.js';
import { profileFlag } from './parse-options.js';

/** Prints the profile's signing secret (made on first use): what the receiving app verifies signatures with. */
export async function runWebhookSecret(raw: Record<string, unknown>, io: IO): Promise<void> {
  const profile = chooseProfile(io.env, profileFlag(raw));
  // A named profile must exist (`default` always does): a typo must not mint a secret for a profile nobody uses.
  profileData(await readConfigStore(io.env), profile.name);
  const secret = await storedWebhookSecret(io.env, profile.name);
  await writeChunk(io.stdout, `${secret}\n`);
  if (io.env.ROBOFY_WEBHOOK_SECRET?.trim()) {
    io.stderr.write('Note: ROBOFY_WEBHOOK_SECRET is set in this environment and signs instead of this stored secret.\n');
  }
}
