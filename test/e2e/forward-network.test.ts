/**
 * `--forward-to` where users are: a receiver over HTTPS with a certificate
 * from a test CA (trusted through NODE_EXTRA_CA_CERTS, or not), and one
 * reachable only through a CONNECT proxy. The receiver checks every
 * signature with `standardwebhooks`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'vitest';
import { createTestCa } from '../net/certificates.js';
import type { ProxyOptions } from '../net/connect-proxy.js';
import {
  HEADER_VALUE,
  PROXY_PASSWORD,
  PROXY_USER,
  SECRET,
  SLOW,
  connectProxy,
  expectNoProxyPassword,
  expectNothingSecret,
  expectOneLineError,
  fakeApi,
  forward,
  idsOf,
  leadRange,
  receiver,
  scratch,
} from './fixtures.js';
import { pollStarts, startCli, waitFor } from './running-cli.js';

/** A name that resolves nowhere: the CLI reaches it only through the test proxy, which maps it to 127.0.0.1. */
const HOOKS_HOST = 'hooks.robofy.test';

const ca = createTestCa(scratch());
const trusted = ca.issue([HOOKS_HOST, '127.0.0.1']);
const otherName = ca.issue(['other.robofy.test']);
const TRUST = { NODE_EXTRA_CA_CERTS: ca.caFile };

describe.concurrent('--forward-to an HTTPS receiver', SLOW, () => {
  it('with its CA in NODE_EXTRA_CA_CERTS: every lead arrives once, in order, signed, over one connection', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 25 });
    const to = await receiver(context, { tls: trusted });
    const result = await forward(api, to, ['-q', '-H', `Authorization: ${HEADER_VALUE}`], TRUST);

    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(to.url).toMatch(/^https:/);
    expect(idsOf(to.delivered())).toEqual(leadRange(1, 25));
    expect(to.requests).toHaveLength(25);
    expect(to.requests.every((request) => request.verified && request.headers.authorization === HEADER_VALUE)).toBe(true);
    expect(to.connections).toEqual({ total: 1, cleartext: 0 });
    expectNothingSecret(result);
  });

  it.for([
    {
      receiver: 'whose CA is not in NODE_EXTRA_CA_CERTS',
      leaf: trusted,
      env: {},
      says: 'is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); if your network re-signs TLS (a corporate proxy), set NODE_EXTRA_CA_CERTS to its root certificate (PEM file)',
    },
    {
      receiver: 'whose certificate is for another host name',
      leaf: otherName,
      env: TRUST,
      says: 'is for another host name (ERR_TLS_CERT_ALTNAME_INVALID); check the --forward-to URL, or whether a proxy intercepts the connection',
    },
  ])('a receiver $receiver: exit 5, one line saying what to do, no lead sent, in clear text or otherwise', async ({ leaf, env, says }, context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 3 });
    const to = await receiver(context, { tls: leaf });
    const result = await forward(api, to, ['-q', '--retries', '1', '-H', `Authorization: ${HEADER_VALUE}`], env);

    const { origin, host } = new URL(to.url);
    expectOneLineError(
      result,
      5,
      `robofy: error: cannot deliver to ${origin}: the TLS certificate of ${host} ${says} (gave up after 2 attempts); ` +
        'stopped with 3 leads not delivered: the next run delivers them',
    );
    expect(to.requests).toEqual([]);
    expect(to.connections.total).toBeGreaterThan(0);
    expect(to.connections.cleartext).toBe(0);
    expectNothingSecret(result);
  });
});

