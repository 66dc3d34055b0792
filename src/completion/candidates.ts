import type { Command, Option } from 'commander';

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
export function completionCandidates(program: Command, words: readonly string[], sources: CompletionSources): string[] {
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
  const candidates = awaitingValue
    ? optionValues(awaitingValue, sources)
    : current.startsWith('-') && !optionsEnded
      ? optionNames(command)
      : positionalValues(command, args, sources);
  return [...new Set(candidates)].filter((candidate) => candidate.startsWith(current));
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

function optionNames(command: Command): string[] {
  const help = command.createHelp();
  return [...help.visibleOptions(command), ...help.visibleGlobalOptions(command)].flatMap((option) => {
    const name = option.long ?? option.short;
    return name === undefined ? [] : [name];
  });
}

function positionalValues(command: Command, args: readonly string[], sources: CompletionSources): readonly string[] {
  const help = command.createHelp();
  const subcommands = help.visibleCommands(command);
  if (subcommands.length > 0) return args.length === 0 ? subcommands.map((subcommand) => subcommand.name()) : [];
  const argument = command.registeredArguments[args.length];
  return argument?.argChoices ?? sources.argumentValues(command, args.length, args);
}
