import type { LeadsQuery } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import { ExitCode, RobofyError } from '../errors.js';
import { chatbotKey } from '../leads/chatbot-list.js';
import { stampOrigin } from '../leads/lead-origin.js';
import { followLeads, type FollowEvent, type FollowOptions } from './follow-leads.js';

export interface FollowManyOptions extends Omit<FollowOptions, 'query' | 'onEvent'> {
  queries: readonly LeadsQuery[];
  onEvent?: ((index: number, event: FollowEvent) => void) | undefined;
}

/**
 * Several chatbots followed at once: one poll loop per chatbot (each with
 * its own window, so every guarantee of a single tail holds for each),
 * sharing the client. Each poll's leads carry their origin and are printed
 * whole, one poll at a time. `count` is the total over all chatbots. A
 * chatbot whose loop ends in an error (a rejected key, a chatbot not found)
 * ends them all, with that error naming the chatbot.
 */
export async function followMany(options: FollowManyOptions): Promise<number> {
  const { queries, count, print, onEvent, ...shared } = options;
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  let printed = 0;
  let printing = Promise.resolve();
  const printFor = (query: LeadsQuery) => (leads: readonly Lead[]): Promise<void> => {
    printing = printing.then(async () => {
      if (stop.signal.aborted) return;
      const batch = count === undefined ? leads : leads.slice(0, count - printed);
      stampOrigin(batch, query);
      await print(batch);
      printed += batch.length;
      if (count !== undefined && printed >= count) stop.abort('count reached');
    });
    return printing;
  };
  const loops = queries.map((query, index) =>
    followLeads({
      ...shared,
      query,
      signal,
      print: printFor(query),
      onEvent: onEvent && ((event) => onEvent(index, event)),
    }).catch((error: unknown) => {
      const failure = error instanceof RobofyError && error !== stop.signal.reason ? naming(query, error) : error;
      if (!stop.signal.aborted) stop.abort(failure);
      throw failure;
    }),
  );
  const settled = await Promise.allSettled(loops);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw stop.signal.reason instanceof Error ? stop.signal.reason : failed.reason;
  return printed;
}

function naming(query: LeadsQuery, error: RobofyError): RobofyError {
  if (error.exitCode === ExitCode.Interrupted || error.exitCode === ExitCode.BrokenPipe) return error;
  return new RobofyError(`${chatbotKey(query)}: ${error.message}`, { code: error.code, exitCode: error.exitCode, cause: error });
}
