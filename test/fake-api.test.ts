import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteWriter } from './fake-api/bytes.js';
import {
  DEFAULT_TOKEN,
  SESSION_IDS,
  VENDOR_EXAMPLE_BODY,
  decodePageToken,
  encodePageToken,
  formatLeadTime,
  generateLead,
  parseLeadTime,
  renderRowJson,
  startFakeApi,
  type FakeApi,
  type FakeApiOptions,
  type LeadGenOptions,
  type LeadRow,
} from './fake-api/server.js';

interface PageBody {
  message: string;
  data: {
    report: { columns: string[]; rows: LeadRow[]; next_page_token?: string | null };
    next_page_token?: string | null;
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const LEADS = '/v1/ai-agent/leads/12/abc';
const open: FakeApi[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((api) => api.close()));
});

async function fake(options: FakeApiOptions = {}): Promise<FakeApi> {
  const api = await startFakeApi(options);
  open.push(api);
  return api;
}

async function get(api: FakeApi, path: string, token: string | null = DEFAULT_TOKEN): Promise<Reply> {
  const res = await request(`${api.url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function page(reply: Reply): PageBody {
  expect(reply.status).toBe(200);
  return JSON.parse(reply.text) as PageBody;
}

function tokenOf(body: PageBody): string | null {
  return body.data.report.next_page_token ?? body.data.next_page_token ?? null;
}

function leadsUrl(token: string | null, extra = ''): string {
  return token === null ? `${LEADS}${extra === '' ? '' : `?${extra}`}` : `${LEADS}?nextPageToken=${encodeURIComponent(token)}${extra === '' ? '' : `&${extra}`}`;
}

/** Follows next_page_token to the end, as a minimal client would. */
async function pageAll(api: FakeApi, extra = ''): Promise<{ rows: LeadRow[]; pages: number }> {
  const rows: LeadRow[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const body = page(await get(api, leadsUrl(token, extra)));
    rows.push(...body.data.report.rows);
    token = tokenOf(body);
    pages++;
  } while (token !== null && token !== '');
  return { rows, pages };
}

function errorOf(reply: Reply): { code: string; detail: string } {
  const body = JSON.parse(reply.text) as { message: string; error: { code: string; detail: string } };
  expect(Object.keys(body)).toEqual(['message', 'error']);
  return body.error;
}

const ids = (rows: LeadRow[]): string[] => rows.map((r) => r.id);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

describe('generated leads', () => {
  it('are deterministic and shaped like the vendor rows', () => {
    const lead = generateLead(7);
    expect(lead).toEqual(generateLead(7));
    expect(lead.sessionId).toBe(SESSION_IDS[2]);
    expect(lead.row).toMatchObject({
      id: 'lead_8',
      created_at: '2025-01-15 10:37:00',
      source: 'chatbot',
      page_url: 'https://example.com/page/0',
      ip_address: '192.0.2.7',
    });
    expect(lead.row.lead_data.map((f) => f.field_name)).toEqual(['name', 'email', 'phone', 'message']);
    expect(lead.row.lead_data[2]?.field_value).toBe('+1 415 555 0007');
  });

  it('adds field_N and late fields', () => {
    const options: LeadGenOptions = { fields: 6, lateFields: { fromLead: 3, names: ['company', 'email'] } };
    expect(generateLead(2, options).row.lead_data.map((f) => f.field_name)).toEqual(['name', 'email', 'phone', 'message', 'field_5', 'field_6']);
    expect(generateLead(3, options).row.lead_data.map((f) => f.field_name)).toEqual([
      ...['name', 'email', 'phone', 'message', 'field_5', 'field_6'],
      ...['company', 'email'],
    ]);
  });

  it('render to the same JSON the objects stringify to', () => {
    const variants: LeadGenOptions[] = [
      {},
      { fields: 0 },
      { fields: 2 },
      { fields: 0, lateFields: { fromLead: 0, names: ['a "quoted" name', 'ünï'] } },
      { fields: 12, lateFields: { fromLead: 40, names: ['company', 'source'] }, startTime: '2024-12-31 23:58:30' },
    ];
    for (const options of variants) {
      for (const i of [0, 1, 4, 39, 40, 142, 143, 999, 1000, 123_456]) {
        expect(renderRowJson(i, options)).toBe(JSON.stringify(generateLead(i, options).row));
      }
    }
  });

  it('format times in the vendor form', () => {
    expect(formatLeadTime(Date.UTC(2025, 0, 15, 10, 30, 0))).toBe('2025-01-15 10:30:00');
    expect(parseLeadTime('2025-01-15 10:30:00')).toBe(Date.UTC(2025, 0, 15, 10, 30, 0));
    expect(parseLeadTime('2025-01-15T10:30:00Z')).toBe(Date.UTC(2025, 0, 15, 10, 30, 0));
  });
});

describe('ByteWriter', () => {
  it('never writes into a body it has lent, and recycles only its own buffers', () => {
    const w = new ByteWriter(16);
    w.begin();
    w.text('first body, longer than sixteen bytes');
    const first = w.finish();
    w.begin();
    w.bytes(Buffer.from('second'));
    w.uint(1234);
    w.uintPadded(7, 3);
    const second = w.finish();
    expect([first.toString(), second.toString()]).toEqual(['first body, longer than sixteen bytes', 'second1234007']);
    w.release(first);
    w.release(first); // twice: must not be handed out twice
    w.release(Buffer.from('not lent'));
    w.begin();
    w.text('third');
    const third = w.finish();
    w.begin();
    w.text('fourth');
    const fourth = w.finish();
    expect(third.buffer).toBe(first.buffer);
    expect(fourth.buffer).not.toBe(first.buffer);
    expect([second.toString(), fourth.toString()]).toEqual(['second1234007', 'fourth']);
  });
});

describe('page tokens', () => {
  it('are base64 of {"page":N}, like the vendor example', () => {
    expect(encodePageToken(2)).toBe('eyJwYWdlIjoyfQ==');
    expect(decodePageToken('eyJwYWdlIjoyfQ==')).toBe(2);
  });

  it('awkward tokens carry +, / and = and still decode', () => {
    for (const n of [1, 2, 10, 99, 100, 12_345]) {
      const token = encodePageToken(n, true);
      expect(token).toMatch(/\+/);
      expect(token).toMatch(/\//);
      expect(token).toMatch(/=$/);
      expect(decodePageToken(token)).toBe(n);
    }
  });

  it('reject anything that is not canonically ours', () => {
    const awkward = encodePageToken(3, true);
    for (const bad of ['', 'undefined', 'eyJwYWdlIjoyfQ', awkward.replace('+', ' '), Buffer.from('{"page":0}').toString('base64'), Buffer.from('[2]').toString('base64')]) {
      expect(decodePageToken(bad)).toBeNull();
    }
  });
});

describe('listing leads', () => {
  it('chains pages newest first to the end, every lead exactly once', async () => {
    const api = await fake();
    const { rows, pages } = await pageAll(api);
    expect(pages).toBe(3);
    expect(rows).toEqual(range(0, 25).reverse().map((i) => generateLead(i).row));
    expect(api.leadRequests().map((r) => r.query.nextPageToken)).toEqual([undefined, encodePageToken(2), encodePageToken(3)]);
  });

  it('pages oldest first with order asc, with late fields and extra fields', async () => {
    const options: FakeApiOptions = { leads: 30, pageSize: 7, order: 'asc', fields: 6, lateFields: { fromLead: 20, names: ['company'] } };
    const api = await fake(options);
    const { rows, pages } = await pageAll(api);
    expect(pages).toBe(5);
    expect(rows).toEqual(range(0, 30).map((i) => generateLead(i, options).row));
  });

  it('answers an empty list with one empty last page', async () => {
    const api = await fake({ leads: 0 });
    const body = page(await get(api, LEADS));
    expect(body.data.report.rows).toEqual([]);
    expect(body.data.report.next_page_token).toBeNull();
  });

  it.each([
    ['report', true, false],
    ['data', false, true],
    ['both', true, true],
  ] as const)('puts next_page_token in %s', async (tokenLocation, inReport, inData) => {
    const api = await fake({ tokenLocation });
    const body = page(await get(api, LEADS));
    expect('next_page_token' in body.data.report).toBe(inReport);
    expect('next_page_token' in body.data).toBe(inData);
    expect(tokenOf(body)).toBe(encodePageToken(2));
    expect((await pageAll(api)).rows).toHaveLength(25);
  });

  it.each([
    ['null', true, null],
    ['empty', true, ''],
    ['missing', false, undefined],
  ] as const)('signals the last page with a %s token', async (lastPageToken, present, value) => {
    const api = await fake({ lastPageToken, tokenLocation: 'both' });
    const last = page(await get(api, leadsUrl(encodePageToken(3))));
    expect(last.data.report.rows).toHaveLength(5);
    expect('next_page_token' in last.data.report).toBe(present);
    expect('next_page_token' in last.data).toBe(present);
    expect(last.data.report.next_page_token).toBe(value);
  });

  it('filters by sessionId', async () => {
    const api = await fake({ leads: 23, pageSize: 2 });
    const { rows } = await pageAll(api, `sessionId=${SESSION_IDS[3] ?? ''}`);
    expect(ids(rows)).toEqual(['lead_19', 'lead_14', 'lead_9', 'lead_4']);
    expect(rows[0]).not.toHaveProperty('session_id');
    expect((await pageAll(api, 'sessionId=00000000-0000-4000-8000-000000000000')).rows).toEqual([]);
  });

  it('serves awkward tokens that only work URL-encoded', async () => {
    const api = await fake({ awkwardTokens: true });
    const { rows } = await pageAll(api);
    expect(rows).toHaveLength(25);
    // A client that forgets to encode sends `+` as is, which the server reads as a space.
    const raw = await get(api, `${LEADS}?nextPageToken=${encodePageToken(2, true)}`);
    expect(raw.status).toBe(400);
    expect(errorOf(raw).code).toBe('BAD_REQUEST');
  });

  it('decodes path segments and project ids', async () => {
    const api = await fake({ projects: { '7': ['a/b c', 'UOmfsaU_vRhAfIwDFrFLoXZUz9nHBAkDNkDygeBCjw'] } });
    expect((await get(api, `/v1/ai-agent/leads/7/${encodeURIComponent('a/b c')}`)).status).toBe(200);
    expect((await get(api, '/v1/ai-agent/leads/007/UOmfsaU_vRhAfIwDFrFLoXZUz9nHBAkDNkDygeBCjw')).status).toBe(200);
  });

  it('shifts offsets when leads arrive while a client pages (a lead can be seen twice)', async () => {
    const api = await fake({ leads: 20, pageSize: 10 });
    const first = page(await get(api, LEADS));
    const [added] = api.addLeads(1);
    expect(added?.row.id).toBe('lead_21');
    expect(added?.row.created_at).toBe('2025-01-15 10:50:00');
    const second = page(await get(api, leadsUrl(tokenOf(first))));
    expect(ids(first.data.report.rows).at(-1)).toBe('lead_11');
    expect(ids(second.data.report.rows)[0]).toBe('lead_11');
    expect(tokenOf(second)).toBe(encodePageToken(3));
  });

  it('places a late lead by its created_at and keeps its session', async () => {
    const api = await fake({ leads: 10, order: 'asc' });
    const [late] = api.addLeads(1, { createdAt: '2025-01-15 10:33:30', fields: { message: 'late', company: 'ACME' } });
    const { rows } = await pageAll(api);
    expect(ids(rows)).toEqual(['lead_1', 'lead_2', 'lead_3', 'lead_4', 'lead_11', 'lead_5', 'lead_6', 'lead_7', 'lead_8', 'lead_9', 'lead_10']);
    expect(rows[4]).toEqual(late?.row);
    expect(rows[4]?.lead_data.find((f) => f.field_name === 'message')?.field_value).toBe('late');
    expect(rows[4]?.lead_data.at(-1)).toEqual({ field_name: 'company', field_type: 'text', field_value: 'ACME' });
    const session = await pageAll(api, `sessionId=${late?.sessionId ?? ''}`);
    expect(ids(session.rows)).toEqual(['lead_1', 'lead_11', 'lead_6']);
  });
});

describe('errors', () => {
  it('401 without a key or with a wrong one, 403 with the forbidden one', async () => {
    const api = await fake();
    for (const token of [null, 'nope']) {
      const reply = await get(api, LEADS, token);
      expect(reply.status).toBe(401);
      expect(reply.text).toBe('{"message":"Unauthorized","error":{"code":"UNAUTHORIZED","detail":"Authentication token is missing or invalid."}}');
    }
    const forbidden = await get(api, LEADS, 'forbidden-token-0000');
    expect(forbidden.status).toBe(403);
    expect(errorOf(forbidden).code).toBe('FORBIDDEN');
  });

  it('checks keys on the account endpoint too', async () => {
    const api = await fake({ token: 'my-key' });
    const ok = await get(api, '/v1/account/details', 'my-key');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ message: 'ok', data: { account: { name: 'Test' } } });
    expect((await get(api, '/v1/account/details', DEFAULT_TOKEN)).status).toBe(401);
    expect((await get(api, '/v1/account/details', 'forbidden-token-0000')).status).toBe(403);
  });

  it('404 for unknown paths, projects and chatbots', async () => {
    const api = await fake();
    const path = await get(api, '/v1/nothing');
    expect(path.status).toBe(404);
    expect(errorOf(path).code).toBe('NOT_FOUND');
    for (const p of ['/v1/ai-agent/leads/13/abc', '/v1/ai-agent/leads/12/abd']) {
      const reply = await get(api, p);
      expect(reply.status).toBe(404);
      expect(errorOf(reply).code).toBe('PROJECT_NOT_FOUND');
    }
  });

  it('400 for a non-integer project, the docs curl line, undefined values and bad tokens', async () => {
    const api = await fake();
    const cases: Array<[string, RegExp]> = [
      ['/v1/ai-agent/leads/twelve/abc', /projectId must be an integer/],
      ['/v1/ai-agent/leads//?nextPageToken=undefined&sessionId=undefined', /projectId must be an integer/],
      [`${LEADS}?nextPageToken=undefined`, /nextPageToken is the literal string "undefined"/],
      [`${LEADS}?sessionId=undefined`, /sessionId is the literal string "undefined"/],
      [`${LEADS}?nextPageToken=`, /nextPageToken is empty/],
      [`${LEADS}?nextPageToken=bm9wZQ%3D%3D`, /not a valid page token/],
    ];
    for (const [path, detail] of cases) {
      const reply = await get(api, path);
      expect(reply.status, path).toBe(400);
      expect(errorOf(reply).code).toBe('BAD_REQUEST');
      expect(errorOf(reply).detail).toMatch(detail);
    }
  });
});

describe('vendor-example fixture', () => {
  it('serves the documented body byte for byte, then an empty last page', async () => {
    const api = await fake({ fixture: 'vendor-example' });
    const first = await get(api, LEADS);
    expect(first.text).toBe(VENDOR_EXAMPLE_BODY);
    const body = page(first);
    expect(body.data.report.rows).toEqual([
      {
        id: 'lead_12345',
        created_at: '2025-01-15 10:30:00',
        source: 'chatbot',
        page_url: 'https://example.com/contact',
        ip_address: '192.168.1.1',
        lead_data: [
          { field_name: 'name', field_type: 'text', field_value: 'John Doe' },
          { field_name: 'email', field_type: 'email', field_value: 'john@example.com' },
        ],
      },
    ]);
    expect(tokenOf(body)).toBe('eyJwYWdlIjoyfQ==');
    const second = page(await get(api, leadsUrl('eyJwYWdlIjoyfQ==')));
    expect(second.data.report.rows).toEqual([]);
    expect(second.data.report.next_page_token).toBeNull();
  });
});

describe('faults', () => {
  it('status with Retry-After on the first attempt only', async () => {
    const api = await fake({ faults: [{ page: 2, attempt: 1, kind: 'status', status: 429, retryAfter: '3' }] });
    const token = encodePageToken(2);
    const limited = await get(api, leadsUrl(token));
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('3');
    expect(errorOf(limited).code).toBe('TOO_MANY_REQUESTS');
    expect((await get(api, leadsUrl(token))).status).toBe(200);
    api.setFaults([{ page: 2, attempt: 1, kind: 'status', status: 503, body: '<html>down</html>' }]);
    const down = await get(api, leadsUrl(token));
    expect([down.status, down.text]).toEqual([503, '<html>down</html>']);
  });

  it('destroy-mid-body and truncate fail the client mid-body', async () => {
    const api = await fake({ faults: [{ page: 1, attempt: 1, kind: 'destroy-mid-body' }, { page: 1, attempt: 2, kind: 'truncate' }] });
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await request(`${api.url}${LEADS}`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
      expect(res.statusCode).toBe(200);
      await expect(res.body.text()).rejects.toThrow();
    }
    expect((await pageAll(api)).rows).toHaveLength(25);
  });

  it('repeat-token, duplicate-rows and hostile rows change only what they say', async () => {
    const api = await fake({
      faults: [
        { page: 2, kind: 'repeat-token', token: encodePageToken(2) },
        { page: 3, kind: 'duplicate-rows' },
        { page: 1, kind: 'rows', rows: [null, 42, { id: 'x', lead_data: 'nope' }] },
      ],
    });
    const one = page(await get(api, LEADS));
    expect(one.data.report.rows).toEqual([null, 42, { id: 'x', lead_data: 'nope' }]);
    expect(tokenOf(one)).toBe(encodePageToken(2));
    expect(tokenOf(page(await get(api, leadsUrl(encodePageToken(2)))))).toBe(encodePageToken(2));
    const three = page(await get(api, leadsUrl(encodePageToken(3))));
    expect(ids(three.data.report.rows)).toEqual([...range(6, 16).reverse(), ...range(1, 6).reverse()].map((n) => `lead_${n}`));
  });

  it('raw bodies, redirects and slow bodies', async () => {
    const api = await fake({
      faults: [
        { page: 1, attempt: 1, kind: 'body', body: '<html>proxy</html>', status: 502, contentType: 'text/html' },
        { page: 1, attempt: 2, kind: 'redirect', location: '/elsewhere' },
        { page: 1, attempt: 3, kind: 'slow-body', ms: 120 },
      ],
    });
    const html = await get(api, LEADS);
    expect([html.status, html.headers['content-type'], html.text]).toEqual([502, 'text/html', '<html>proxy</html>']);
    const moved = await get(api, LEADS);
    expect([moved.status, moved.headers.location]).toEqual([302, '/elsewhere']);
    const started = Date.now();
    expect(page(await get(api, LEADS)).data.report.rows).toHaveLength(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('counts attempts per page until setFaults resets them', async () => {
    const api = await fake({ faults: [{ page: 1, attempt: 2, kind: 'status', status: 500 }] });
    expect((await get(api, LEADS)).status).toBe(200);
    expect((await get(api, LEADS)).status).toBe(500);
    expect((await get(api, LEADS)).status).toBe(200);
    api.setFaults([{ page: 1, attempt: 2, kind: 'status', status: 500 }]);
    expect((await get(api, LEADS)).status).toBe(200);
    expect((await get(api, LEADS)).status).toBe(500);
  });
});

describe('the server', () => {
  it('records requests with decoded queries and headers', async () => {
    const api = await fake({ awkwardTokens: true });
    const token = encodePageToken(2, true);
    await get(api, leadsUrl(token));
    await get(api, '/v1/account/details');
    expect(api.requests).toHaveLength(2);
    expect(api.leadRequests()).toHaveLength(1);
    const [rec] = api.leadRequests();
    expect(rec?.query).toEqual({ nextPageToken: token });
    expect(rec?.path).toBe(LEADS);
    expect(rec?.url).toBe(`${LEADS}?nextPageToken=${encodeURIComponent(token)}`);
    expect(rec?.headers.authorization).toBe(`Bearer ${DEFAULT_TOKEN}`);
  });

  it('keeps concurrent pages intact while their buffers are recycled', async () => {
    // Large pages, read late, over parallel connections: a sanity check of the buffer pool end to end.
    const api = await fake({ leads: 1200, pageSize: 200, fields: 10, order: 'asc' });
    for (let round = 0; round < 2; round++) {
      const bodies = await Promise.all(
        range(1, 7).map(async (n) => {
          const res = await request(`${api.url}${leadsUrl(n === 1 ? null : encodePageToken(n))}`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
          await new Promise((r) => setTimeout(r, 20));
          return JSON.parse(await res.body.text()) as PageBody;
        }),
      );
      expect(bodies.flatMap((b) => ids(b.data.report.rows))).toEqual(range(1, 1201).map((n) => `lead_${n}`));
    }
  });

  it('delays leads pages without blocking other requests', async () => {
    const api = await fake({ latencyMs: 300 });
    const started = Date.now();
    const slow = get(api, LEADS);
    expect((await get(api, '/v1/account/details')).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(250);
    expect((await slow).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('close() ends a request that hangs before its headers', async () => {
    const api = await startFakeApi({ faults: [{ page: 1, kind: 'hang-headers' }] });
    const hanging = request(`${api.url}${LEADS}`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
    const failed = expect(hanging).rejects.toThrow();
    while (api.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await api.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await failed;
  });
});
