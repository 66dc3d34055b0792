import { leadsPath, type LeadsQuery } from '../api/paginate.js';
import type { RobofyClient } from '../api/client.js';
import { parseLeadsPage } from '../api/leads-page.js';
import type { LeadsPage } from '../api/types.js';
import { ExitCode, RobofyError } from '../errors.js';

/** Where a poll gets its pages from; tests may pass their own. */
export type PageSource = (query: LeadsQuery) => AsyncIterable<LeadsPage>;

/** Far beyond any real listing; a runaway listing fails the poll rather than paging forever. */
const MAX_PAGES_PER_POLL = 1_000_000;

/**
 * The pages of one listing, one request at a time. Unlike `paginateLeads`
 * (built for exports, where overlapping the next request with writing pays
 * off), nothing is fetched ahead: a tail poll usually stops after its first
 * page, and a prefetched page it never reads would be a wasted request on
 * every poll.
 */
export function sequentialPages(client: RobofyClient): PageSource {
  return async function* pages(query: LeadsQuery): AsyncGenerator<LeadsPage> {
    const notFound = `project ${query.projectId} / chatbot ${query.chatbotId}`;
    const seen = new Set<string>();
    let token: string | null = null;
    for (let number = 1; ; number++) {
      const page = parseLeadsPage(await client.getJson({ path: leadsPath(query, token), notFound }));
      yield page;
      const next = page.nextPageToken;
      if (next === null) return;
      if (seen.has(next)) {
        const shown = next.length > 40 ? `${next.slice(0, 40)}…` : next;
        throw new RobofyError(`the API sent page token "${shown}" again after page ${number}: a pagination loop`, {
          code: 'PAGINATION_LOOP',
          exitCode: ExitCode.Api,
        });
      }
      if (number >= MAX_PAGES_PER_POLL) {
        throw new RobofyError(`a poll read ${MAX_PAGES_PER_POLL} pages without reaching the end of the listing`, {
          code: 'TOO_MANY_PAGES',
          exitCode: ExitCode.Api,
        });
      }
      seen.add(next);
      token = next;
    }
  };
}
