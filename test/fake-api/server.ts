/**
 * A fake Robofy API: a real HTTP server on 127.0.0.1 that honours every shape
 * the vendor documents (and the ones it leaves open), so the CLI is tested
 * through real sockets rather than mocks. No vitest imports: the benchmark and
 * `main.ts` run it from dist/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  VENDOR_EXAMPLE_BODY,
  VENDOR_EXAMPLE_ROW_JSON,
  VENDOR_EXAMPLE_TOKEN,
  defaultErrorDetail,
  errorBody,
  renderLeadsPage,
  type LastPageToken,
  type PageShape,
  type TokenLocation,
} from './bodies.js';
import { JSON_TYPE, findFault, isContentFault, modifyContent, send, serveFault, type Fault, type PageContent } from './faults.js';
import { ByteWriter } from './bytes.js';
import { corrupt, encode, gzipBomb, negotiate, writePaced, type Encoding } from './encoding.js';
import { DEFAULT_START_TIME, MINUTE_MS, createLeadGenerator, createRowWriter, parseLeadTime, type GeneratedLead, type LeadGenOptions, type RowWriter } from './leads.js';
import { LeadStore, type AddOptions } from './store.js';
import { decodePageToken, encodePageToken } from './tokens.js';

export type { Fault, PageContent } from './faults.js';
export type { Encoding } from './encoding.js';
export type { LastPageToken, TokenLocation } from './bodies.js';
export { VENDOR_EXAMPLE_BODY, VENDOR_EXAMPLE_TOKEN, errorBody } from './bodies.js';
export {
  SESSION_IDS,
  createLeadGenerator,
  createRowWriter,
  formatLeadTime,
  generateLead,
  parseLeadTime,
  renderRowJson,
  type GeneratedLead,
  type LeadFieldRow,
  type LeadGenOptions,
  type LeadRow,
} from './leads.js';
export { decodePageToken, encodePageToken } from './tokens.js';

export interface FakeApiOptions {
  /** Accepted bearer key; default 'test-token-1234567890'. */
  token?: string;
  /** A key that gets 403 FORBIDDEN; default 'forbidden-token-0000'. */
  forbiddenToken?: string;
  /** Existing project id -> chatbot ids; default { '12': ['abc'] }. */
  projects?: Record<string, string[]>;
  /** How many generated leads; default 25. */
  leads?: number;
  /** Default 10. */
  pageSize?: number;
  /** By created_at; default 'desc' (newest first). */
  order?: 'asc' | 'desc';
  /** Where next_page_token goes; default 'report'. */
  tokenLocation?: TokenLocation;
  /** How the end is signalled; default 'null'. */
  lastPageToken?: LastPageToken;
  /** lead_data fields per lead; default 4 (name, email, phone, message, then field_5...). */
  fields?: number;
  /** Leads with index >= fromLead (capture order) also carry these fields. */
  lateFields?: { fromLead: number; names: string[] };
  /** Delay before answering each leads page. */
  latencyMs?: number;
  /** Serve exactly the vendor's example body as page 1, then an empty last page. */
  fixture?: 'vendor-example';
  faults?: Fault[];
  /** created_at of lead 0; default '2025-01-15 10:30:00'; lead i is i spacings later. */
  startTime?: string;
  /** Between two consecutive leads; default a minute. */
  spacingMs?: number;
  /** Tokens that contain `+`, `/` and `=` (see tokens.ts), to prove the client URL-encodes them. */
  awkwardTokens?: boolean;
  /** Listen on IPv4 or IPv6 loopback; default '127.0.0.1'. */
  host?: '127.0.0.1' | '::1';
  /** Serve HTTPS with this key and certificate (PEM); the URL is then https://127.0.0.1:PORT. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Compress leads pages this way when the request's Accept-Encoding allows it; default: never. */
  compression?: Encoding;
  /** Send every leads page no faster than this, as a slow link would (per connection: pages on one are sequential). */
  bytesPerSecond?: number;
  /**
   * Chatbots with a listing of their own, by `PROJECT/CHATBOT` (they exist,
   * whatever `projects` says): how many leads and which fields. Every other
   * chatbot serves the shared listing above.
   */
  chatbots?: Record<string, ChatbotListing>;
}

