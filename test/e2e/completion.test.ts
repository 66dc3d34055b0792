/**
 * `robofy completion bash|zsh|fish`, sourced into the real shells: a
 * `robofy` on PATH that runs bin/robofy.js, the script loaded as the README
 * says, and the shell's own completion entry point driven as on Tab.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { SLOW, runWithConfig, storedConfig } from './fixtures.js';
import { BIN } from './run-cli.js';

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'true'], { stdio: 'ignore' }).status === 0;
const HAS_ZSH = has('zsh');
const HAS_FISH = has('fish');

/** A config folder with two profiles, and a PATH whose `robofy` is this build. */
function setup(): { env: Record<string, string>; dir: string } {
  const dir = storedConfig({ profiles: { default: {}, acme: {}, 'beta.eu': {} } });
  const robofy = join(dir, 'robofy');
  writeFileSync(robofy, `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(robofy, 0o755);
  return { dir, env: { PATH: `${dir}:${process.env.PATH ?? ''}`, ROBOFY_CONFIG_DIR: dir, HOME: dir } };
}

function shell(command: string, args: readonly string[], env: Record<string, string>, input = ''): string {
  const result = spawnSync(command, args, { env, input, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${command} exited ${String(result.status)}: ${result.stderr}`);
  return result.stdout;
}

/** The line typed so far (the cursor at its end), and what Tab should offer there. */
const CASES: [string, string[]][] = [
  ['robofy ', ['login', 'logout', 'whoami', 'profiles', 'config', 'webhook', 'completion', 'leads', 'help']],
  ['robofy lo', ['login', 'logout']],
  ['robofy leads ', ['export', 'tail', 'help']],
  ['robofy leads export --f', ['--format', '--forward-to']],
  ['robofy leads export --format ', ['csv', 'jsonl', 'json', 'xlsx']],
  ['robofy leads tail --format j', ['jsonl']],
  ['robofy leads tail -p 12 --format ', ['pretty', 'jsonl', 'csv']],
  ['robofy --profile ', ['default', 'acme', 'beta.eu']],
  ['robofy leads export --profile a', ['acme']],
  ['robofy config ', ['set', 'get', 'unset', 'list', 'help']],
  ['robofy config set ', ['project', 'chatbot', 'format', 'api-url', 'overlap', 'interval']],
  ['robofy config get ch', ['chatbot']],
  ['robofy config unset --profile acme i', ['interval']],
  ['robofy config set format ', ['csv', 'jsonl', 'json', 'xlsx', 'pretty']],
  ['robofy completion ', ['bash', 'zsh', 'fish']],
  ['robofy whoami --', ['--api-url', '--json', '--help', '--version', '--profile']],
  // A value robofy cannot list: nothing, so the shell completes file names.
  ['robofy leads export -o ', []],
  ['robofy leads export -p ', []],
];

