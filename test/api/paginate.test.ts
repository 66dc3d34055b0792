import { describe, expect, it } from 'vitest';
import type { GetSpec, RobofyClient } from '../../src/api/client.js';
import { peekNextPageToken } from '../../src/api/leads-page.js';
import { paginateLeads } from '../../src/api/paginate.js';

const query = { projectId: 12, chatbotId: 'abc' };

/** One page as the API sends it: its bytes, and the value they parse to. */
function page(ids: string[], next: string | null, bytesToken: string | null = next): { bytes: Buffer; value: unknown } {
  const rows = ids.map((id) => ({ id, lead_data: [] }));
  const bytes = Buffer.from(JSON.stringify({ data: { report: { rows, next_page_token: bytesToken } } }));
  return { bytes, value: { data: { report: { rows, next_page_token: next } } } };
}

/**
 * A client whose answers the test releases one by one: each request is
 * recorded at once; release(i) hands request i its body (onBody) and then
 * its parsed value, as RobofyClient.getJson does.
 */
function scriptedClient(pages: Record<string, { bytes: Buffer; value: unknown }>) {
  const requests: Array<{ spec: GetSpec; resolve: () => void; during?: number }> = [];
  const client = {
    getJson: (spec: GetSpec) =>
      new Promise<unknown>((resolve, reject) => {
        const token = new URLSearchParams(spec.path.split('?')[1] ?? '').get('nextPageToken') ?? 'first';
        const answer = pages[token];
        spec.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        const request: { spec: GetSpec; resolve: () => void; during?: number } = {
          spec,
          resolve: () => {
            if (answer === undefined) return reject(new Error(`no page for ${token}`));
            spec.onBody?.(answer.bytes);
            request.during = requests.length;
            resolve(answer.value);
          },
        };
        requests.push(request);
      }),
  } as unknown as RobofyClient;
  return { client, requests };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('paginateLeads', () => {
  it('asks for the next page as soon as its token is in the bytes, before the page is parsed', async () => {
    const { client, requests } = scriptedClient({ first: page(['1'], 't2'), t2: page(['2'], null) });
    const pages = paginateLeads(client, query);
    const first = pages.next();
    await tick();
    requests[0]!.resolve();
    // The request for page 2 went out from within page 1's body, before its parsed value was handed back.
    expect(requests[0]!.during).toBe(2);
    expect(requests[1]!.spec.path).toContain('nextPageToken=t2');
    expect((await first).value).toMatchObject({ number: 1, rows: [{ id: '1' }] });
    requests[1]!.resolve();
    expect((await pages.next()).value).toMatchObject({ number: 2, rows: [{ id: '2' }] });
    expect((await pages.next()).done).toBe(true);
    expect(requests).toHaveLength(2);
  });

  it('cancels the early request when the parsed page names another token, and asks for that one', async () => {
    const { client, requests } = scriptedClient({ first: page(['1'], 't3', 't2'), t3: page(['3'], null) });
    const pages = paginateLeads(client, query);
    const first = pages.next();
    await tick();
    requests[0]!.resolve();
    expect((await first).value).toMatchObject({ number: 1 });
    expect(requests[1]!.spec.signal?.aborted).toBe(true);
    expect(requests[2]!.spec.path).toContain('nextPageToken=t3');
    requests[2]!.resolve();
    expect((await pages.next()).value).toMatchObject({ number: 2, rows: [{ id: '3' }] });
    expect(requests).toHaveLength(3);
  });

  it('reads no further ahead than one page while the caller holds a page', async () => {
    const { client, requests } = scriptedClient({ first: page(['1'], 't2'), t2: page(['2'], 't3'), t3: page(['3'], null) });
    const pages = paginateLeads(client, query);
    const first = pages.next();
    await tick();
    requests[0]!.resolve();
    await first;
    // The caller is busy with page 1; page 2 arrives meanwhile: page 3 waits for the caller.
    requests[1]!.resolve();
    await tick();
    expect(requests).toHaveLength(2);
    expect((await pages.next()).value).toMatchObject({ number: 2 });
    expect(requests).toHaveLength(3);
    requests[2]!.resolve();
    expect((await pages.next()).value).toMatchObject({ number: 3 });
    expect((await pages.next()).done).toBe(true);
  });

  it('makes no early request for a token already followed (a loop) or past --max-pages', async () => {
    const loop = scriptedClient({ first: page(['1'], 'first') });
    const looping = paginateLeads(loop.client, query, { startToken: null, knownTokens: ['first'] });
    const next = looping.next();
    await tick();
    loop.requests[0]!.resolve();
    await expect(next).rejects.toMatchObject({ code: 'PAGINATION_LOOP' });
    expect(loop.requests).toHaveLength(1);

    const capped = scriptedClient({ first: page(['1'], 't2') });
    const one = paginateLeads(capped.client, query, { maxPages: 1 });
    const only = one.next();
    await tick();
    capped.requests[0]!.resolve();
    await expect(only).rejects.toMatchObject({ code: 'TOO_MANY_PAGES' });
    expect(capped.requests).toHaveLength(1);
  });
});

describe('peekNextPageToken', () => {
  const bytes = (text: string): Buffer => Buffer.from(text);

  it('reads a plain token wherever the key is, spaces allowed', () => {
    expect(peekNextPageToken(bytes('{"data":{"report":{"rows":[],"next_page_token":"abc=="}}}'))).toBe('abc==');
    expect(peekNextPageToken(bytes('{"data":{"next_page_token" : \n "p2","report":{"rows":[]}}}'))).toBe('p2');
  });

  it('gives up whenever the bytes alone are not certain', () => {
    for (const text of [
      '{"data":{"report":{"rows":[]}}}',
      '{"data":{"report":{"rows":[],"next_page_token":null}}}',
      '{"data":{"report":{"rows":[],"next_page_token":""}}}',
      '{"data":{"report":{"rows":[],"next_page_token":12}}}',
      '{"data":{"report":{"rows":[],"next_page_token":"a\\"b"}}}',
      '{"data":{"report":{"rows":[],"next_page_token":"é"}}}',
      '{"data":{"next_page_token":"a","report":{"rows":[],"next_page_token":"b"}}}',
      '{"data":{"report":{"rows":[{"id":1,"note":"next_page_token"}]}}}',
      '{"data":{"report":{"rows":[{"id":1,"note":"\\"next_page_token\\":\\"x\\""}]}}}',
    ]) {
      expect(peekNextPageToken(bytes(text)), text).toBeUndefined();
    }
  });
});
