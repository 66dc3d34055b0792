/**
 * `robofy config`, the precedence of every setting (flag > environment >
 * profile > default) as the leads commands see it, and `config list`. A real
 * process, a real fake API on 127.0.0.1, a config folder of each test's own.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import {
  CLI_TIMEOUT_MS,
  KEY,
  SLOW,
  configFile,
  expectOneLineError,
  fakeApi,
  jq,
  readConfig,
  runCli,
  runWithConfig,
  scratch,
  storedConfig,
  type CliResult,
} from './fixtures.js';

function robofy(args: readonly string[], configDir: string, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runWithConfig(configDir, args, { env });
}

describe.concurrent('config set, get, unset', SLOW, () => {
  it('stores each setting in the profile (0600 file), prints it back, and removes it; the key is never shown', async ({ expect }) => {
    const dir = storedConfig({ token: KEY });
    const sets = [
      ['project', ' 12 ', '12'],
      ['chatbot', 'abc', 'abc'],
      ['format', 'jsonl', 'jsonl'],
      ['api-url', 'https://api.example/', 'https://api.example'],
      ['overlap', '2h', '2h'],
      ['interval', '0.5', '0.5'],
    ] as const;
    for (const [key, value] of sets) expect(await robofy(['config', 'set', key, value], dir)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readConfig(dir)).toEqual({
      profiles: {
        default: { token: KEY, project: '12', chatbot: 'abc', format: 'jsonl', apiUrl: 'https://api.example', overlap: '2h', interval: '0.5' },
      },
    });
    expect(statSync(configFile(dir)).mode & 0o777).toBe(0o600);

    const got = await Promise.all(sets.map(([key]) => robofy(['config', 'get', key], dir)));
    expect(got.map((r) => [r.code, r.stdout])).toEqual(sets.map(([, , stored]) => [0, `${stored}\n`]));

    expect(await robofy(['config', 'unset', 'format'], dir)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await robofy(['config', 'get', 'format'], dir)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await robofy(['config', 'unset', 'format'], dir)).toMatchObject({ code: 0, stdout: '', stderr: 'format is not set in profile "default".\n' });
    expect((readConfig(dir) as { profiles: { default: Record<string, string> } }).profiles.default.format).toBeUndefined();
  });

  it.for([
    { args: ['set', 'token', 'x'], message: 'unknown setting "token"; the settings are: project, chatbot, format, api-url, overlap, interval' },
    { args: ['get', 'colour'], message: 'unknown setting "colour"; the settings are: project, chatbot, format, api-url, overlap, interval' },
    { args: ['unset', 'key'], message: 'unknown setting "key"' },
    { args: ['set', 'project', 'twelve'], message: 'project must be a whole number of at least 0, got "twelve"' },
    { args: ['set', 'project', '-1'], message: 'project must be a whole number' },
    { args: ['set', 'format', 'xml'], message: 'format must be one of csv, jsonl, json, xlsx, pretty, got "xml"' },
    { args: ['set', 'chatbot', 'a b'], message: 'chatbot must not contain spaces' },
    { args: ['set', 'api-url', 'ftp://x.example'], message: 'invalid API URL (http or https only)' },
    { args: ['set', 'api-url', 'http://example.com'], message: 'refusing to send the API key over plain http to example.com' },
    { args: ['set', 'overlap', '5 minutes'], message: 'overlap must be a duration such as 90s' },
    { args: ['set', 'interval', '0.01'], message: 'interval must be a number of seconds of at least 0.1' },
  ])('config $args: exit 2 with the valid keys or values, the file untouched', async ({ args, message }, { expect }) => {
    const dir = storedConfig({ project: '7' });
    const before = readFileSync(configFile(dir), 'utf8');
    const result = await robofy(['config', ...args], dir);
    expect(result.stdout).toBe('');
    expectOneLineError(result, 2, message);
    expect(readFileSync(configFile(dir), 'utf8')).toBe(before);
  });

  it('a stored value that is not valid makes the file invalid (exit 2), as a broken file does', async ({ expect }) => {
    const dir = storedConfig({ profiles: { default: { token: KEY, project: 'twelve' } } });
    const api = await fakeApi();
    const result = await robofy(['leads', 'export', '-c', 'abc'], dir, { ROBOFY_API_URL: api.url });
    expectOneLineError(result, 2, `the config file ${configFile(dir)} is not valid (profile "default": project must be a whole number`);
    expect(api.requests).toEqual([]);
  });

  it('says when the environment overrides what was just set', async ({ expect }) => {
    const dir = scratch();
    const result = await robofy(['config', 'set', 'project', '12'], dir, { ROBOFY_PROJECT: '31' });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: 'Note: ROBOFY_PROJECT is set and wins over this setting.\n' });
  });
});

describe.concurrent('precedence: flag > environment > profile > default', SLOW, () => {
  const PROJECTS = { '12': ['abc'], '31': ['xyz'], '44': ['def'] };

  it('project and chatbot: the stored pair replaces -p/-c; the environment beats it; flags beat both', async ({ expect }) => {
    const api = await fakeApi({ projects: PROJECTS, leads: 3 });
    const dir = storedConfig({ profiles: { default: { token: KEY, apiUrl: api.url, project: '31', chatbot: 'xyz' } } });
    const env = { ROBOFY_PROJECT: '44', ROBOFY_CHATBOT: 'def' };
    const runs: [string[], Record<string, string>][] = [
      [[], {}],
      [[], env],
      [['-p', '12', '-c', 'abc'], env],
    ];
    for (const [args, runEnv] of runs) {
      const result = await robofy(['leads', 'export', '--format', 'jsonl', ...args], dir, runEnv);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout.trim().split('\n')).toHaveLength(3);
    }
    expect(api.requests.map((r) => r.path)).toEqual(['/v1/ai-agent/leads/31/xyz', '/v1/ai-agent/leads/44/def', '/v1/ai-agent/leads/12/abc']);
  });

  it('format: flag > --output extension > ROBOFY_FORMAT > profile > csv; a format export cannot write is left to its default', async ({ expect }) => {
    const api = await fakeApi({ leads: 2 });
    const stored = (format: string): string => storedConfig({ profiles: { default: { token: KEY, apiUrl: api.url, project: '12', chatbot: 'abc', format } } });
    const run = (dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> =>
      robofy(['leads', 'export', ...args], dir, env);
    const json = stored('json');
    const [fromProfile, fromEnv, fromFlag, pretty] = await Promise.all([
      run(json),
      run(json, [], { ROBOFY_FORMAT: 'jsonl' }),
      run(json, ['--format', 'csv'], { ROBOFY_FORMAT: 'jsonl' }),
      run(stored('pretty')),
    ]);
    expect(jq('length', fromProfile.stdout)).toBe('2');
    expect(fromProfile.stdout.startsWith('[')).toBe(true);
    expect(fromEnv.stdout.trim().split('\n').map((line) => jq('.id', line))).toHaveLength(2);
    expect(fromFlag.stdout.startsWith('id,created_at,')).toBe(true);
    expect(pretty.stdout.startsWith('id,created_at,')).toBe(true);

    const out = join(scratch(), 'leads.csv');
    const byExtension = await run(json, ['-o', out], { ROBOFY_FORMAT: 'jsonl' });
    expect(byExtension.code).toBe(0);
    expect(readFileSync(out, 'utf8').startsWith('id,created_at,')).toBe(true);
  });

  it('api-url: a stored URL is where the profile\'s key goes; ROBOFY_API_URL and --api-url beat it', async ({ expect }) => {
    const [stored, fromEnv, fromFlag] = await Promise.all([fakeApi({ leads: 1 }), fakeApi({ leads: 1 }), fakeApi({ leads: 1 })]);
    const dir = storedConfig({ profiles: { default: { token: KEY, apiUrl: stored.url, project: '12', chatbot: 'abc' } } });
    await robofy(['leads', 'export'], dir);
    await robofy(['leads', 'export'], dir, { ROBOFY_API_URL: fromEnv.url });
    await robofy(['leads', 'export', '--api-url', fromFlag.url], dir, { ROBOFY_API_URL: fromEnv.url });
    expect([stored, fromEnv, fromFlag].map((api) => api.requests.length)).toEqual([1, 1, 1]);
  });

  it('interval: the stored one paces tail; an invalid ROBOFY_INTERVAL is exit 2 naming it', async ({ expect }) => {
    const api = await fakeApi({ leads: 1 });
    const dir = storedConfig({ profiles: { default: { token: KEY, apiUrl: api.url, project: '12', chatbot: 'abc', interval: '0.2' } } });
    // When each poll was seen (to the 20 ms the check runs at).
    const times: number[] = [];
    const result = await runCli(['leads', 'tail', '--format', 'jsonl'], {
      env: { ROBOFY_CONFIG_DIR: dir },
      timeoutMs: CLI_TIMEOUT_MS,
      onSpawn: (child) => {
        const timer = setInterval(() => {
          while (times.length < api.requests.length) times.push(Date.now());
          if (times.length < 4) return;
          clearInterval(timer);
          child.kill('SIGINT');
        }, 20);
      },
    });
    expect(result.code).toBe(0);
    // The default (10 s) would space four polls 30 s apart.
    expect(times[3]! - times[0]!).toBeLessThan(10_000);

    const invalid = await robofy(['leads', 'tail'], dir, { ROBOFY_INTERVAL: '0' });
    expectOneLineError(invalid, 2, 'ROBOFY_INTERVAL must be a number of seconds of at least 0.1, got "0"');
  });

  it('overlap: a stored one goes with export --state only (no error without it); an invalid ROBOFY_OVERLAP is exit 2 naming it', async ({ expect }) => {
    const api = await fakeApi({ leads: 2 });
    const dir = storedConfig({ profiles: { default: { token: KEY, apiUrl: api.url, project: '12', chatbot: 'abc', overlap: '2h' } } });
    const plain = await robofy(['leads', 'export', '--format', 'jsonl'], dir);
    expect(plain).toMatchObject({ code: 0, stderr: '' });
    const state = join(scratch(), 'abc.state');
    const invalid = await robofy(['leads', 'export', '--state', state], dir, { ROBOFY_OVERLAP: 'soon' });
    expectOneLineError(invalid, 2, 'ROBOFY_OVERLAP must be a duration such as 90s');
    expect(existsSync(state)).toBe(false);
  });

  it('without -p anywhere: exit 2 saying where a project can come from', async () => {
    const result = await robofy(['leads', 'export', '-c', 'abc'], scratch(), { ROBOFY_TOKEN: KEY });
    expectOneLineError(result, 2, '--project is required (or set ROBOFY_PROJECT, or `robofy config set project <id>`)');
    const chatbot = await robofy(['leads', 'tail', '-p', '12'], scratch(), { ROBOFY_TOKEN: KEY });
    expectOneLineError(chatbot, 2, '--chatbot is required (or set ROBOFY_CHATBOT, or `robofy config set chatbot <id>`)');
  });
});

describe.concurrent('config list', SLOW, () => {
  it('shows every setting with its value and source: environment, profile or default; --json for scripts', async ({ expect }) => {
    const dir = storedConfig({ profiles: { default: { token: KEY, project: '12', chatbot: 'abc', format: 'json' } } });
    const env = { ROBOFY_CHATBOT: 'xyz', ROBOFY_OVERLAP: '1h' };
    const text = await robofy(['config', 'list'], dir, env);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toBe(
      [
        'profile  default (default)',
        'project  12                        config file, profile "default"',
        'chatbot  xyz                       ROBOFY_CHATBOT',
        'format   json                      config file, profile "default"',
        'api-url  https://agents.robofy.ai  default',
        'overlap  1h                        ROBOFY_OVERLAP',
        'interval 10                        default',
        '',
      ].join('\n'),
    );

    const json = await robofy(['config', 'list', '--json'], dir, env);
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(jq('[.profile, .profileSource] | join(" ")', json.stdout)).toBe('default default');
    expect(jq('.settings | to_entries | map("\\(.key)=\\(.value.value)/\\(.value.source)") | join(" ")', json.stdout)).toBe(
      'project=12/config chatbot=xyz/env format=json/config api-url=https://agents.robofy.ai/default overlap=1h/env interval=10/default',
    );
  });
});