describe.concurrent('shell completion', SLOW, () => {
  it('bash: the sourced script completes commands, options, choice values, profiles and config keys', async ({ expect }) => {
    const { env } = setup();
    // One bash for every case: COMP_WORDS and COMP_CWORD as bash sets them on Tab, then the function `complete -F` names.
    const script = [
      'source <(robofy completion bash)',
      'complete -p robofy',
      ...CASES.map(([line]) => {
        const words = line.split(' ');
        const quoted = words.map((word) => `'${word}'`).join(' ');
        return `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _robofy; printf '%s ' "\${COMPREPLY[@]}"; echo`;
      }),
    ].join('\n');
    const lines = shell('bash', ['--norc', '--noprofile'], env, script).split('\n');
    expect(lines[0]).toBe('complete -o default -F _robofy robofy');
    expect(lines.slice(1, -1).map((line) => line.trim().split(' ').filter(Boolean))).toEqual(CASES.map(([, expected]) => expected));
  });

  it('every option the help lists is completed: the candidates come from the same program', async ({ expect }) => {
    const { dir } = setup();
    for (const command of [['leads', 'export'], ['leads', 'tail'], ['login']]) {
      const help = await runWithConfig(dir, [...command, '--help']);
      const listed = [...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((match) => match[1]);
      const completed = await runWithConfig(dir, ['__complete', ...command, '--']);
      expect(listed.length).toBeGreaterThan(3);
      expect(completed.stdout.trim().split('\n').map((line) => line.split('\t')[0]).sort()).toEqual([...new Set(listed)].sort());
    }
  });

  it.skipIf(!HAS_ZSH)('zsh: the script parses, registers with compdef, and offers the candidates', async ({ expect }) => {
    const { env, dir } = setup();
    const file = join(dir, '_robofy');
    writeFileSync(file, (await runWithConfig(dir, ['completion', 'zsh'])).stdout);
    shell('zsh', ['-n', file], env);
    // compadd stubbed to print what it is given: words and CURRENT as zsh sets them on Tab.
    const script = [
      'autoload -U compinit && compinit -u -D',
      `source ${file}`,
      'print -r -- $_comps[robofy]',
      'compadd() { print -r -- "${(P)3}" "|" "${@[5,-1]}" }',
      'words=(robofy leads export --format ""); CURRENT=5; _robofy',
      'words=(robofy --profile ""); CURRENT=3; _robofy',
    ].join('\n');
    expect(shell('zsh', ['-f'], env, script)).toBe('_robofy\ncsv jsonl json xlsx | csv jsonl json xlsx\ndefault acme beta.eu | default acme beta.eu\n');
    // Descriptions beside the candidates, as zsh lists them.
    const described = shell('zsh', ['-f'], env, `${script}\nwords=(robofy leads ""); CURRENT=3; _robofy`).split('\n')[3];
    expect(described).toBe('export  -- export leads to CSV, JSONL, JSON or an Excel workbook (xlsx) tail  -- follow new leads as they are captured help  -- display help for command | export tail help');
  });

  it.skipIf(!HAS_FISH)('fish: the script parses and fish completes from it', async ({ expect }) => {
    const { env, dir } = setup();
    const file = join(dir, 'robofy.fish');
    writeFileSync(file, (await runWithConfig(dir, ['completion', 'fish'])).stdout);
    shell('fish', ['-n', file], env);
    const out = shell('fish', ['--no-config', '-c', `source ${file}; complete -C'robofy leads tail --format '; complete -C'robofy --profile '`], env);
    expect(out.trim().split('\n').sort()).toEqual(['acme', 'beta.eu', 'csv', 'default', 'jsonl', 'pretty']);
    const described = shell('fish', ['--no-config', '-c', `source ${file}; complete -C'robofy leads export --for'`], env);
    expect(described).toBe(
      '--format\toutput format (default: from the --output extension, else csv)\n' +
        '--forward-to\tPOST each lead, signed (see `robofy webhook secret`), to this URL, oldest first\n',
    );
  });

  it('each script calls robofy for its candidates and falls back to file names', async ({ expect }) => {
    const { dir } = setup();
    const [bash, zsh, fish] = await Promise.all(['bash', 'zsh', 'fish'].map((name) => runWithConfig(dir, ['completion', name])));
    expect(bash!.stdout).toContain('complete -o default -F _robofy robofy');
    expect(zsh!.stdout).toMatch(/^#compdef robofy\n/);
    expect(zsh!.stdout).toContain('_files');
    expect(fish!.stdout).toContain("complete -c robofy -f -a '(__robofy_complete)'");
    expect(fish!.stdout).toContain('__fish_complete_path');
    for (const script of [bash, zsh, fish]) expect(script!.stdout).toContain('robofy __complete ');
  });

  it('completion --help says how to install it; an unknown shell is exit 2', async ({ expect }) => {
    const { dir } = setup();
    const help = await runWithConfig(dir, ['completion', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('source <(robofy completion bash)');
    expect(help.stdout).toContain('robofy completion fish > ~/.config/fish/completions/robofy.fish');
    const unknown = await runWithConfig(dir, ['completion', 'powershell']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.");
  });
});
