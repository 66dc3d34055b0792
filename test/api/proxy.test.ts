import { describe, expect, it } from 'vitest';
import { isLoopback, noProxyMatches, proxyFor } from '../../src/api/proxy.js';

const API = new URL('https://agents.robofy.ai');

describe('proxyFor', () => {
  it('HTTPS_PROXY for https URLs, HTTP_PROXY for http ones', () => {
    const env = { HTTPS_PROXY: 'http://secure.corp:3128', HTTP_PROXY: 'http://plain.corp:8080' };
    expect(proxyFor(API, env)).toMatchObject({ kind: 'proxy', shown: 'http://secure.corp:3128', variable: 'HTTPS_PROXY' });
    expect(proxyFor(new URL('http://api.robofy.test'), env)).toMatchObject({ kind: 'proxy', shown: 'http://plain.corp:8080', variable: 'HTTP_PROXY' });
    expect(proxyFor(API, { HTTP_PROXY: 'http://plain.corp:8080' })).toEqual({ kind: 'direct', reason: 'unset' });
  });

  it('the lowercase variable wins, and an empty one counts as unset', () => {
    expect(proxyFor(API, { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' })).toMatchObject({ hostPort: 'lower:1', variable: 'https_proxy' });
    expect(proxyFor(API, { https_proxy: ' ', HTTPS_PROXY: 'http://upper:2' })).toMatchObject({ hostPort: 'upper:2', variable: 'HTTPS_PROXY' });
    expect(proxyFor(API, { no_proxy: '', NO_PROXY: 'robofy.ai', HTTPS_PROXY: 'http://p:1' })).toMatchObject({ kind: 'proxy' });
  });

  it('credentials stay in the URL for the agent, never in what is shown', () => {
    const choice = proxyFor(API, { HTTPS_PROXY: 'http://alice:s%40cret@proxy.corp:3128' });
    expect(choice).toMatchObject({ kind: 'proxy', shown: 'http://proxy.corp:3128', hostPort: 'proxy.corp:3128' });
    expect(choice.kind === 'proxy' && choice.url.password).toBe('s%40cret');
  });

  it('a proxy without a scheme or port is http on port 80 (https: 443)', () => {
    expect(proxyFor(API, { HTTPS_PROXY: 'proxy.corp' })).toMatchObject({ shown: 'http://proxy.corp:80' });
    expect(proxyFor(API, { HTTPS_PROXY: 'https://proxy.corp' })).toMatchObject({ shown: 'https://proxy.corp:443' });
  });

  it('a broken or unsupported proxy URL is a usage error that does not echo it', () => {
    expect(() => proxyFor(API, { HTTPS_PROXY: 'http://alice:pw@[bad' })).toThrow(/^HTTPS_PROXY is not a valid proxy URL; expected http:\/\/\[user:password@\]host:port$/);
    expect(() => proxyFor(API, { HTTPS_PROXY: 'socks5://alice:pw@proxy:1080' })).toThrow('HTTPS_PROXY uses socks5, which robofy does not support');
  });

  it('loopback targets never use the proxy, whatever NO_PROXY says', () => {
    const env = { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:1' };
    for (const url of ['http://localhost:8080', 'https://127.0.0.1', 'http://127.4.5.6:9', 'http://[::1]:3000', 'https://LOCALHOST']) {
      expect(proxyFor(new URL(url), env), url).toEqual({ kind: 'direct', reason: 'loopback' });
    }
  });

  it('NO_PROXY keeps a matching host direct', () => {
    expect(proxyFor(API, { HTTPS_PROXY: 'http://p:1', no_proxy: 'robofy.ai' })).toEqual({ kind: 'direct', reason: 'NO_PROXY' });
  });
});

describe('noProxyMatches', () => {
  it.each([
    ['robofy.test', 'api.robofy.test', true],
    ['.robofy.test', 'api.robofy.test', true],
    ['*.robofy.test', 'api.robofy.test', true],
    ['robofy.test', 'robofy.test', true],
    ['.robofy.test', 'robofy.test', true],
    ['ROBOFY.test', 'api.robofy.test', true],
    ['robofy.test', 'notrobofy.test', false],
    ['api.robofy.test', 'robofy.test', false],
    ['*', 'anything.example', true],
    ['example.com, *', 'api.robofy.test', true],
    ['example.com,robofy.test', 'api.robofy.test', true],
    ['example.com robofy.test', 'api.robofy.test', true],
    ['example.com', 'api.robofy.test', false],
    ['', 'api.robofy.test', false],
    ['robofy.test:443', 'api.robofy.test', true],
    ['robofy.test:8443', 'api.robofy.test', false],
    ['10.0.0.0/8', '10.1.2.3', true],
    ['10.0.0.0/8', '11.1.2.3', false],
    ['10.0.0.0/8', 'api.robofy.test', false],
    ['192.0.2.7', '192.0.2.7', true],
    ['2001:db8::/32', '2001:db8::1', true],
    ['[2001:db8::1]:443', '2001:db8::1', true],
  ])('%j matches %s: %s', (value, host, expected) => {
    expect(noProxyMatches(value, host, 443)).toBe(expected);
  });
});

describe('isLoopback', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['[::1]', true],
    ['::1', true],
    ['128.0.0.1', false],
    ['localhost.robofy.test', false],
    ['::2', false],
  ])('%s: %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
