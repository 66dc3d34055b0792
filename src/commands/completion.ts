import type { Command } from 'commander';
import type { IO } from '../io.js';
import { completionCandidates } from '../completion/candidates.js';
import { completionScript, type Shell } from '../completion/scripts.js';
import { SETTING_CHOICES, SETTING_KEYS, isSettingKey } from '../config/setting-keys.js';
import { readConfigStore } from '../config/store.js';
import { profileNames } from '../config/settings.js';

/** `robofy completion <shell>`: the script to source, which calls `robofy <completeCommand>` on Tab. */
export function runCompletion(shell: Shell, completeCommand: string, io: IO): void {
  io.stdout.write(completionScript(shell, completeCommand));
}

/** `robofy __complete <words…>`, which the scripts call on Tab: one candidate a line, then a tab and its description if it has one. */
export async function runComplete(program: Command, words: readonly string[], io: IO): Promise<void> {
  const profiles = await storedProfileNames(io);
  const candidates = completionCandidates(program, words, {
    profiles: () => profiles,
    argumentValues: configArgumentValues,
  });
  io.stdout.write(candidates.map(({ value, description }) => (description ? `${value}\t${oneLine(description)}\n` : `${value}\n`)).join(''));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `config set|get|unset <key>`: the setting names; `config set <key> <value>`: that setting's values, if a closed list. */
function configArgumentValues(command: Command, index: number, previous: readonly string[]): readonly string[] {
  if (command.parent?.name() !== 'config') return [];
  if (index === 0) return SETTING_KEYS;
  const key = previous[0];
  return command.name() === 'set' && index === 1 && key !== undefined && isSettingKey(key) ? (SETTING_CHOICES[key] ?? []) : [];
}

/** A config file that cannot be read completes no profile; Tab is no place for an error. */
async function storedProfileNames(io: IO): Promise<string[]> {
  try {
    return profileNames(await readConfigStore(io.env));
  } catch {
    return [];
  }
}
