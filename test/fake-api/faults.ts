/**
 * Injected failures for the leads endpoint: everything a real API, proxy or
 * network does to a client that the happy path never shows.
 */
import type { ServerResponse } from 'node:http';
import { defaultErrorDetail, errorBody, type RowRef } from './bodies.js';

/**
 * `page` is 1-based in the paging order of one listing; `attempt` is the
 * 1-based count of requests for that page (absent: every attempt).
 */
export type Fault = FaultKind & { chatbot?: string };

type FaultKind =
  | { page: number; attempt?: number; kind: 'status'; status: number; retryAfter?: string; body?: string }
  /** Headers and half the body, then the socket is destroyed. */
  | { page: number; attempt?: number; kind: 'destroy-mid-body' }
  /** 200 with the Content-Length of the whole body, only half of it sent, then the socket is ended. */
  | { page: number; attempt?: number; kind: 'truncate' }
  /** Never answer (until the server closes). */
  | { page: number; attempt?: number; kind: 'hang-headers' }
  /** Headers at once, the body in four chunks spread over `ms`. */
  | { page: number; attempt?: number; kind: 'slow-body'; ms: number }
  /** Any raw body (HTML, `{}`, rows not an array...); status 200 and JSON content type unless given. */
  | { page: number; attempt?: number; kind: 'body'; body: string | Buffer; status?: number; contentType?: string }
  /** The page's next_page_token is replaced by this literal token (also on the last page). */
  | { page: number; attempt?: number; kind: 'repeat-token'; token: string }
  /** The previous page's rows come again, before this page's own (page 1 repeats its own rows). */
  | { page: number; attempt?: number; kind: 'duplicate-rows' }
  | { page: number; attempt?: number; kind: 'redirect'; location: string }
  /** `count` leads are captured just before this page is listed (the newest, or all at `createdAt`). */
  | { page: number; attempt?: number; kind: 'capture'; count: number; createdAt?: string }
  /** The page's rows are replaced by these exact values (hostile input); the token is kept. */
  | { page: number; attempt?: number; kind: 'rows'; rows: unknown[] }
  /** A small gzip body that inflates to `decodedBytes` of spaces, whatever the request asked for. */
  | { page: number; attempt?: number; kind: 'gzip-bomb'; decodedBytes: number }
  /** The page encoded this way with its middle garbled, whatever the request asked for. */
  | { page: number; attempt?: number; kind: 'corrupt-encoding'; encoding: 'gzip' | 'deflate' | 'br' };

/** A page's rows and its token, null on the last page. */
export interface PageContent {
  rows: RowRef[];
  token: string | null;
}

export type Later = (ms: number, fn: () => void) => void;

export const JSON_TYPE = 'application/json; charset=utf-8';

/** `chatbot` (`PROJECT/CHATBOT`): a fault that names a chatbot hits only that chatbot's listing. */
export function findFault(faults: readonly Fault[], page: number, attempt: number, chatbot?: string): Fault | undefined {
  return faults.find(
    (f) => f.page === page && (f.attempt === undefined || f.attempt === attempt) && (f.chatbot === undefined || f.chatbot === chatbot),
  );
}

/** Faults that only change what a well-formed page says; the rest break the transport or the body. */
export function isContentFault(fault: Fault): fault is Extract<Fault, { kind: 'repeat-token' | 'duplicate-rows' | 'rows' }> {
  return fault.kind === 'repeat-token' || fault.kind === 'duplicate-rows' || fault.kind === 'rows';
}

export function modifyContent(
  fault: Extract<Fault, { kind: 'repeat-token' | 'duplicate-rows' | 'rows' }>,
  content: PageContent,
  previous: () => PageContent,
): PageContent {
  switch (fault.kind) {
    case 'repeat-token':
      return { rows: content.rows, token: fault.token };
    case 'duplicate-rows':
      return { rows: [...previous().rows, ...content.rows], token: content.token };
    case 'rows':
      // JSON.stringify(undefined) is undefined; a JSON array can only say null there.
      return { rows: fault.rows.map((r) => JSON.stringify(r) ?? 'null'), token: content.token };
  }
}

/** Answer (or refuse to answer) with a transport or body fault. `body` is the page that would have been sent. */
export function serveFault(
  fault: Exclude<Fault, { kind: 'repeat-token' | 'duplicate-rows' | 'rows' | 'gzip-bomb' | 'corrupt-encoding' }>,
  res: ServerResponse,
  body: () => Buffer,
  later: Later,
): void {
  switch (fault.kind) {
    case 'status':
      return serveStatus(res, fault.status, fault.body ?? errorBody(fault.status, defaultErrorDetail(fault.status)), fault.retryAfter);
    case 'body':
      return send(res, fault.status ?? 200, fault.body, fault.contentType ?? JSON_TYPE);
    case 'redirect':
      res.writeHead(302, { location: fault.location, 'content-length': '0' });
      res.end();
      return;
    case 'hang-headers':
      // Deliberately nothing: close() destroys the socket.
      return;
    case 'destroy-mid-body':
      return sendHalf(res, body(), (socket) => socket.destroy());
    case 'truncate':
      return sendHalf(res, body(), (socket) => socket.end());
    case 'slow-body':
      return sendSlowly(res, body(), fault.ms, later);
  }
}

/** `onSent` runs once the socket has taken every byte (not if the connection dies first). */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType = JSON_TYPE,
  extra: Record<string, string> = {},
  onSent?: () => void,
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...extra, 'content-type': contentType, 'content-length': String(bytes.length) });
  if (onSent === undefined) res.end(bytes);
  else res.end(bytes, onSent);
}

function serveStatus(res: ServerResponse, status: number, body: string, retryAfter: string | undefined): void {
  send(res, status, body, JSON_TYPE, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
}

/** Promise the whole body, deliver half, then cut the connection the given way. */
function sendHalf(res: ServerResponse, body: Buffer, cut: (socket: NonNullable<ServerResponse['socket']>) => void): void {
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(body.length) });
  // Cut only once the half is flushed, so the client really sees a body that stops short.
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
    if (res.socket !== null) cut(res.socket);
  });
}

function sendSlowly(res: ServerResponse, body: Buffer, ms: number, later: Later): void {
  const chunks = 4;
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': String(body.length) });
  res.flushHeaders();
  for (let k = 0; k < chunks; k++) {
    const chunk = body.subarray(Math.floor((body.length * k) / chunks), Math.floor((body.length * (k + 1)) / chunks));
    later((ms * (k + 1)) / chunks, () => {
      if (res.destroyed) return;
      if (k === chunks - 1) res.end(chunk);
      else res.write(chunk);
    });
  }
}
