/**
 * Profiles: several accounts, each with its own key, API URL and settings;
 * the profile-less config file of earlier versions as the `default` profile.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { describe, it } from 'vitest';
import {
  KEY,
  SLOW,
  configFile,
  expectOneLineError,
  fakeApi,
  jq,
  masked,
  readConfig,
  runWithConfig,
  scratch,
  storedConfig,
  type CliResult,
} from './fixtures.js';

const ACME_KEY = 'acme-key-0123456789abcdef';
const OTHER_KEY = 'env-key-abcdefghijklmnop';

function robofy(args: readonly string[], configDir: string, env: Record<string, string | undefined> = {}, stdin = ''): Promise<CliResult> {
  return runWithConfig(configDir, args, { env, stdin, keys: [KEY, ACME_KEY, OTHER_KEY] });
}

describe.concurrent('profiles', SLOW, () => {
  it('login --profile creates one; profiles lists them; whoami and exports use the one chosen; logout removes only its key', async ({ expect }) => {
    const [main, acme] = await Promise.all([fakeApi({ leads: 2 }), fakeApi({ token: ACME_KEY, leads: 3 })]);
    const dir = scratch();
    expect((await robofy(['login', '--with-token', '--api-url', main.url], dir, {}, KEY)).code).toBe(0);
    const login = await robofy(['login', '--profile', 'acme', '--with-token', '--api-url', acme.url], dir, {}, ACME_KEY);
    expect(login).toMatchObject({ code: 0, stdout: '', stderr: `Logged in to profile "acme". The key is stored in ${configFile(dir)} (readable by you only).\n` });
    expect(readConfig(dir)).toEqual({ profiles: { default: { token: KEY, apiUrl: main.url }, acme: { token: ACME_KEY, apiUrl: acme.url } } });

    const list = await robofy(['profiles'], dir, { ROBOFY_PROFILE: 'acme' });
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toBe(
      [
        `   PROFILE  KEY        API URL`,
        `   default  ${masked(KEY)}  ${main.url}`,
        `*  acme     ${masked(ACME_KEY)}  ${acme.url}`,
        '',
      ].join('\n'),
    );
    const json = await robofy(['profiles', '--json'], dir);
    expect(jq('.inUse', json.stdout)).toBe('default');
    expect(jq('.profiles | map("\\(.name) \\(.key) \\(.apiUrl) \\(.inUse)") | join(";")', json.stdout)).toBe(
      `default ${masked(KEY)} ${main.url} true;acme ${masked(ACME_KEY)} ${acme.url} false`,
    );

    const whoami = await robofy(['whoami', '--json'], dir, { ROBOFY_PROFILE: 'acme' });
    expect(JSON.parse(whoami.stdout)).toEqual({
      profile: 'acme',
      profileSource: 'env',
      key: masked(ACME_KEY),
      keySource: 'config',
      apiUrl: acme.url,
      apiUrlSource: 'config',
      proxy: null,
      proxySource: 'unset',
    });
    expect(jq('.apiUrl', whoami.stdout)).toBe(acme.url);

    // --profile after the subcommand, as a user types it.
    const exported = await robofy(['leads', 'export', '-p', '12', '-c', 'abc', '--format', 'jsonl', '--profile', 'acme'], dir);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout.trim().split('\n')).toHaveLength(3);

    const logout = await robofy(['logout', '--profile', 'acme'], dir);
    expect(logout).toMatchObject({ code: 0, stdout: '', stderr: 'Logged out: the stored key of profile "acme" is removed.\n' });
    expect(readConfig(dir)).toEqual({ profiles: { default: { token: KEY, apiUrl: main.url }, acme: { apiUrl: acme.url } } });
    expectOneLineError(await robofy(['whoami', '--profile', 'acme'], dir), 3, 'no API key: run `robofy login --profile acme` or set ROBOFY_TOKEN');
    expect((await robofy(['whoami'], dir)).stdout).toContain(`key: ${masked(KEY)} (config file)`);
  });

  it("a profile's key is never sent to another profile's URL, nor another's key to its URL", async ({ expect }) => {
    const [main, acme] = await Promise.all([fakeApi({ leads: 1 }), fakeApi({ token: ACME_KEY, leads: 1 })]);
    const dir = storedConfig({
      profiles: {
        default: { token: KEY, apiUrl: main.url, project: '12', chatbot: 'abc' },
        acme: { token: ACME_KEY, apiUrl: acme.url, project: '12', chatbot: 'abc' },
        // A URL and no key: it must not borrow default's key.
        keyless: { apiUrl: acme.url },
        // A key and no URL: it must not borrow default's URL (so goes to the built-in one).
        urlless: { token: ACME_KEY },
      },
    });
    const results = await Promise.all([
      robofy(['leads', 'export'], dir),
      robofy(['leads', 'export', '--profile', 'acme'], dir),
      robofy(['leads', 'export', '-p', '12', '-c', 'abc', '--profile', 'keyless'], dir),
      robofy(['whoami', '--json', '--profile', 'urlless'], dir),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 3, 0]);
    expect(main.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`]);
    expect(acme.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${ACME_KEY}`]);
    expect(jq('"\\(.apiUrl) \\(.apiUrlSource)"', results[3]!.stdout)).toBe('https://agents.robofy.ai default');
  });

  it('ROBOFY_TOKEN beats any profile\'s stored key', async ({ expect }) => {
    const dir = storedConfig({ profiles: { acme: { token: ACME_KEY, apiUrl: 'https://acme.example' } } });
    const result = await robofy(['whoami', '--profile', 'acme'], dir, { ROBOFY_TOKEN: OTHER_KEY });
    expect(result.stdout).toBe(`key: ${masked(OTHER_KEY)} (ROBOFY_TOKEN)\napi: https://acme.example (config file)\nprofile: acme (--profile)\nproxy: none\n`);
  });

  it.for([
    { name: '--profile', args: ['whoami', '--profile', 'acmee'], env: {} },
    { name: 'ROBOFY_PROFILE', args: ['leads', 'export', '-p', '12', '-c', 'abc'], env: { ROBOFY_PROFILE: 'acmee', ROBOFY_TOKEN: KEY } },
    { name: 'config set', args: ['config', 'set', 'project', '3', '--profile', 'acmee'], env: {} },
    { name: 'logout', args: ['logout', '--profile', 'acmee'], env: {} },
    { name: 'profiles', args: ['profiles', '--profile', 'acmee'], env: {} },
  ])('an unknown profile ($name) is exit 2 naming the known ones, never a fall back to default', async ({ args, env }, { expect }) => {
    const api = await fakeApi();
    const dir = storedConfig({ profiles: { default: { token: KEY, apiUrl: api.url }, acme: { token: ACME_KEY }, beta: {} } });
    const before = readFileSync(configFile(dir), 'utf8');
    const result = await robofy(args, dir, env);
    expect(result.stdout).toBe('');
    expectOneLineError(result, 2, 'unknown profile "acmee"; the profiles are: default, acme, beta (`robofy login --profile acmee` creates it)');
    expect(api.requests).toEqual([]);
    expect(readFileSync(configFile(dir), 'utf8')).toBe(before);
  });

  it('a profile name that is not a name is exit 2', async () => {
    const result = await robofy(['whoami', '--profile', '../x'], scratch(), { ROBOFY_TOKEN: KEY });
    expectOneLineError(result, 2, 'invalid profile name "../x"');
  });

  it('settings are per profile', async ({ expect }) => {
    const dir = storedConfig({ profiles: { default: { token: KEY }, acme: { token: ACME_KEY } } });
    expect((await robofy(['config', 'set', 'project', '31', '--profile', 'acme'], dir)).code).toBe(0);
    const [acme, main] = await Promise.all([robofy(['config', 'get', 'project'], dir, { ROBOFY_PROFILE: 'acme' }), robofy(['config', 'get', 'project'], dir)]);
    expect([acme.stdout, main.stdout]).toEqual(['31\n', '']);
    expect(readConfig(dir)).toEqual({ profiles: { default: { token: KEY }, acme: { token: ACME_KEY, project: '31' } } });
  });
});

describe.concurrent('a config file written before profiles', SLOW, () => {
  it('works as the default profile, and the first write migrates it in place (0600, nothing left beside it)', async ({ expect }) => {
    const api = await fakeApi({ leads: 2 });
    const dir = storedConfig({ token: KEY, apiUrl: api.url });
    const whoami = await robofy(['whoami'], dir);
    expect(whoami.stdout).toBe(`key: ${masked(KEY)} (config file)\napi: ${api.url} (config file)\nprofile: default (default)\nproxy: none\n`);
    expect(readConfig(dir)).toEqual({ token: KEY, apiUrl: api.url });

    expect((await robofy(['config', 'set', 'project', '12'], dir)).code).toBe(0);
    expect(readConfig(dir)).toEqual({ profiles: { default: { token: KEY, apiUrl: api.url, project: '12' } } });
    expect(statSync(configFile(dir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['config.json']);

    const exported = await robofy(['leads', 'export', '-c', 'abc', '--format', 'jsonl'], dir);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(api.requests.map((r) => [r.path, r.headers.authorization])).toEqual([['/v1/ai-agent/leads/12/abc', `Bearer ${KEY}`]]);
  });

  it('login --profile on it keeps the old key as the default profile', async ({ expect }) => {
    const dir = storedConfig({ token: KEY, apiUrl: 'https://old.example' });
    expect((await robofy(['login', '--profile', 'acme', '--with-token', '--no-verify'], dir, {}, ACME_KEY)).code).toBe(0);
    expect(readConfig(dir)).toEqual({ profiles: { default: { token: KEY, apiUrl: 'https://old.example' }, acme: { token: ACME_KEY } } });
  });
});
