/**
 * robofy on a real network: HTTPS with certificates made at test time, a
 * real CONNECT proxy (with and without auth, NO_PROXY, loopback bypass, 407,
 * a refused tunnel, a proxy that is down), compressed pages (gzip, br,
 * deflate, a bomb, a corrupt body) and the failures a user meets, each as one
 * clear line and exit 5.
 */
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { FakeApi, FakeApiOptions } from '../fake-api/server.js';
import { createTestCa, type Leaf } from '../net/certificates.js';
import type { ProxyOptions, TestProxy } from '../net/connect-proxy.js';
import {
  KEY,
  PROXY_PASSWORD,
  PROXY_USER,
  SLOW,
  cli,
  connectProxy,
  expectNoKey,
  expectNoProxyPassword,
  expectOneLineError,
  expectQuietSuccess,
  exportArgs,
  fakeApi,
  generatedRows,
  listDir,
  runCli,
  scratch,
  type CliResult,
} from './fixtures.js';

/** A name that resolves nowhere: the CLI reaches it only through the test proxy, which maps it to 127.0.0.1. */
const API_HOST = 'api.robofy.test';

const ca = createTestCa(scratch());
const trusted: Leaf = ca.issue([API_HOST, '127.0.0.1', 'localhost']);
const otherName: Leaf = ca.issue(['other.robofy.test']);
const TRUST = { NODE_EXTRA_CA_CERTS: ca.caFile };

function proxy(options: ProxyOptions = {}): Promise<TestProxy> {
  return connectProxy({ hosts: { [API_HOST]: '127.0.0.1' }, ...options });
}

/** The fake API over HTTPS with a certificate for api.robofy.test, 127.0.0.1 and localhost. */
function httpsApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  return fakeApi({ tls: trusted, ...options });
}

/** The same API under its test host name, reachable only through the proxy. */
function byName(api: FakeApi): { url: string } {
  return { url: `https://${API_HOST}:${new URL(api.url).port}` };
}

