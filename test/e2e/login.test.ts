/**
 * login, whoami and logout as a user runs them: a real process, a real fake
 * API on 127.0.0.1, a config folder of each test's own. Every result is
 * checked never to show a key.
 */
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { DEFAULT_FORBIDDEN_TOKEN } from '../fake-api/server.js';
import {
  CLI_TIMEOUT_MS,
  HAS_SCRIPT,
  KEY,
  LEADS_PATH,
  SLOW,
  configFile,
  expectNoKey,
  expectNoStack,
  expectOneLineError,
  fakeApi,
  masked,
  readConfig,
  runCli,
  runInTty,
  scratch,
  storedConfig,
  type CliResult,
} from './fixtures.js';

const OTHER_KEY = 'env-key-abcdefghijklmnop';
const WRONG_KEY = 'wrong-key-0123456789abcdef';
const ALL_KEYS = [KEY, OTHER_KEY, WRONG_KEY, DEFAULT_FORBIDDEN_TOKEN];

interface Run {
  configDir: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
}

/** A logged-out user: only the config folder is set, unless `env` says more. */
async function robofy(args: readonly string[], run: Run): Promise<CliResult> {
  const result = await runCli(args, {
    env: { ROBOFY_CONFIG_DIR: run.configDir, ...run.env },
    timeoutMs: CLI_TIMEOUT_MS,
    ...(run.stdin === undefined ? {} : { stdin: run.stdin }),
  });
  for (const key of ALL_KEYS) expectNoKey(result, key);
  return result;
}

/** The file as written since profiles: the first, profile-less shape is migrated on the first write. */
function inDefaultProfile(settings: Record<string, string>): unknown {
  return { profiles: { default: settings } };
}

