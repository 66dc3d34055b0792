import type { IO } from '../io.js';
import { profileFlag } from './parse-options.js';
import { openConfigStore } from '../config/store.js';
import { chooseProfile, profileData } from '../config/settings.js';

/** Forgets the profile's stored key; its API URL and settings stay. */
export async function runLogout(raw: Record<string, unknown>, io: IO): Promise<void> {
  const profile = chooseProfile(io.env, profileFlag(raw));
  const store = await openConfigStore(io.env);
  const had = profileData(store, profile.name).token !== undefined;
  if (had) store.update(profile.name, { token: undefined });
  const whose = profile.source === 'default' ? '' : ` of profile "${profile.name}"`;
  io.stderr.write(had ? `Logged out: the stored key${whose} is removed.\n` : `No stored key${whose} to remove.\n`);
  if (io.env.ROBOFY_TOKEN) io.stderr.write('Note: ROBOFY_TOKEN is still set in this environment.\n');
}
