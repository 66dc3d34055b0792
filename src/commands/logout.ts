import type { IO } from '../io.js';
import { openConfigStore } from '../config/store.js';

/** Forgets the stored key; the stored API URL stays. */
export async function runLogout(io: IO): Promise<void> {
  const store = await openConfigStore(io.env);
  const had = store.get('token') !== undefined;
  if (had) store.delete('token');
  io.stderr.write(had ? 'Logged out: the stored key is removed.\n' : 'No stored key to remove.\n');
  if (io.env.ROBOFY_TOKEN) io.stderr.write('Note: ROBOFY_TOKEN is still set in this environment.\n');
}
