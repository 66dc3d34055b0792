import { paginateLeads, type LeadsQuery } from '../api/paginate.js';
import type { RobofyClient } from '../api/client.js';
import { invalidUtf8Check } from '../api/leads-page.js';
import type { LeadsPage } from '../api/types.js';

/** Where a poll gets its pages from; tests may pass their own. */
export type PageSource = (query: LeadsQuery) => AsyncIterable<LeadsPage>;

/**
 * The pages of one listing, one request at a time: a tail poll usually stops
 * after its first page, and a page fetched ahead that it never reads would
 * be a wasted request on every poll.
 */
export function sequentialPages(client: RobofyClient): PageSource {
  return (query) => paginateLeads(client, query, { prefetch: false });
}

/** The source's pages as they come, warning once of a body that held bytes that are not UTF-8. */
export function checkedPages(source: PageSource, warn: (message: string) => void): PageSource {
  const check = invalidUtf8Check(warn);
  return async function* (query) {
    for await (const page of source(query)) {
      check(page);
      yield page;
    }
  };
}
