/**
 * The next page's request leaves before the page in hand is parsed and
 * handed over: with a latency per page, that overlap is what keeps a run as
 * fast as a client that does nothing but fetch. Observed through undici's own
 * diagnostics channel, which reports each request as its headers reach the
 * socket, so the test checks an order of events, not a time.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, expect, it } from 'vitest';
import { RobofyClient } from '../../src/api/client.js';
import { paginateLeads } from '../../src/api/paginate.js';
import { DEFAULT_TOKEN, startFakeApi, type FakeApi } from '../fake-api/server.js';

const SEND_HEADERS = 'undici:client:sendHeaders';
const open: FakeApi[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((api) => api.close()));
});

it('each next page is requested on the socket before the caller gets the page that named it', async () => {
  const api = await startFakeApi({ leads: 500, pageSize: 100, port: 0 });
  open.push(api);
  const events: string[] = [];
  let sent = 0;
  const onSend = (): void => {
    sent++;
    events.push(`request ${sent} sent`);
  };
  subscribe(SEND_HEADERS, onSend);
  const client = await RobofyClient.create({
    apiUrl: api.url,
    token: DEFAULT_TOKEN,
    userAgent: 'robofy-test',
    signal: new AbortController().signal,
    now: Date.now,
  });
  try {
    for await (const page of paginateLeads(client, { projectId: 12, chatbotId: 'abc' })) events.push(`page ${page.number} handed over`);
  } finally {
    unsubscribe(SEND_HEADERS, onSend);
    await client.close();
  }
  expect(events).toEqual([
    'request 1 sent',
    'request 2 sent',
    'page 1 handed over',
    'request 3 sent',
    'page 2 handed over',
    'request 4 sent',
    'page 3 handed over',
    'request 5 sent',
    'page 4 handed over',
    'page 5 handed over',
  ]);
  expect(api.leadRequests()).toHaveLength(5);
});
