/**
 * Response bodies. A leads page is the hot path of the benchmark, so it is
 * written as bytes, row by row, instead of building one big object and
 * stringifying it.
 */
import { STATUS_CODES } from 'node:http';
import { utf8, type ByteWriter } from './bytes.js';
import type { RowWriter } from './leads.js';

export const LEADS_MESSAGE = 'Leads retrieved successfully.';
export const COLUMNS = ['id', 'created_at', 'source', 'page_url', 'ip_address', 'lead_data'] as const;

export type TokenLocation = 'report' | 'data' | 'both';
export type LastPageToken = 'null' | 'empty' | 'missing';

/**
 * The vendor's example 200 body, character for character as the reference
 * page prints it (one token per line), so `fixture: 'vendor-example'` proves
 * the client reads the documented shape, whitespace and all.
 */
export const VENDOR_EXAMPLE_BODY =
  '{\n"message": "Leads retrieved successfully.",\n"data": {\n"report": {\n"columns": [\n"id",\n"created_at",\n"source",\n"page_url",\n"ip_address",\n"lead_data"\n],\n"rows": [\n{\n"id": "lead_12345",\n"created_at": "2025-01-15 10:30:00",\n"source": "chatbot",\n"page_url": "https://example.com/contact",\n"ip_address": "192.168.1.1",\n"lead_data": [\n{\n"field_name": "name",\n"field_type": "text",\n"field_value": "John Doe"\n},\n{\n"field_name": "email",\n"field_type": "email",\n"field_value": "john@example.com"\n}\n]\n}\n],\n"next_page_token": "eyJwYWdlIjoyfQ=="\n}\n}\n}';

/** The example's one row and its token, for pages the fixture has to re-render (faults). */
export const VENDOR_EXAMPLE_ROW_JSON =
  '{"id":"lead_12345","created_at":"2025-01-15 10:30:00","source":"chatbot","page_url":"https://example.com/contact","ip_address":"192.168.1.1","lead_data":[{"field_name":"name","field_type":"text","field_value":"John Doe"},{"field_name":"email","field_type":"email","field_value":"john@example.com"}]}';
export const VENDOR_EXAMPLE_TOKEN = 'eyJwYWdlIjoyfQ==';

const PAGE_HEAD = utf8(`{"message":${JSON.stringify(LEADS_MESSAGE)},"data":{"report":{"columns":${JSON.stringify(COLUMNS)},"rows":[`);
const COMMA = utf8(',');

export interface PageShape {
  tokenLocation: TokenLocation;
  lastPageToken: LastPageToken;
}

/**
 * A row of a page: a base lead's index, written by the RowWriter straight into
 * the page, or ready JSON text (added leads, hostile rows from faults).
 */
export type RowRef = number | string;

/**
 * One leads page as bytes. `token` null means "last page", signalled the
 * configured way; a string token is always sent as given, wherever the
 * location says. The result is a view of `w`'s buffer: pass it to
 * `w.release()` once sent, or just drop it.
 */
export function renderLeadsPage(w: ByteWriter, rows: readonly RowRef[], token: string | null, shape: PageShape, writeRow: RowWriter): Buffer {
  const member = tokenMember(token, shape.lastPageToken);
  w.begin();
  w.bytes(PAGE_HEAD);
  rows.forEach((row, k) => {
    if (k > 0) w.bytes(COMMA);
    if (typeof row === 'number') writeRow(w, row);
    else w.text(row);
  });
  w.text(`]${shape.tokenLocation !== 'data' ? member : ''}}${shape.tokenLocation !== 'report' ? member : ''}}}`);
  return w.finish();
}

function tokenMember(token: string | null, last: LastPageToken): string {
  if (token !== null) return `,"next_page_token":${JSON.stringify(token)}`;
  if (last === 'missing') return '';
  return `,"next_page_token":${last === 'empty' ? '""' : 'null'}`;
}

/** The vendor's error code for a status, from the codes its docs show. */
export function errorCodeFor(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 429:
      return 'TOO_MANY_REQUESTS';
    default:
      return status >= 500 ? 'INTERNAL_SERVER_ERROR' : `HTTP_${status}`;
  }
}

/** `{"message":"Unauthorized","error":{"code":"UNAUTHORIZED","detail":"..."}}`: the vendor's error shape. */
export function errorBody(status: number, detail: string, code: string = errorCodeFor(status)): string {
  return JSON.stringify({ message: STATUS_CODES[status] ?? 'Error', error: { code, detail } });
}

export function defaultErrorDetail(status: number): string {
  switch (status) {
    case 401:
      return 'Authentication token is missing or invalid.';
    case 403:
      return 'This API key is not allowed to access this resource.';
    case 429:
      return 'Too many requests. Slow down and try again later.';
    default:
      return status >= 500 ? 'An unexpected error occurred. Please try again later.' : `Request failed with status ${status}.`;
  }
}
