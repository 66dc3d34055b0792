import { ExitCode, RobofyError } from '../errors.js';
import { apiPath, type RobofyClient } from './client.js';
import { parseLeadsPage, peekNextPageToken } from './leads-page.js';
import { scanPage } from './page-scan.js';
import { ScannedPage } from './scanned-page.js';
import { parseUtf8Json } from './utf8-json.js';
import type { LeadsPage } from './types.js';

export interface LeadsQuery {
  projectId: number;
  chatbotId: string;
  sessionId?: string | undefined;
}

export interface PageOptions {
  /** Start from this token instead of the first page (resuming). */
  startToken?: string | null | undefined;
  /** Tokens already followed before this listing was resumed: seeing one again is a loop too. */
  knownTokens?: readonly string[] | undefined;
  /**
   * Ask for page n+1 while page n is being used (default). A caller that
   * usually stops after a page or two (a tail poll) turns it off, or every
   * stop costs a request nobody reads.
   */
  prefetch?: boolean | undefined;
  /** Fail rather than page forever through a runaway listing. */
  maxPages?: number | undefined;
  /**
   * Read pages with scanPage where it can: their rows are then ScannedLeads,
   * which only a sink that `takesScanned` can write.
   */
  scan?: boolean | undefined;
}

export interface FetchedPage extends LeadsPage {
  /** 1-based position of this page in the run. */
  number: number;
  /** The token this page was fetched with (null for the first page). */
  token: string | null;
}

export const DEFAULT_MAX_PAGES = 1_000_000;

export function leadsPath(query: LeadsQuery, token: string | null): string {
  return apiPath(['v1', 'ai-agent', 'leads', query.projectId, query.chatbotId], {
    nextPageToken: token ?? undefined,
    sessionId: query.sessionId,
  });
}

/**
 * Every page of one listing, in order. Each page is parsed whole before it is
 * yielded, and the next one is already being fetched while the caller writes
 * this one: pages are sequential (each token comes from the previous page),
 * so this overlap is the only parallelism there is. While the caller waits
 * for a page, the next request goes out as soon as that page's token can be
 * read from its bytes, before the page is parsed (see peekNextPageToken); if
 * the parsed page names another token, that request is cancelled and the
 * right one made.
 */
export async function* paginateLeads(
  client: RobofyClient,
  query: LeadsQuery,
  options: PageOptions = {},
): AsyncGenerator<FetchedPage> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const prefetch = options.prefetch ?? true;
  const seen = new Set<string>(options.knownTokens);
  const notFound = `project ${query.projectId} / chatbot ${query.chatbotId}`;
  let token = options.startToken ?? null;
  if (token !== null) seen.add(token);
  // The page the loop is waiting for (0: none) and the request made early for the one after it.
  let awaited = 0;
  let early: EarlyRequest | undefined;
  const fetchNumbered = (pageToken: string | null, number: number): InFlight =>
    fetchPage(client, query, pageToken, notFound, prefetch ? (body) => askEarly(body, number) : undefined, options.scan === true);
  // Only for the awaited page: read-ahead stays one page, however slow the caller.
  const askEarly = (body: Buffer, number: number): boolean => {
    if (number !== awaited) return false;
    const next = peekNextPageToken(body);
    if (next === early?.token) return false;
    early?.fetch.cancel();
    early = next === undefined || seen.has(next) || number >= maxPages ? undefined : { token: next, fetch: fetchNumbered(next, number + 1) };
    return early !== undefined;
  };
  let pending: InFlight | undefined = fetchNumbered(token, 1);
  try {
    for (let number = 1; pending; number++) {
      awaited = number;
      const page: LeadsPage = await pending.result;
      awaited = 0;
      pending = undefined;
      const next: string | null = page.nextPageToken;
      const asked: EarlyRequest | undefined = early;
      early = undefined;
      if (asked !== undefined && asked.token !== next) asked.fetch.cancel();
      if (next !== null) {
        if (seen.has(next)) throw loopError(next, number);
        if (number >= maxPages) throw tooManyPages(maxPages);
        seen.add(next);
        if (prefetch) pending = asked !== undefined && asked.token === next ? asked.fetch : fetchNumbered(next, number + 1);
      }
      yield { ...page, number, token };
      if (next !== null && !prefetch) pending = fetchNumbered(next, number + 1);
      token = next;
    }
  } finally {
    pending?.cancel();
    early?.fetch.cancel();
  }
}

interface InFlight {
  result: Promise<LeadsPage>;
  cancel(): void;
}

/** A request made from a token read before its page was parsed. */
interface EarlyRequest {
  token: string;
  fetch: InFlight;
}

function fetchPage(
  client: RobofyClient,
  query: LeadsQuery,
  token: string | null,
  notFound: string,
  onBody: ((body: Buffer) => boolean) | undefined,
  scan: boolean,
): InFlight {
  const controller = new AbortController();
  const result = client
    .getJson({
      path: leadsPath(query, token),
      notFound,
      signal: controller.signal,
      ...(onBody ? { onBody } : {}),
      ...(scan ? { parse: scanOrParse } : {}),
    })
    .then((body) => (body instanceof ScannedPage ? body : parseLeadsPage(body)));
  // A prefetch the caller never reads (it stopped early) must not surface as an unhandled rejection.
  result.catch(() => undefined);
  return { result, cancel: () => controller.abort('cancelled') };
}

/** A page scanned, or else parsed as any body is (parseLeadsPage then checks it as always). */
function scanOrParse(body: Buffer): unknown {
  return scanPage(body) ?? parseUtf8Json(body);
}

function loopError(token: string, page: number): RobofyError {
  const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token;
  return new RobofyError(`the API sent page token "${shown}" again after page ${page}: a pagination loop; stopping`, {
    code: 'PAGINATION_LOOP',
    exitCode: ExitCode.Api,
  });
}

function tooManyPages(maxPages: number): RobofyError {
  return new RobofyError(`stopped after ${maxPages} pages; raise --max-pages if the listing really is that long`, {
    code: 'TOO_MANY_PAGES',
    exitCode: ExitCode.Api,
  });
}
