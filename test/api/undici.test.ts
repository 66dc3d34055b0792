/**
 * The client loads only undici's Agent and request(); when an undici upgrade
 * moves those files it must fall back to the whole package and still work.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as undici from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loadUndici, type UndiciParts } from '../../src/api/undici.js';

const ORIGIN = 'https://api.robofy.test';
const realRequire = createRequire(import.meta.url);
const agents: undici.MockAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

/** Sends one GET through `parts` to a MockAgent that answers it. */
async function roundTrip(parts: UndiciParts): Promise<{ status: number; body: string }> {
  const agent = new undici.MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  agent.get(ORIGIN).intercept({ path: '/v1/x?y=1', method: 'GET' }).reply(200, 'hello');
  const response = await parts.request.call(agent, { origin: ORIGIN, path: '/v1/x?y=1', method: 'GET' });
  return { status: response.statusCode, body: await response.body.text() };
}

describe('loadUndici', () => {
  it("loads undici's own Agent and a request() that works on any dispatcher", async () => {
    const parts = loadUndici();
    expect(new parts.Agent()).toBeInstanceOf(undici.Dispatcher);
    expect(await roundTrip(parts)).toEqual({ status: 200, body: 'hello' });
  });

  it('falls back to the whole package when the files it names are gone', async () => {
    const missing = ((id: string) => {
      if (id.startsWith('undici/lib/')) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
      return realRequire(id) as unknown;
    }) as NodeJS.Require;
    const parts = loadUndici(missing);
    expect(parts.Agent).toBe(undici.Agent);
    expect(await roundTrip(parts)).toEqual({ status: 200, body: 'hello' });
  });

  it('falls back when those files export something else', () => {
    const changed = ((id: string) => (id.startsWith('undici/lib/') ? {} : realRequire(id))) as NodeJS.Require;
    expect(loadUndici(changed).Agent).toBe(undici.Agent);
  });

  it('leaves fetch, WebSocket, the mocks and the caches unloaded', () => {
    const built = fileURLToPath(new URL('../../dist/src/api/undici.js', import.meta.url));
    const script = `
      import(${JSON.stringify(built)}).then(({ loadUndici }) => {
        loadUndici();
        const loaded = Object.keys(require.cache).filter((path) => path.includes('undici'));
        process.stdout.write(JSON.stringify(loaded));
      });`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
    expect(loaded.some((path) => path.endsWith('agent.js'))).toBe(true);
    expect(loaded.filter((path) => /[/\\]lib[/\\](web|mock|cache)[/\\]/.test(path))).toEqual([]);
  });
});
