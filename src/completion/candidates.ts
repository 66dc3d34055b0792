import type { Command, Option } from 'commander';

/** A word the shell may offer, with what zsh and fish show beside it. */
export interface Candidate {
  value: string;
  description?: string;
}

/** What the command tree alone cannot know. */
export interface CompletionSources {
  /** The profile names, for `--profile`. */
  profiles(): readonly string[];
  /** The values of a positional argument that depend on an earlier one (`config set format <value>`). */
  argumentValues(command: Command, index: number, previous: readonly string[]): readonly string[];
}

/**
 * The words that can stand where the cursor is: `words` are those after the
 * program's name, the last one the word being typed (maybe ''). Read off the
 * commander program itself, so completion cannot drift from the options.
 * An empty list leaves the shell to complete file names.
 */
export function completionCandidates(program: Command, words: readonly string[], sources: CompletionSources): Candidate[] {
  const current = words.at(-1) ?? '';
  let command = program;
  const args: string[] = [];
  let awaitingValue: Option | undefined;
  let optionsEnded = false;
  for (const word of words.slice(0, -1)) {
    if (awaitingValue) {
      awaitingValue = undefined;
    } else if (!optionsEnded && word === '--') {
      optionsEnded = true;
    } else if (!optionsEnded && word.startsWith('-') && word !== '-') {
      const option = findOption(command, word);
      if (option && (option.required || option.optional)) awaitingValue = option;
    } else {
      const subcommand = args.length === 0 ? findSubcommand(command, word) : undefined;
      if (subcommand) command = subcommand;
      else args.push(word);
    }
  }
  const candidates: Candidate[] = awaitingValue
    ? plain(optionValues(awaitingValue, sources))
    : current.startsWith('-') && !optionsEnded
      ? optionNames(command)
      : positionalValues(command, args, sources);
  const seen = new Set<string>();
  return candidates.filter(({ value }) => value.startsWith(current) && !seen.has(value) && Boolean(seen.add(value)));
}

function plain(values: readonly string[]): Candidate[] {
  return values.map((value) => ({ value }));
}

/** The option `word` names, looked up in the command and then its parents (`--profile` is the program's). */
function findOption(command: Command, word: string): Option | undefined {
  for (let at: Command | null = command; at; at = at.parent) {
    const option = at.options.find((candidate) => candidate.long === word || candidate.short === word);
    if (option) return option;
  }
  return undefined;
}

function findSubcommand(command: Command, word: string): Command | undefined {
  return command.commands.find((subcommand) => subcommand.name() === word || subcommand.aliases().includes(word));
}

function optionValues(option: Option, sources: CompletionSources): readonly string[] {
  if (option.argChoices) return option.argChoices;
  return option.long === '--profile' ? sources.profiles() : [];
}

function optionNames(command: Command): Candidate[] {
  const help = command.createHelp();
  return [...help.visibleOptions(command), ...help.visibleGlobalOptions(command)].flatMap((option) => {
    const value = option.long ?? option.short;
    return value === undefined ? [] : [{ value, description: option.description }];
  });
}

function positionalValues(command: Command, args: readonly string[], sources: CompletionSources): Candidate[] {
  const help = command.createHelp();
  const subcommands = help.visibleCommands(command);
  if (subcommands.length > 0) {
    if (args.length > 0) return [];
    return subcommands.map((subcommand) => ({ value: subcommand.name(), description: help.subcommandDescription(subcommand) }));
  }
  const argument = command.registeredArguments[args.length];
  return plain(argument?.argChoices ?? sources.argumentValues(command, args.length, args));
}