export interface ChatbotListing extends LeadGenOptions {
  /** Default 25. */
  leads?: number;
}

export interface RecordedRequest {
  method: string;
  /** As received: path and query string, still percent-encoded. */
  url: string;
  /** The raw path, still percent-encoded. */
  path: string;
  /** Decoded query parameters (the last one wins if a name repeats). */
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** performance.now() when the request arrived, and when its response began (or the socket closed unanswered). */
  receivedAt: number;
  answeredAt?: number;
}

export interface FakeApi {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** Only leads-endpoint requests. */
  leadRequests(): RecordedRequest[];
  /** Capture new leads now: the newest, unless createdAt is given (a "late" lead); `chatbot` names an own listing. */
  addLeads(count: number, opts?: AddOptions & { chatbot?: string }): GeneratedLead[];
  /** Replace faults and reset attempt counters. */
  setFaults(faults: Fault[]): void;
  /** Connections accepted so far (TLS handshakes, when serving HTTPS). */
  connections(): number;
  /** Stop, destroying open sockets (a hanging request does not block it). */
  close(): Promise<void>;
}

export const DEFAULT_TOKEN = 'test-token-1234567890';
export const DEFAULT_FORBIDDEN_TOKEN = 'forbidden-token-0000';
export const DEFAULT_PROJECTS: Readonly<Record<string, string[]>> = { '12': ['abc'] };

const LEADS_PREFIX = '/v1/ai-agent/leads/';
const VENDOR_EXAMPLE_BYTES = Buffer.from(VENDOR_EXAMPLE_BODY);

interface Config {
  token: string;
  forbiddenToken: string;
  projects: Map<string, Set<string>>;
  pageSize: number;
  order: 'asc' | 'desc';
  shape: PageShape;
  latencyMs: number;
  fixture: boolean;
  awkwardTokens: boolean;
  compression: Encoding | undefined;
  bytesPerSecond: number | undefined;
}

/** A request that passed auth and validation: what to serve. */
interface PageRequest {
  page: number;
  sessionId: string | undefined;
  /** `PROJECT/CHATBOT`, canonical. */
  chatbot: string;
}

interface Listing {
  store: LeadStore;
  writeRow: RowWriter;
}

export async function startFakeApi(options: FakeApiOptions & { port?: number } = {}): Promise<FakeApi> {
  const api = new FakeApiServer(options);
  await api.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return api;
}

