import type { IO } from '../io.js';
import { DEFAULT_API_URL } from '../config/keys.js';
import { readConfigStore } from '../config/store.js';
import { chooseProfile, profileData, profileNames } from '../config/settings.js';
import { writeJson } from './json-output.js';
import { profileFlag } from './parse-options.js';
import { maskKey } from './whoami.js';

/** `robofy profiles`: every profile, its masked key and stored API URL, and which one is in use. */
export async function runProfiles(raw: Record<string, unknown>, io: IO): Promise<void> {
  const store = await readConfigStore(io.env);
  const inUse = chooseProfile(io.env, profileFlag(raw)).name;
  profileData(store, inUse);
  const profiles = profileNames(store).map((name) => {
    const data = store.profiles[name] ?? {};
    return { name, key: data.token ? maskKey(data.token) : null, apiUrl: data.apiUrl ?? DEFAULT_API_URL, inUse: name === inUse };
  });
  if (raw.json === true) {
    writeJson(io, { inUse, profiles });
    return;
  }
  const rows = [['', 'PROFILE', 'KEY', 'API URL'], ...profiles.map((p) => [p.inUse ? '*' : '', p.name, p.key ?? '(none)', p.apiUrl])];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    io.stdout.write(`${row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('  ')}\n`);
  }
  if (io.env.ROBOFY_TOKEN?.trim()) io.stderr.write('Note: ROBOFY_TOKEN is set and wins over every stored key.\n');
}