function fileMode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe.concurrent('login --with-token', SLOW, () => {
  it('checks the key with one GET /v1/account/details, then saves it in a 0600 file', async ({ expect }) => {
    const api = await fakeApi();
    const dir = join(scratch(), 'not-yet-created');
    const result = await robofy(['login', '--with-token', '--api-url', api.url], { configDir: dir, stdin: `${KEY}\n` });

    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toBe(`Logged in. The key is stored in ${configFile(dir)} (readable by you only).\n`);
    expect(api.requests.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([['GET', '/v1/account/details', `Bearer ${KEY}`]]);
    expect(readConfig(dir)).toEqual(inDefaultProfile({ token: KEY, apiUrl: api.url }));
    expect(fileMode(configFile(dir))).toBe(0o600);
    expect(fileMode(dir)).toBe(0o700);
  });

  it('trims the piped key, verifies against ROBOFY_API_URL and stores the key alone', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await robofy(['login', '--with-token'], { configDir: dir, env: { ROBOFY_API_URL: api.url }, stdin: `  ${KEY} \r\n` });

    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(readConfig(dir)).toEqual(inDefaultProfile({ token: KEY }));
    expect(fileMode(configFile(dir))).toBe(0o600);
  });

  it('tightens a config file that was readable by others to 0600 and keeps its other settings', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    writeFileSync(configFile(dir), JSON.stringify({ apiUrl: api.url }));
    chmodSync(configFile(dir), 0o644);
    const result = await robofy(['login', '--with-token'], { configDir: dir, stdin: KEY });

    expect(result.code).toBe(0);
    expect(api.requests).toHaveLength(1);
    expect(readConfig(dir)).toEqual(inDefaultProfile({ apiUrl: api.url, token: KEY }));
    expect(fileMode(configFile(dir))).toBe(0o600);
  });

  it.for([
    { status: 401, key: WRONG_KEY, code: '401 UNAUTHORIZED' },
    { status: 403, key: DEFAULT_FORBIDDEN_TOKEN, code: '403 FORBIDDEN' },
  ])('a key the API answers $status to exits 3 and is not saved', async ({ key, code }, { expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await robofy(['login', '--with-token', '--api-url', api.url], { configDir: dir, stdin: `${key}\n` });

    expect(result.stdout).toBe('');
    const line = expectOneLineError(result, 3, `the API rejected the key (${code}`);
    expect(line).toContain('robofy login');
    // Rejections are final: not retried.
    expect(api.requests.map((r) => [r.path, r.headers.authorization])).toEqual([['/v1/account/details', `Bearer ${key}`]]);
    expect(existsSync(configFile(dir))).toBe(false);
  });

  it('a rejected key leaves the key stored before untouched, byte for byte', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    expect((await robofy(['login', '--with-token', '--api-url', api.url], { configDir: dir, stdin: KEY })).code).toBe(0);
    const before = readFileSync(configFile(dir));

    const result = await robofy(['login', '--with-token'], { configDir: dir, stdin: WRONG_KEY });
    expectOneLineError(result, 3, 'rejected the key');
    expect(readFileSync(configFile(dir))).toEqual(before);
    expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${WRONG_KEY}`]);
  });

  it('--no-verify saves the key without any request', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await robofy(['login', '--with-token', '--no-verify'], { configDir: dir, env: { ROBOFY_API_URL: api.url }, stdin: WRONG_KEY });

    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(api.requests).toEqual([]);
    expect(readConfig(dir)).toEqual(inDefaultProfile({ token: WRONG_KEY }));
    expect(fileMode(configFile(dir))).toBe(0o600);
  });

  it('without a terminal and without --with-token, exits 2 pointing to --with-token, asking nothing of the API', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await robofy(['login'], { configDir: dir, env: { ROBOFY_API_URL: api.url }, stdin: `${KEY}\n` });

    expect(result.stdout).toBe('');
    expectOneLineError(result, 2, 'robofy login --with-token');
    expect(api.requests).toEqual([]);
    expect(existsSync(configFile(dir))).toBe(false);
  });

  it.for([
    { name: 'nothing', stdin: '', message: 'no API key given' },
    { name: 'blank lines', stdin: '\n  \n', message: 'no API key given' },
    { name: 'two words', stdin: `${KEY} ${KEY}\n`, message: 'must not contain spaces' },
    { name: 'a control character', stdin: `${KEY.slice(0, 8)}\u0007${KEY.slice(8)}\n`, message: 'must not contain control characters' },
  ])('exits 2 when stdin holds $name', async ({ stdin, message }, { expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await robofy(['login', '--with-token'], { configDir: dir, env: { ROBOFY_API_URL: api.url }, stdin });

    expectOneLineError(result, 2, message);
    expect(api.requests).toEqual([]);
    expect(existsSync(configFile(dir))).toBe(false);
  });

  it('--verbose shows the request, not the key', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await robofy(['login', '--with-token', '--verbose', '--api-url', api.url], { configDir: dir, stdin: KEY });

    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toMatch(/^robofy: GET \/v1\/account\/details 200 \d+ms \d+ B\nLogged in\. /);
  });

  it('--verbose on a rejected key gives the full error, still without the key', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await robofy(['login', '--with-token', '--verbose', '--api-url', api.url], { configDir: dir, stdin: WRONG_KEY });

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('robofy: GET /v1/account/details 401');
    expect(result.stderr).toContain('robofy: error: the API rejected the key (401 UNAUTHORIZED');
    // The whole story: a stack trace, which only --verbose prints.
    expect(result.stderr).toMatch(/^\s+at /m);
    expect(existsSync(configFile(dir))).toBe(false);
  });

  it('refuses to send the key over plain http to another host, or to store such a URL', async ({ expect }) => {
    const dir = scratch();
    const started = Date.now();
    const [verify, noVerify] = await Promise.all([
      robofy(['login', '--with-token', '--api-url', 'http://example.com'], { configDir: dir, stdin: KEY }),
      robofy(['login', '--with-token', '--no-verify', '--api-url', 'http://example.com/'], { configDir: dir, stdin: KEY }),
    ]);
    for (const result of [verify, noVerify]) {
      expectOneLineError(result, 2, 'refusing to send the API key over plain http to example.com; use https');
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(configFile(dir))).toBe(false);
  });
});

describe.concurrent('login on a terminal', SLOW, () => {
  const PROMPT = 'Robofy API key (input hidden): ';

  it.skipIf(!HAS_SCRIPT)('asks for the key without echoing it (backspace works), checks it and saves it', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await runInTty(['login', '--api-url', api.url], { ROBOFY_CONFIG_DIR: dir }, {
      answer: (screen) => (screen.includes(PROMPT) ? `x\u007f${KEY}\r` : undefined),
    });
    for (const key of ALL_KEYS) expectNoKey({ code: result.code, signal: null, stdout: result.screen, stderr: '' }, key);
    expect(result).toEqual({
      code: 0,
      screen: `${PROMPT}\r\nLogged in. The key is stored in ${configFile(dir)} (readable by you only).\r\n`,
    });
    expect(readConfig(dir)).toEqual(inDefaultProfile({ token: KEY, apiUrl: api.url }));
    expect(fileMode(configFile(dir))).toBe(0o600);
    expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`]);
  });

  it.skipIf(!HAS_SCRIPT)('Ctrl-C at the prompt: exit 130, nothing sent, nothing saved', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    const result = await runInTty(['login', '--api-url', api.url], { ROBOFY_CONFIG_DIR: dir, NO_COLOR: '1' }, {
      answer: (screen) => (screen.includes(PROMPT) ? `${KEY.slice(0, 6)}\u0003` : undefined),
    });
    expect(result).toEqual({ code: 130, screen: `${PROMPT}\r\nrobofy: error: interrupted by SIGINT\r\n` });
    expect(api.requests).toEqual([]);
    expect(existsSync(configFile(dir))).toBe(false);
  });
});