function rawJsonl(count: number): string {
  return generatedRows(count)
    .map((row) => `${JSON.stringify(row)}\n`)
    .join('');
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectNoSecret(result: CliResult): void {
  expectNoKey(result);
  expectNoProxyPassword(result);
}

const RAW_JSONL = ['-f', 'jsonl', '--raw'];

describe.concurrent('HTTPS', SLOW, () => {
  it('an export over verified TLS (NODE_EXTRA_CA_CERTS) writes every lead, over one connection for 30 pages', async ({ expect }) => {
    const api = await httpsApi({ leads: 300, pageSize: 10 });
    const result = await cli(api, exportArgs(...RAW_JSONL), { env: TRUST });
    expectQuietSuccess(result);
    expect(result.stdout).toBe(rawJsonl(300));
    expect(api.leadRequests()).toHaveLength(30);
    // One TLS handshake for the whole run: the prefetch waits for the socket rather than opening another.
    expect(api.connections()).toBe(1);
  });

  it('an untrusted certificate: exit 5, one line saying what to do, and the key never sent', async ({ expect }) => {
    const api = await httpsApi();
    const message =
      `robofy: error: the TLS certificate of 127.0.0.1:${new URL(api.url).port} is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); ` +
      'if your network re-signs TLS (a corporate proxy), set NODE_EXTRA_CA_CERTS to its root certificate (PEM file)';
    const result = await cli(api, exportArgs('--retries', '2'));
    expectOneLineError(result, 5, message);
    // NODE_TLS_REJECT_UNAUTHORIZED=0 turns verification off in Node by default; not in robofy (Node still warns that it is set).
    const insecure = await cli(api, exportArgs(), { env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    expect({ code: insecure.code, last: insecure.stderr.trimEnd().split('\n').at(-1) }).toEqual({ code: 5, last: message });
    expectNoKey(insecure);
    expect(api.requests).toEqual([]);
  });

  it('a certificate for another host name: exit 5, one line, and the key never sent', async ({ expect }) => {
    const api = await fakeApi({ tls: otherName });
    const result = await cli(api, exportArgs(), { env: TRUST });
    expectOneLineError(result, 5, `the TLS certificate of 127.0.0.1:${new URL(api.url).port} is for another host name (ERR_TLS_CERT_ALTNAME_INVALID)`);
    expect(api.requests).toEqual([]);
  });

  it('tail follows new leads over HTTPS', async ({ expect }) => {
    const api = await httpsApi({ leads: 5 });
    const running = cli(api, ['leads', 'tail', '-p', '12', '-c', 'abc', '--count', '2', '--interval', '0.2'], { env: TRUST });
    await waitForPoll(api, running);
    const added = api.addLeads(2);
    const result = await running;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(added.map((lead) => lead.row.id));
  });

  it('login checks the key over HTTPS', async ({ expect }) => {
    const api = await httpsApi();
    const configDir = scratch();
    const result = await runCli(['login', '--with-token', '--api-url', api.url], {
      env: { ROBOFY_CONFIG_DIR: configDir, ...TRUST },
      stdin: `${KEY}\n`,
      timeoutMs: 60_000,
    });
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(api.requests.map((r) => r.path)).toEqual(['/v1/account/details']);
  });

  it('--timeout covers the TLS handshake: a server that accepts and never answers', async ({ expect }) => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const result = await cli({ url: `https://127.0.0.1:${port}` }, exportArgs('--timeout', '0.5', '--retries', '0'));
      expectOneLineError(result, 5, `request failed: timed out connecting to 127.0.0.1:${port} (--timeout 0.5s) (UND_ERR_CONNECT_TIMEOUT)`);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

/** Waits until the tail has asked for a page; fails at once if it ended first. */
async function waitForPoll(api: FakeApi, running: Promise<CliResult>): Promise<void> {
  let ended: CliResult | undefined;
  void running.then((result) => (ended = result));
  const deadline = Date.now() + 30_000;
  while (api.leadRequests().length === 0) {
    if (ended) throw new Error(`tail ended early: ${ended.stderr}`);
    if (Date.now() > deadline) throw new Error('no poll within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.concurrent('proxies', SLOW, () => {
  it('HTTPS_PROXY with a user: a CONNECT tunnel with Proxy-Authorization, the password in no output', async ({ expect }) => {
    const api = await httpsApi({ leads: 30, pageSize: 10 });
    const corp = await proxy({ credentials: PROXY_USER });
    const env = { ...TRUST, HTTPS_PROXY: `http://${PROXY_USER}@127.0.0.1:${corp.port}` };
    const result = await cli(byName(api), exportArgs(...RAW_JSONL, '--verbose'), { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(rawJsonl(30));
    expectNoSecret(result);
    expect(corp.connects).toEqual([{ target: `${API_HOST}:${new URL(api.url).port}`, authorization: `Basic ${Buffer.from(PROXY_USER).toString('base64')}`, status: 200 }]);
    // Inside the tunnel the API sees the key, never the proxy's credentials.
    for (const request of api.requests) {
      expect(request.headers['proxy-authorization']).toBeUndefined();
      expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    }
  });

  it('the lowercase https_proxy wins over HTTPS_PROXY, and a proxy without auth works', async ({ expect }) => {
    const api = await httpsApi({ leads: 3 });
    const corp = await proxy();
    const env = { ...TRUST, https_proxy: corp.url, HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}` };
    const result = await cli(byName(api), exportArgs(...RAW_JSONL), { env });
    expectQuietSuccess(result);
    expect(result.stdout).toBe(rawJsonl(3));
    expect(corp.connects).toHaveLength(1);
  });

  it.for(['robofy.test', '.robofy.test', '*', 'example.com,api.robofy.test:' ])('NO_PROXY=%s sends the request direct (so the test name does not resolve)', async (noProxy, { expect }) => {
    const api = await httpsApi();
    const corp = await proxy();
    const port = new URL(api.url).port;
    const value = noProxy.endsWith(':') ? `${noProxy}${port}` : noProxy;
    const result = await cli(byName(api), exportArgs('--retries', '0'), { env: { ...TRUST, HTTPS_PROXY: corp.url, NO_PROXY: value } });
    expectOneLineError(result, 5, `robofy: error: request failed: cannot resolve ${API_HOST} (ENOTFOUND)`);
    expect(corp.connects).toEqual([]);
  });

  it('a NO_PROXY that does not match leaves the proxy in use', async ({ expect }) => {
    const api = await httpsApi({ leads: 3 });
    const corp = await proxy();
    const result = await cli(byName(api), exportArgs(...RAW_JSONL), { env: { ...TRUST, HTTPS_PROXY: corp.url, no_proxy: 'example.com,robofy.testing' } });
    expectQuietSuccess(result);
    expect(corp.connects).toHaveLength(1);
  });

  it.for(['127.0.0.1', 'localhost'])('loopback (%s) never goes through the proxy', async (host, { expect }) => {
    const api = await httpsApi({ leads: 3 });
    const corp = await proxy();
    const url = `https://${host}:${new URL(api.url).port}`;
    const result = await cli({ url }, exportArgs(...RAW_JSONL), { env: { ...TRUST, HTTPS_PROXY: corp.url, HTTP_PROXY: corp.url } });
    expectQuietSuccess(result);
    expect(result.stdout).toBe(rawJsonl(3));
    expect(corp.connects).toEqual([]);
  });

  it('http://[::1]:PORT is loopback: direct, plain http allowed', async ({ expect }) => {
    const api = await fakeApi({ host: '::1', leads: 3 });
    const corp = await proxy();
    expect(api.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    const result = await cli(api, exportArgs(...RAW_JSONL), { env: { HTTP_PROXY: corp.url } });
    expectQuietSuccess(result);
    expect(result.stdout).toBe(rawJsonl(3));
    expect(corp.connects).toEqual([]);
  });

  it('407 from the proxy: retried, then exit 5 naming the proxy and the status, never the password', async ({ expect }) => {
    const api = await httpsApi();
    const corp = await proxy({ credentials: PROXY_USER });
    const env = { ...TRUST, HTTPS_PROXY: `http://alice:wrong-${PROXY_PASSWORD}@127.0.0.1:${corp.port}` };
    const result = await cli(byName(api), exportArgs('--retries', '1'), { env });
    expectOneLineError(
      result,
      5,
      `robofy: error: the proxy 127.0.0.1:${corp.port} (HTTPS_PROXY) answered 407 Proxy Authentication Required; check the user and password in HTTPS_PROXY (gave up after 2 attempts)`,
    );
    expectNoSecret(result);
    expect(corp.connects.map((c) => c.status)).toEqual([407, 407]);
    expect(api.requests).toEqual([]);
  });

  it('--verbose on a 407 shows the story, still without the password', async ({ expect }) => {
    const api = await httpsApi();
    const corp = await proxy({ credentials: PROXY_USER });
    const env = { ...TRUST, HTTPS_PROXY: `http://alice:wrong-${PROXY_PASSWORD}@127.0.0.1:${corp.port}` };
    const result = await cli(byName(api), exportArgs('--retries', '1', '--verbose'), { env });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^robofy: retry 1 of \S+ in \d+\.\ds: the proxy 127\.0\.0\.1:\d+ \(HTTPS_PROXY\) answered 407/m);
    expectNoSecret(result);
  });

  it('a proxy that refuses the CONNECT: exit 5 naming it and the status', async ({ expect }) => {
    const api = await httpsApi();
    const corp = await proxy({ refuseWith: 403 });
    const result = await cli(byName(api), exportArgs('--retries', '0'), { env: { ...TRUST, HTTPS_PROXY: corp.url } });
    expectOneLineError(result, 5, `robofy: error: the proxy 127.0.0.1:${corp.port} (HTTPS_PROXY) refused the tunnel to the API (403) (gave up after 1 attempt)`);
    expect(corp.connects.map((c) => c.status)).toEqual([403]);
    expect(api.requests).toEqual([]);
  });

  it('a proxy that cannot be reached: retried, then exit 5 saying so', async ({ expect }) => {
    const api = await httpsApi();
    const port = await closedPort();
    const result = await cli(byName(api), exportArgs('--retries', '1'), { env: { ...TRUST, HTTPS_PROXY: `http://${PROXY_USER}@127.0.0.1:${port}` } });
    expectOneLineError(
      result,
      5,
      `robofy: error: cannot reach the proxy 127.0.0.1:${port} (HTTPS_PROXY): connection refused (ECONNREFUSED) (gave up after 2 attempts)`,
    );
    expectNoSecret(result);
    expect(api.requests).toEqual([]);
  });

  it('tail through an authenticating proxy', async ({ expect }) => {
    const api = await httpsApi({ leads: 5 });
    const corp = await proxy({ credentials: PROXY_USER });
    const env = { ...TRUST, HTTPS_PROXY: `http://${PROXY_USER}@127.0.0.1:${corp.port}` };
    const running = cli(byName(api), ['leads', 'tail', '-p', '12', '-c', 'abc', '--count', '1', '--interval', '0.2'], { env });
    await waitForPoll(api, running);
    const [added] = api.addLeads(1);
    const result = await running;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(result.stdout) as { id: string }).id).toBe(added?.row.id);
    expectNoSecret(result);
    expect(corp.connects.length).toBeGreaterThanOrEqual(1);
  });

  it.for([
    { env: { HTTPS_PROXY: `http://${PROXY_USER}@proxy.corp:3128` }, line: 'proxy: http://proxy.corp:3128 (HTTPS_PROXY)' },
    { env: { https_proxy: 'proxy.corp:8080', HTTPS_PROXY: 'http://other:1' }, line: 'proxy: http://proxy.corp:8080 (https_proxy)' },
    { env: { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '.robofy.ai' }, line: 'proxy: none (NO_PROXY)' },
    { env: { HTTP_PROXY: 'http://proxy.corp:3128' }, line: 'proxy: none' },
  ])('whoami: $line', async ({ env, line }, { expect }) => {
    const result = await runCli(['whoami'], { env: { ROBOFY_CONFIG_DIR: scratch(), ROBOFY_TOKEN: KEY, ...env }, timeoutMs: 60_000 });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.split('\n')).toContain(line);
    expectNoSecret(result);
  });
});

describe.concurrent('compressed responses', SLOW, () => {
  it.for(['gzip', 'br', 'deflate'] as const)('%s: decoded while streaming, output byte-identical to an uncompressed run', async (encoding, { expect }) => {
    const dir = scratch();
    const [plain, compressed] = await Promise.all([fakeApi({ leads: 250, pageSize: 50 }), fakeApi({ leads: 250, pageSize: 50, compression: encoding })]);
    const [plainRun, compressedRun, raw] = await Promise.all([
      cli(plain, exportArgs('-o', join(dir, 'plain.csv'))),
      cli(compressed, exportArgs('-o', join(dir, 'compressed.csv'), '--verbose')),
      cli(compressed, exportArgs(...RAW_JSONL)),
    ]);
    expectQuietSuccess(plainRun);
    expect(compressedRun.code, compressedRun.stderr).toBe(0);
    expect(readFileSync(join(dir, 'compressed.csv')).equals(readFileSync(join(dir, 'plain.csv')))).toBe(true);
    expect(raw.stdout).toBe(rawJsonl(250));
    for (const request of compressed.requests) expect(request.headers['accept-encoding']).toBe('gzip, deflate, br');
    // --verbose: per page, the bytes on the wire and decoded.
    const pages = compressedRun.stderr.split('\n').filter((line) => line.startsWith('robofy: GET '));
    expect(pages).toHaveLength(5);
    for (const line of pages) {
      const match = new RegExp(`^robofy: GET \\S+ 200 \\d+ms ([\\d.]+) kB ${encoding}, ([\\d.]+) kB decoded$`).exec(line);
      expect(match, line).not.toBeNull();
      expect(Number(match![1])).toBeLessThan(Number(match![2]) / 3);
    }
  });

  it('a decompression bomb (1 GiB from 1 MB of gzip) fails fast at the 64 MiB cap, exit 5', async ({ expect }) => {
    const dir = scratch();
    const api = await fakeApi({ leads: 30, pageSize: 10, faults: [{ page: 2, kind: 'gzip-bomb', decodedBytes: 1 << 30 }] });
    const result = await cli(api, exportArgs('-o', join(dir, 'leads.csv')));
    expectOneLineError(result, 5, 'robofy: error: a response exceeded 64 MiB once decoded (gzip); refusing to read more');
    expect(api.leadRequests()).toHaveLength(2);
    expect(listDir(dir)).toEqual([]);
  });

  it('an uncompressed body over 64 MiB: the same one line, exit 5, not retried', async ({ expect }) => {
    const dir = scratch();
    const huge = Buffer.alloc(64 * 1024 * 1024 + 1, 0x20);
    const api = await fakeApi({ leads: 30, pageSize: 10, faults: [{ page: 2, kind: 'body', body: huge }] });
    const result = await cli(api, exportArgs('-o', join(dir, 'leads.csv')));
    expectOneLineError(result, 5, 'robofy: error: a response exceeded 64 MiB; refusing to read more');
    expect(api.leadRequests()).toHaveLength(2);
    expect(listDir(dir)).toEqual([]);
  });

  it.for(['gzip', 'br', 'deflate'] as const)('a corrupt %s body is retried like a truncated one', async (encoding, { expect }) => {
    const api = await fakeApi({ leads: 30, pageSize: 10, faults: [{ page: 2, attempt: 1, kind: 'corrupt-encoding', encoding }] });
    const result = await cli(api, exportArgs(...RAW_JSONL, '--retries', '1'));
    expectQuietSuccess(result);
    expect(result.stdout).toBe(rawJsonl(30));
    expect(api.leadRequests()).toHaveLength(4);
  });

  it('a body corrupt on every attempt: exit 5 after the retries', async ({ expect }) => {
    const api = await fakeApi({ leads: 30, pageSize: 10, faults: [{ page: 1, kind: 'corrupt-encoding', encoding: 'gzip' }] });
    const result = await cli(api, exportArgs('--retries', '1'));
    expectOneLineError(result, 5, /^robofy: error: malformed response from the API: the gzip body is corrupt or cut short \(Z_\w+\) \(gave up after 2 attempts\)$/);
    expect(result.stdout).toBe('');
  });
});

describe.concurrent('other network failures: one line, exit 5', SLOW, () => {
  it('connection refused names host:port', async () => {
    const port = await closedPort();
    const result = await cli({ url: `http://127.0.0.1:${port}` }, exportArgs('--retries', '0'));
    expectOneLineError(result, 5, `robofy: error: request failed: connection refused by 127.0.0.1:${port} (ECONNREFUSED) (gave up after 1 attempt)`);
  });

  it('a connection reset mid-body says so', async () => {
    const api = await fakeApi({ leads: 4, pageSize: 2, faults: [{ page: 1, kind: 'destroy-mid-body' }] });
    const result = await cli(api, exportArgs('--retries', '0'));
    expectOneLineError(result, 5, /^robofy: error: request failed: the connection to 127\.0\.0\.1:\d+ (was reset|closed before the response ended) \(\w+\) \(gave up after 1 attempt\)$/);
  });

  it('no response within --timeout says it timed out', async () => {
    const api = await fakeApi({ leads: 4, pageSize: 2, faults: [{ page: 1, kind: 'hang-headers' }] });
    const result = await cli(api, exportArgs('--retries', '0', '--timeout', '0.3'));
    expectOneLineError(result, 5, /^robofy: error: request failed: timed out waiting for a response from 127\.0\.0\.1:\d+ \(--timeout 0\.3s\) \(UND_ERR_HEADERS_TIMEOUT\)/);
  });
});
