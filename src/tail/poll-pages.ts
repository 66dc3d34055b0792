import { paginateLeads, type LeadsQuery } from '../api/paginate.js';
import type { RobofyClient } from '../api/client.js';
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
