import { Argument, Command, CommanderError, Option } from 'commander';
import type { IO } from './io.js';
import { ExitCode } from './errors.js';
import { cliVersion } from './version.js';
import { reportError } from './ui/report-error.js';
import { SETTING_KEYS } from './config/setting-keys.js';
import type { Shell } from './completion/scripts.js';

/**
 * Parses argv, runs one command and returns the exit code. Nothing here or
 * below exits the process: `bin/robofy.js` sets `process.exitCode`.
 */
export async function run(argv: readonly string[], io: IO): Promise<number> {
  const program = buildProgram(io);
  try {
    if (argv[0] === COMPLETE_COMMAND) {
      const { runComplete } = await import('./commands/completion.js');
      await runComplete(program, argv.slice(1), io);
      return ExitCode.Ok;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    return exitCodeFor(error, io, argv.includes('--verbose'));
  }
}

/** What the completion scripts run on Tab; not a command users type, so not in the help. */
const COMPLETE_COMMAND = '__complete';
// Here rather than with the scripts: every module loaded at start-up costs time and memory.
const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

/** A command's runner: every option (global ones included) and the injected streams. */
type Runner = (options: Record<string, unknown>, io: IO) => Promise<void>;

/** An action that loads its command's module only when it runs, so start-up loads none of them. */
function lazily(io: IO, load: () => Promise<Runner>): (options: unknown, command: Command) => Promise<void> {
  return async (_options, command) => (await load())(command.optsWithGlobals(), io);
}

function exitCodeFor(error: unknown, io: IO, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (through configureOutput). Help asked for (--help,
    // `help`) and --version end with 0; help shown because a command is missing ends with 1 there: a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.Ok;
    if (error.code === 'commander.help' && error.exitCode === 0) return ExitCode.Ok;
    return ExitCode.Usage;
  }
  return reportError(error, io, verbose);
}

function buildProgram(io: IO): Command {
  const program = new Command('robofy')
    .description('Export the leads captured by Robofy AI agents.')
    .version(cliVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', HELP_FOOTER)
    // Parse errors throw (no process.exit), and help and errors go to our streams. Subcommands inherit
    // this, the help option and showHelpAfterError when they are created.
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .configureHelp({ showGlobalOptions: true })
    .option('--profile <name>', 'use this profile\'s key, API URL and settings (env: ROBOFY_PROFILE; default "default")');

  program
    .command('login')
    .description('store an API key (asked for on a TTY; --with-token reads it from stdin)')
    .option('--with-token', 'read the key from standard input')
    .option('--no-verify', 'save the key without checking it against the API')
    .addOption(apiUrlOption())
    .option('--verbose', 'show each request on stderr')
    .action(lazily(io, async () => (await import('./commands/login.js')).runLogin));

  program
    .command('logout')
    .description("forget the profile's stored API key")
    .action(lazily(io, async () => (await import('./commands/logout.js')).runLogout));

  program
    .command('whoami')
    .description('show which API key is in use (masked), where it comes from, the API URL and the profile')
    .addOption(apiUrlOption())
    .option('--json', 'one JSON object on stdout')
    .action(lazily(io, async () => (await import('./commands/whoami.js')).runWhoami));

  program
    .command('profiles')
    .description('list the profiles: masked key, API URL, and which one is in use')
    .option('--json', 'one JSON object on stdout')
    .action(lazily(io, async () => (await import('./commands/profiles.js')).runProfiles));

  configureConfig(program.command('config').description("the profile's saved defaults for the leads commands"), io);

  program
    .command('webhook')
    .description('the secret that --forward-to signs webhooks with')
    .command('secret')
    .description("print the profile's webhook signing secret (created on first use) for the receiving app to verify with")
    .action(lazily(io, async () => (await import('./commands/webhook-secret.js')).runWebhookSecret));

  program
    .command('completion')
    .description('print a script that makes your shell complete robofy commands, options and values')
    .addArgument(new Argument('<shell>').choices(SHELLS))
    .addHelpText('after', COMPLETION_INSTALL)
    .action(async (shell: Shell) => {
      const { runCompletion } = await import('./commands/completion.js');
      runCompletion(shell, COMPLETE_COMMAND, io);
    });

  const leads = program.command('leads').description('export and follow leads');
  leads.command('export').description('export leads to CSV, JSONL, JSON or an Excel workbook (xlsx)');
  leads.command('tail').description('follow new leads as they are captured');
  configureExport(leads.commands[0]!, io);
  configureTail(leads.commands[1]!, io);
  return program;
}

function configureExport(command: Command, io: IO): void {
  addLeadsQueryOptions(command)
    .addOption(
      new Option('-f, --format <format>', 'output format (default: from the --output extension, else csv)').choices([
        'csv',
        'jsonl',
        'json',
        'xlsx',
      ]),
    )
    .option('-o, --output <file>', 'write to this file, atomically (default or "-": stdout)')
    .option('--columns <list>', 'comma-separated columns to keep, in this order')
    .option('--raw', 'jsonl/json: each lead exactly as the API sent it (lead_data nested)')
    .option('--since <time>', 'only leads created at or after this time (2025-01-15, "2025-01-15 10:30:00", ISO 8601, or 24h, 7d)')
    .option('--until <time>', 'only leads created before this time (same forms)')
    .option('--limit <n>', 'stop after this many leads')
    .option('--no-header', 'csv: leave out the header row')
    .option('--no-escape-formulas', "csv: write cells starting with = + - @ tab CR LF as they are (no leading ')")
    .option('--delimiter <d>', 'csv: field separator, one of , ; tab | (default ,)')
    .option('--bom', 'csv: start with a UTF-8 byte-order mark (Excel on Windows needs it to read UTF-8)')
    .option('--state <file>', 'incremental export: output only leads that no earlier run with this state file output')
    .option('--resume', 'with --output: keep what a failed export fetched, and continue it on the next --resume run')
    .option('--overlap <duration>', 'with --state: how late a lead may show up and still be exported (default 24h)')
    .option('--concurrency <n>', 'with several chatbots: how many listings are read at once (1-16)', '4')
    .addOption(new Option('--max-pages <n>', 'fail rather than read more than this many pages').hideHelp());
  addDeliveryOptions(command, '4xx, or still failing after --retries')
    .addHelpText('after', EXPORT_EXAMPLES)
    .action(lazily(io, async () => (await import('./commands/leads/export.js')).runExport));
}

function configureTail(command: Command, io: IO): void {
  addLeadsQueryOptions(command)
    .addOption(
      new Option('-f, --format <format>', 'output format (default: pretty on a terminal, else jsonl)').choices([
        'pretty',
        'jsonl',
        'csv',
      ]),
    )
    .option('--interval <seconds>', 'seconds between polls (default 10)')
    .option('--since <time>', 'first print the leads captured since then (24h, 7d, a date)')
    .option('--count <n>', 'exit after printing this many leads')
    .option('--overlap <duration>', 'how late a lead may show up and still be printed (default 15m; 24h with --state)')
    .option('--state <file>', 'restartable: remember what was printed; a restart prints what it missed, and nothing twice')
    .option('--columns <list>', 'csv/jsonl: comma-separated columns to keep, in this order')
    .option('--no-header', 'csv: leave out the header row')
    .option('--no-escape-formulas', "csv: write cells starting with = + - @ tab CR LF as they are (no leading ')")
    .option('--delimiter <d>', 'csv: field separator, one of , ; tab | (default ,)')
    .option('--bom', 'csv: start with a UTF-8 byte-order mark');
  addDeliveryOptions(command, '4xx; other failures are retried until delivered')
    .addHelpText('after', TAIL_EXAMPLES)
    .action(lazily(io, async () => (await import('./commands/leads/tail.js')).runTail));
}

function configureConfig(config: Command, io: IO): void {
  const keys = `keys: ${SETTING_KEYS.join(', ')}`;
  config
    .command('set')
    .description(`store a default in the profile (${keys})`)
    .argument('<key>')
    .argument('<value>')
    .action(async (key: string, value: string, _options: unknown, command: Command) => {
      const { runConfigSet } = await import('./commands/config.js');
      await runConfigSet(key, value, command.optsWithGlobals(), io);
    });
  config
    .command('get')
    .description("print the profile's stored value of a setting (nothing when unset)")
    .argument('<key>')
    .action(async (key: string, _options: unknown, command: Command) => {
      const { runConfigGet } = await import('./commands/config.js');
      await runConfigGet(key, command.optsWithGlobals(), io);
    });
  config
    .command('unset')
    .description('remove a setting from the profile')
    .argument('<key>')
    .action(async (key: string, _options: unknown, command: Command) => {
      const { runConfigUnset } = await import('./commands/config.js');
      await runConfigUnset(key, command.optsWithGlobals(), io);
    });
  config
    .command('list')
    .description('every setting as the leads commands use it, and where it comes from')
    .option('--json', 'one JSON object on stdout')
    .action(lazily(io, async () => (await import('./commands/config.js')).runConfigList));
}

function addLeadsQueryOptions(command: Command): Command {
  return command
    .option('-p, --project <id>', 'project id, an integer, of the chatbots named without one (env: ROBOFY_PROJECT; or `robofy config set project`)')
    .option('-c, --chatbot <id>', 'chatbot id, or PROJECT/CHATBOT; repeat for several (env: ROBOFY_CHATBOT; or `robofy config set chatbot`)', collect)
    .option('--chatbots-from <file>', 'read chatbots from a file, one PROJECT/CHATBOT a line ("-": stdin)')
    .option('--session <id>', 'only leads of this chat session')
    .addOption(apiUrlOption())
    .option('--retries <n>', 'retries of a failed request (429, 5xx, network)', '5')
    .option('--timeout <seconds>', 'timeout of one request', '30')
    .option('-q, --quiet', 'no progress or summary on stderr')
    .option('--verbose', 'each request, retry, status and timing on stderr; full errors');
}

/** --forward-to and --exec: each lead to a webhook or a command instead of stdout. */
function addDeliveryOptions(command: Command, refused: string): Command {
  return command
    .option('--forward-to <url>', 'POST each lead, signed (see `robofy webhook secret`), to this URL, oldest first')
    .option('-H, --header <header>', 'with --forward-to: add "Name: value" to every POST (repeatable; never shown)', collect)
    .option('--exec <command>', 'run `sh -c <command>` per lead, its JSON on stdin; exit 0 means delivered')
    .option('--dead-letter <file>', `append leads refused for good (${refused}) to this file, and go on`)
    .addOption(new Option('--retry-wait <seconds>', 'the first retry of a delivery waits this long; it doubles each time').hideHelp());
}

/** Repeated values (-c, -H), in order. `--header` shares its name with csv's `--no-header`, whose default (true) comes first. */
function collect(value: string, previous: unknown): string[] {
  return [...(Array.isArray(previous) ? (previous as string[]) : []), value];
}

function apiUrlOption(): Option {
  return new Option('--api-url <url>', 'API base URL (env: ROBOFY_API_URL; default https://agents.robofy.ai)');
}


const HELP_FOOTER = `
Environment:
  ROBOFY_TOKEN        API key (wins over the stored one)
  ROBOFY_PROFILE      profile to use (as --profile)
  ROBOFY_API_URL      API base URL
  ROBOFY_PROJECT, ROBOFY_CHATBOT, ROBOFY_FORMAT, ROBOFY_OVERLAP, ROBOFY_INTERVAL
                      defaults for the leads commands' options (between the
                      option and the profile's \`robofy config\` setting)
  ROBOFY_CONFIG_DIR   folder of the config file
  ROBOFY_WEBHOOK_SECRET  signs --forward-to webhooks (wins over the stored one)
  NO_COLOR            no colour

Exit codes: 0 ok, 1 internal error, 2 usage or invalid input, 3 no key or key
rejected, 4 project or chatbot not found, 5 API or network failure, 6 another
run holds the state file, 130 interrupted, 141 stdout closed early.`;

const COMPLETION_INSTALL = `
Install:
  bash  add to ~/.bashrc:   source <(robofy completion bash)
  zsh   add to ~/.zshrc:    source <(robofy completion zsh)   (after compinit)
  fish  run once:           robofy completion fish > ~/.config/fish/completions/robofy.fish`;

const EXPORT_EXAMPLES = `
Examples:
  $ robofy leads export -p 12 -c abc --format csv > leads.csv
  $ robofy leads export -p 12 -c abc --format jsonl | jq -r .email
  $ robofy leads export -p 12 -c abc -o leads.csv --since 7d --columns created_at,name,email
  $ robofy leads export -p 12 -c abc --format jsonl --state ~/.robofy/abc.state >> leads.jsonl
  $ robofy leads export -p 12 -c abc --state ~/.robofy/abc.state --forward-to https://crm.example.com/hooks/robofy
  $ robofy leads export -p 12 -c abc -o leads.xlsx
  $ robofy leads export -p 12 -c abc --bom --delimiter ';' -o leads.csv
  $ robofy leads export -p 12 -c abc -c def -c 31/xyz -o leads.csv
  $ robofy leads export --chatbots-from chatbots.txt -o 'exports/{project}-{chatbot}.csv'`;

const TAIL_EXAMPLES = `
Examples:
  $ robofy leads tail -p 12 -c abc
  $ robofy leads tail -p 12 -c abc --format jsonl | while read -r lead; do notify "$lead"; done
  $ robofy leads tail -p 12 -c abc --interval 30 --since 1h
  $ robofy leads tail -p 12 -c abc --format jsonl --state ~/.robofy/abc.tail >> leads.jsonl
  $ robofy leads tail -p 12 -c abc --forward-to http://localhost:3000/lead -H "Authorization: Bearer $CRM_TOKEN" --state ~/.robofy/abc.tail
  $ robofy leads tail -p 12 -c abc --exec './notify-sales.sh' --dead-letter failed-leads.jsonl
  $ robofy leads tail -c 12/abc -c 31/xyz --format jsonl`;