class FakeApiServer implements FakeApi {
  url = '';
  readonly requests: RecordedRequest[] = [];
  private faults: Fault[];
  private attempts = new Map<number | string, number>();
  private readonly config: Config;
  private readonly store: LeadStore;
  private readonly writeRow: RowWriter;
  private readonly own = new Map<string, Listing>();
  /** Scratch for rendering pages; rendering is synchronous, so one is enough. */
  private readonly writer = new ByteWriter();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly scheme: 'http' | 'https';
  private accepted = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: FakeApiOptions) {
    this.config = resolveConfig(options);
    this.faults = options.faults ?? [];
    const leads = options.leads ?? 25;
    if (!Number.isSafeInteger(leads) || leads < 0) throw new RangeError(`leads must be a non-negative integer, got ${leads}`);
    this.store = new LeadStore(
      leads,
      parseLeadTime(options.startTime ?? DEFAULT_START_TIME),
      createLeadGenerator(options),
      options.spacingMs ?? MINUTE_MS,
    );
    this.writeRow = createRowWriter(options);
    for (const [key, listing] of Object.entries(options.chatbots ?? {})) {
      const own = { ...options, ...listing };
      this.own.set(key, {
        store: new LeadStore(listing.leads ?? 25, parseLeadTime(own.startTime ?? DEFAULT_START_TIME), createLeadGenerator(own), own.spacingMs ?? MINUTE_MS),
        writeRow: createRowWriter(own),
      });
      const [project = '', chatbot = ''] = key.split('/');
      const chatbots = this.config.projects.get(canonicalProjectId(project)) ?? new Set<string>();
      this.config.projects.set(canonicalProjectId(project), chatbots.add(chatbot));
    }
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    this.scheme = options.tls ? 'https' : 'http';
    this.server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createServer(handler);
    this.server.on(options.tls ? 'secureConnection' : 'connection', () => this.accepted++);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const shownHost = host.includes(':') ? `[${host}]` : host;
        this.url = `${this.scheme}://${shownHost}:${(this.server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  leadRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(LEADS_PREFIX));
  }

  addLeads(count: number, opts: AddOptions & { chatbot?: string } = {}): GeneratedLead[] {
    const { chatbot, ...add } = opts;
    if (chatbot === undefined) return this.store.add(count, add);
    const own = this.own.get(chatbot);
    if (own === undefined) throw new Error(`no own listing for chatbot ${chatbot}`);
    return own.store.add(count, add);
  }

  connections(): number {
    return this.accepted;
  }

  setFaults(faults: Fault[]): void {
    this.faults = faults;
    this.attempts = new Map();
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // server.close() alone waits for in-flight requests; a hung one would never end.
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }

  /** setTimeout that close() can cancel, so no timer outlives the server. */
  private later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  };

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const rec = recordRequest(req);
    this.requests.push(rec);
    // Answered when the status line is written (the client cannot see it sooner), or when the socket closes unanswered.
    const writeHead = res.writeHead.bind(res);
    res.writeHead = ((...args: Parameters<typeof res.writeHead>) => {
      rec.answeredAt ??= performance.now();
      return writeHead(...args);
    }) as typeof res.writeHead;
    res.once('close', () => (rec.answeredAt ??= performance.now()));
    if (rec.path === '/v1/account/details') return this.accountDetails(req, res);
    if (rec.path.startsWith(LEADS_PREFIX)) {
      const segments = rec.path.slice(LEADS_PREFIX.length).split('/');
      if (segments.length === 2) return this.leads(req, res, segments[0] ?? '', segments[1] ?? '');
    }
    sendError(res, 404, `No such endpoint: ${req.method ?? 'GET'} ${rec.path}`);
  }

  private accountDetails(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') return sendError(res, 405, `Use GET for ${req.url ?? ''}.`);
    if (!this.authorized(req, res)) return;
    send(res, 200, JSON.stringify({ message: 'ok', data: { account: { name: 'Test' } } }));
  }

  /** Answers 401/403 itself and returns false when the key is not the accepted one. */
  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
    const key = match?.[1];
    if (key === this.config.token) return true;
    if (key !== undefined && key === this.config.forbiddenToken) sendError(res, 403, defaultErrorDetail(403));
    else sendError(res, 401, defaultErrorDetail(401));
    return false;
  }

  private leads(req: IncomingMessage, res: ServerResponse, rawProject: string, rawChatbot: string): void {
    if (req.method !== 'GET') return sendError(res, 405, 'Use GET to list leads.');
    if (!this.authorized(req, res)) return;
    const parsed = this.parseLeadsRequest(rawProject, rawChatbot, req.url ?? '');
    if ('status' in parsed) return sendError(res, parsed.status, parsed.detail, parsed.code);
    // Attempts are counted per page of each chatbot; a fault naming a chatbot hits only its listing.
    const attemptKey = this.own.size > 0 ? `${parsed.chatbot}#${parsed.page}` : parsed.page;
    const attempt = (this.attempts.get(attemptKey) ?? 0) + 1;
    this.attempts.set(attemptKey, attempt);
    const fault = findFault(this.faults, parsed.page, attempt, parsed.chatbot);
    // Leads captured between two page requests shift the listing under the client.
    if (fault?.kind === 'capture') this.store.add(fault.count, fault.createdAt === undefined ? {} : { createdAt: fault.createdAt });
    const answer = (): void => this.answerLeads(res, parsed, fault);
    if (this.config.latencyMs > 0) this.later(this.config.latencyMs, answer);
    else answer();
  }

  /** Validation in the order a real API would likely apply it: path, then project, then query. */
  private parseLeadsRequest(rawProject: string, rawChatbot: string, url: string): PageRequest | { status: number; detail: string; code?: string } {
    const projectId = decodeSegment(rawProject);
    const chatbotId = decodeSegment(rawChatbot);
    if (projectId === null || chatbotId === null) return { status: 400, detail: 'The path is not valid percent-encoding.' };
    if (!/^-?\d+$/.test(projectId)) return { status: 400, detail: `projectId must be an integer, got ${JSON.stringify(projectId)}.` };
    if (chatbotId === '') return { status: 400, detail: 'chatbotId is required.' };
    const chatbots = this.config.projects.get(canonicalProjectId(projectId));
    if (chatbots === undefined) return { status: 404, code: 'PROJECT_NOT_FOUND', detail: `Project ${projectId} was not found.` };
    if (!chatbots.has(chatbotId)) return { status: 404, code: 'PROJECT_NOT_FOUND', detail: `Chatbot ${JSON.stringify(chatbotId)} was not found in project ${projectId}.` };
    const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    const token = queryParam(query, 'nextPageToken');
    const sessionId = queryParam(query, 'sessionId');
    if (typeof token === 'object') return token;
    if (typeof sessionId === 'object') return sessionId;
    const page = token === undefined ? 1 : decodePageToken(token);
    if (page === null) return { status: 400, detail: `nextPageToken ${JSON.stringify(token)} is not a valid page token.` };
    return { page, sessionId, chatbot: `${canonicalProjectId(projectId)}/${chatbotId}` };
  }

  private answerLeads(res: ServerResponse, req: PageRequest, fault: Fault | undefined): void {
    if (res.destroyed) return;
    if (fault === undefined || fault.kind === 'capture') return this.sendPage(res, this.body(req, this.content(req)));
    if (isContentFault(fault)) {
      const previous = (): PageContent => this.content({ ...req, page: Math.max(1, req.page - 1) });
      return this.sendPage(res, this.render(modifyContent(fault, this.content(req), previous), req.chatbot));
    }
    if (fault.kind === 'gzip-bomb') return this.sendEncoded(res, gzipBomb(fault.decodedBytes), 'gzip');
    if (fault.kind === 'corrupt-encoding') {
      const page = this.body(req, this.content(req));
      return this.sendEncoded(res, corrupt(encode(page, fault.encoding)), fault.encoding, () => this.writer.release(page));
    }
    serveFault(fault, res, () => this.body(req, this.content(req)), this.later);
  }

  private sendPage(res: ServerResponse, body: Buffer): void {
    // Recycle the page's buffer once sent; release() ignores bodies the writer did not lend (the fixture's).
    const release = (): void => this.writer.release(body);
    const encoding = negotiate(res.req.headers['accept-encoding'], this.config.compression);
    if (encoding === undefined) return this.sendBody(res, body, {}, release);
    const encoded = encode(body, encoding);
    release();
    this.sendBody(res, encoded, { 'content-encoding': encoding, vary: 'accept-encoding' });
  }

  private sendEncoded(res: ServerResponse, body: Buffer, encoding: Encoding, onSent?: () => void): void {
    this.sendBody(res, body, { 'content-encoding': encoding }, onSent);
  }

  /** A 200 JSON body, paced when the fake models a slow link. */
  private sendBody(res: ServerResponse, body: Buffer, headers: Record<string, string>, onSent?: () => void): void {
    const rate = this.config.bytesPerSecond;
    if (rate === undefined) return send(res, 200, body, JSON_TYPE, headers, onSent);
    res.writeHead(200, { ...headers, 'content-type': JSON_TYPE, 'content-length': String(body.length) });
    writePaced(res, body, rate, this.later, onSent);
  }

  /** The page as it goes out; the fixture's first page exactly as the vendor printed it. */
  private body({ page, chatbot }: PageRequest, content: PageContent): Buffer {
    return this.config.fixture && page === 1 ? VENDOR_EXAMPLE_BYTES : this.render(content, chatbot);
  }

  private render(content: PageContent, chatbot?: string): Buffer {
    const writeRow = (chatbot === undefined ? undefined : this.own.get(chatbot)?.writeRow) ?? this.writeRow;
    return renderLeadsPage(this.writer, content.rows, content.token, this.config.shape, writeRow);
  }

  private content({ page, sessionId, chatbot }: PageRequest): PageContent {
    if (this.config.fixture) return page === 1 ? { rows: [VENDOR_EXAMPLE_ROW_JSON], token: VENDOR_EXAMPLE_TOKEN } : { rows: [], token: null };
    const { pageSize, order, awkwardTokens } = this.config;
    const listing = (this.own.get(chatbot)?.store ?? this.store).listing(sessionId);
    const offset = (page - 1) * pageSize;
    const rows =
      order === 'asc'
        ? listing.rows(offset, offset + pageSize)
        : listing.rows(listing.total - offset - pageSize, listing.total - offset).reverse();
    return {
      rows,
      token: offset + pageSize < listing.total ? encodePageToken(page + 1, awkwardTokens) : null,
    };
  }
}