describe.concurrent('whoami', SLOW, () => {
  it('prints the stored key masked, where it comes from and the API URL; no request', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    expect((await robofy(['login', '--with-token', '--api-url', api.url], { configDir: dir, stdin: KEY })).code).toBe(0);
    const requests = api.requests.length;

    const result = await robofy(['whoami'], { configDir: dir });
    expect(result).toEqual({
      code: 0,
      signal: null,
      stdout: `key: ${masked(KEY)} (config file)\napi: ${api.url} (config file)\nprofile: default (default)\nproxy: none\n`,
      stderr: '',
    });
    expect(api.requests).toHaveLength(requests);
  });

  it('ROBOFY_TOKEN wins over the stored key', async ({ expect }) => {
    const dir = storedConfig({ token: KEY });

    const result = await robofy(['whoami'], { configDir: dir, env: { ROBOFY_TOKEN: OTHER_KEY } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`key: ${masked(OTHER_KEY)} (ROBOFY_TOKEN)\napi: https://agents.robofy.ai (default)\nprofile: default (default)\nproxy: none\n`);
  });

  it('works from ROBOFY_TOKEN alone, with no config file', async ({ expect }) => {
    const dir = scratch();
    const result = await robofy(['whoami'], { configDir: dir, env: { ROBOFY_TOKEN: OTHER_KEY, ROBOFY_API_URL: 'https://env.example/' } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`key: ${masked(OTHER_KEY)} (ROBOFY_TOKEN)\napi: https://env.example (environment)\nprofile: default (default)\nproxy: none\n`);
  });

  it('API URL precedence: --api-url > ROBOFY_API_URL > stored > default', async ({ expect }) => {
    const stored = storedConfig({ token: KEY, apiUrl: 'https://stored.example' });
    const bare = storedConfig({ token: KEY });
    const env = { ROBOFY_API_URL: 'https://env.example' };

    const [flag, fromEnv, fromStore, fromDefault] = await Promise.all([
      robofy(['whoami', '--api-url', 'https://flag.example/'], { configDir: stored, env }),
      robofy(['whoami'], { configDir: stored, env }),
      robofy(['whoami'], { configDir: stored }),
      robofy(['whoami'], { configDir: bare }),
    ]);
    const key = `key: ${masked(KEY)} (config file)\n`;
    expect([flag, fromEnv, fromStore, fromDefault].map((r) => [r.code, r.stdout, r.stderr])).toEqual([
      [0, `${key}api: https://flag.example (--api-url)\nprofile: default (default)\nproxy: none\n`, ''],
      [0, `${key}api: https://env.example (environment)\nprofile: default (default)\nproxy: none\n`, ''],
      [0, `${key}api: https://stored.example (config file)\nprofile: default (default)\nproxy: none\n`, ''],
      [0, `${key}api: https://agents.robofy.ai (default)\nprofile: default (default)\nproxy: none\n`, ''],
    ]);
  });

  it.for([
    { key: 'k'.repeat(7), shown: '****' },
    { key: 'abcdefgh12', shown: 'ab…12' },
    { key: 'abcd-0123456789-wxyz', shown: 'abcd…wxyz' },
  ])('never shows a key whole: $key → $shown', async ({ key, shown }, { expect }) => {
    const result = await robofy(['whoami'], { configDir: scratch(), env: { ROBOFY_TOKEN: key } });
    expect(result.stdout).toBe(`key: ${shown} (ROBOFY_TOKEN)\napi: https://agents.robofy.ai (default)\nprofile: default (default)\nproxy: none\n`);
    expect(result.stdout.includes(key)).toBe(false);
  });

  it('without any key exits 3 and points to robofy login', async () => {
    const result = await robofy(['whoami'], { configDir: scratch() });
    expectOneLineError(result, 3, 'no API key: run `robofy login` or set ROBOFY_TOKEN');
  });
});

describe.concurrent('logout', SLOW, () => {
  it('removes the stored key (the URL stays); whoami then exits 3 pointing to robofy login', async ({ expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    expect((await robofy(['login', '--with-token', '--api-url', api.url], { configDir: dir, stdin: KEY })).code).toBe(0);

    const logout = await robofy(['logout'], { configDir: dir });
    expect(logout).toMatchObject({ code: 0, stdout: '', stderr: 'Logged out: the stored key is removed.\n' });
    expect(readConfig(dir)).toEqual(inDefaultProfile({ apiUrl: api.url }));
    expect(fileMode(configFile(dir))).toBe(0o600);

    const whoami = await robofy(['whoami'], { configDir: dir });
    expect(whoami.stdout).toBe('');
    expectOneLineError(whoami, 3, '`robofy login`');

    // Nor can an export go on with the forgotten key.
    const exported = await robofy(['leads', 'export', '-p', '12', '-c', 'abc'], { configDir: dir });
    expectOneLineError(exported, 3, '`robofy login`');
    expect(api.requests.filter((r) => r.path === LEADS_PATH)).toEqual([]);

    const again = await robofy(['logout'], { configDir: dir });
    expect(again).toMatchObject({ code: 0, stdout: '', stderr: 'No stored key to remove.\n' });
  });

  it('with nothing stored, says so and writes nothing', async ({ expect }) => {
    const dir = scratch();
    const result = await robofy(['logout'], { configDir: dir });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: 'No stored key to remove.\n' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('says that ROBOFY_TOKEN is still set', async ({ expect }) => {
    const dir = storedConfig({ token: KEY });
    const result = await robofy(['logout'], { configDir: dir, env: { ROBOFY_TOKEN: OTHER_KEY } });
    expect(result).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'Logged out: the stored key is removed.\nNote: ROBOFY_TOKEN is still set in this environment.\n',
    });
    expect(readConfig(dir)).toEqual(inDefaultProfile({}));
  });
});

describe.concurrent('a corrupt config file', SLOW, () => {
  const CORRUPT = [
    { name: 'broken JSON', text: '{"token": "abc' },
    { name: 'an empty file', text: '' },
    { name: 'an array', text: '["abc"]' },
    { name: 'a string', text: '"abc"' },
    { name: 'null', text: 'null' },
    { name: 'a key that is not a string', text: '{"token": 12345}' },
  ];
  const COMMANDS = [
    { name: 'whoami', args: ['whoami'], stdin: '' },
    { name: 'login', args: ['login', '--with-token', '--no-verify'], stdin: KEY },
    { name: 'logout', args: ['logout'], stdin: '' },
    { name: 'leads export', args: ['leads', 'export', '-p', '12', '-c', 'abc'], stdin: '' },
  ];
  // login, the writer that could reset it, meets every kind; whoami (a reader) and logout (another writer)
  // the kind conf itself takes for an empty store: an array.
  const cases = CORRUPT.flatMap((file) =>
    COMMANDS.filter((command) => command.name === 'login' || (file.name === 'an array' && command.name !== 'leads export')).map(
      (command) => ({ file: file.name, text: file.text, command: command.name, args: command.args, stdin: command.stdin }),
    ),
  );

  it.for(cases)('$command with $file: one-line error, exit 2, file left as it was', async ({ text, args, stdin }, { expect }) => {
    const api = await fakeApi();
    const dir = scratch();
    writeFileSync(configFile(dir), text, { mode: 0o600 });
    const result = await robofy(args, { configDir: dir, env: { ROBOFY_API_URL: api.url }, stdin });

    expect(result.stdout).toBe('');
    const line = expectOneLineError(result, 2, `the config file ${configFile(dir)} is not valid`);
    expect(line).toContain('fix or delete it');
    expect(readFileSync(configFile(dir), 'utf8')).toBe(text);
    expect(fileMode(configFile(dir))).toBe(0o600);
    expect(api.requests).toEqual([]);
  });

  it('is not read at all when the environment gives both the key and the URL', async ({ expect }) => {
    const api = await fakeApi({ leads: 2 });
    const dir = scratch();
    writeFileSync(configFile(dir), '{oops');
    const result = await robofy(['leads', 'export', '-p', '12', '-c', 'abc', '--format', 'jsonl'], {
      configDir: dir,
      env: { ROBOFY_API_URL: api.url, ROBOFY_TOKEN: KEY },
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.split('\n')).toHaveLength(3);
    expectNoStack(result);
    expect(readFileSync(configFile(dir), 'utf8')).toBe('{oops');
  });
});