describe.concurrent('--forward-to through a proxy', SLOW, () => {
  /** The receiver over HTTPS under HOOKS_HOST, and a proxy that maps that name to it. */
  async function behindProxy(context: TestContext, options: ProxyOptions = {}) {
    const to = await receiver(context, { tls: trusted, name: HOOKS_HOST });
    const corp = await connectProxy({ hosts: { [HOOKS_HOST]: '127.0.0.1' }, ...options });
    const port = new URL(to.url).port;
    return { to, corp, target: `${HOOKS_HOST}:${port}` };
  }

  it('HTTPS_PROXY with a user: leads tunnelled to the receiver and verified; the password in no output, --verbose too', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 5 });
    const { to, corp, target } = await behindProxy(context, { credentials: PROXY_USER });
    const result = await forward(api, to, ['--verbose', '-H', `Authorization: ${HEADER_VALUE}`], { ...TRUST, HTTPS_PROXY: `http://${PROXY_USER}@127.0.0.1:${corp.port}` });

    expect(result.code, result.stderr).toBe(0);
    expect(idsOf(to.delivered())).toEqual(leadRange(1, 5));
    expect(to.requests.every((request) => request.verified && request.headers['proxy-authorization'] === undefined)).toBe(true);
    // One tunnel for the run; the API, on loopback, never went through the proxy.
    expect(corp.connects).toEqual([{ target, authorization: `Basic ${Buffer.from(PROXY_USER).toString('base64')}`, status: 200 }]);
    expectNothingSecret(result);
    expectNoProxyPassword(result);
  });

  it('NO_PROXY naming the receiver sends the delivery direct (so the test name does not resolve); the proxy sees nothing', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 2 });
    const { to, corp } = await behindProxy(context);
    const result = await forward(api, to, ['-q', '--retries', '0'], { ...TRUST, HTTPS_PROXY: corp.url, NO_PROXY: `example.com,${HOOKS_HOST}` });

    expectOneLineError(result, 5, `robofy: error: cannot reach https://${HOOKS_HOST}:${new URL(to.url).port} (ENOTFOUND) after 1 attempt;`);
    expect(corp.connects).toEqual([]);
    expect(to.connections.total).toBe(0);
  });

  it('a proxy refusing the password (407): exit 5 naming the proxy, no lead dead-lettered, the password in no output', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 3 });
    const { to, corp } = await behindProxy(context, { credentials: PROXY_USER });
    const deadLetter = join(scratch(), 'failed.jsonl');
    const env = { ...TRUST, HTTPS_PROXY: `http://alice:wrong-${PROXY_PASSWORD}@127.0.0.1:${corp.port}` };
    const result = await forward(api, to, ['-q', '--retries', '1', '--dead-letter', deadLetter], env);

    expectOneLineError(
      result,
      5,
      `robofy: error: cannot deliver to https://${HOOKS_HOST}:${new URL(to.url).port}: the proxy 127.0.0.1:${corp.port} (HTTPS_PROXY) answered 407 ` +
        'Proxy Authentication Required; check the user and password in HTTPS_PROXY (gave up after 2 attempts); stopped with 3 leads not delivered: the next run delivers them',
    );
    // The proxy, not a lead, is at fault: no lead is set aside as undeliverable.
    expect(readFileSync(deadLetter, 'utf8')).toBe('');
    expect(corp.connects.map((connect) => connect.status)).toEqual([407, 407]);
    expect(to.connections.total).toBe(0);
    expectNoProxyPassword(result);
  });

  it('tail --forward-to through the authenticating proxy delivers each new lead, verified', async (context) => {
    const { expect } = context;
    const api = await fakeApi({ leads: 5 });
    const { to, corp } = await behindProxy(context, { credentials: PROXY_USER });
    const args = ['leads', 'tail', '-p', '12', '-c', 'abc', '--interval', '0.2', '--count', '2', '--forward-to', to.url];
    const env = { ...TRUST, ROBOFY_WEBHOOK_SECRET: SECRET, HTTPS_PROXY: `http://${PROXY_USER}@127.0.0.1:${corp.port}` };
    const running = startCli(context, api, args, { env });
    await waitFor('the baseline', () => pollStarts(api) >= 2);
    api.addLeads(2);
    const result = await running.result;

    expect(result.code, result.stderr).toBe(0);
    expect(idsOf(to.delivered())).toEqual(leadRange(6, 7));
    expect(to.requests.every((request) => request.verified)).toBe(true);
    expect(corp.connects.map((connect) => connect.status)).toEqual([200]);
    expectNothingSecret(result);
    expectNoProxyPassword(result);
  });
});