function resolveConfig(options: FakeApiOptions): Config {
  const pageSize = options.pageSize ?? 10;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  const projects = new Map<string, Set<string>>();
  for (const [id, chatbots] of Object.entries(options.projects ?? DEFAULT_PROJECTS)) projects.set(canonicalProjectId(id), new Set(chatbots));
  return {
    token: options.token ?? DEFAULT_TOKEN,
    forbiddenToken: options.forbiddenToken ?? DEFAULT_FORBIDDEN_TOKEN,
    projects,
    pageSize,
    order: options.order ?? 'desc',
    shape: { tokenLocation: options.tokenLocation ?? 'report', lastPageToken: options.lastPageToken ?? 'null' },
    latencyMs: options.latencyMs ?? 0,
    fixture: options.fixture === 'vendor-example',
    awkwardTokens: options.awkwardTokens ?? false,
    compression: options.compression,
    bytesPerSecond: options.bytesPerSecond,
  };
}

/** `012` and `12` name the same integer project. */
function canonicalProjectId(id: string): string {
  return /^-?\d+$/.test(id) ? BigInt(id).toString() : id;
}

function decodeSegment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * A query parameter's value, or a 400 for values a correct client never
 * sends: the docs' curl line sends the literal `undefined`, and an empty or
 * repeated parameter means the client built its query wrong.
 */
function queryParam(query: URLSearchParams, name: string): string | undefined | { status: number; detail: string } {
  const values = query.getAll(name);
  if (values.length === 0) return undefined;
  if (values.length > 1) return { status: 400, detail: `${name} was given ${values.length} times.` };
  const value = values[0] ?? '';
  if (value === 'undefined') return { status: 400, detail: `${name} is the literal string "undefined"; omit the parameter when it has no value.` };
  if (value === '') return { status: 400, detail: `${name} is empty; omit the parameter when it has no value.` };
  return value;
}

function recordRequest(req: IncomingMessage): RecordedRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    url,
    path: q < 0 ? url : url.slice(0, q),
    query: Object.fromEntries(new URLSearchParams(q < 0 ? '' : url.slice(q + 1))),
    headers: { ...req.headers },
    receivedAt: performance.now(),
  };
}

function sendError(res: ServerResponse, status: number, detail: string, code?: string): void {
  send(res, status, errorBody(status, detail, code));
}
