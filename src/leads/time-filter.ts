import type { Lead } from '../api/types.js';
import { parseLeadTime } from './time.js';

export interface TimeBounds {
  /** Inclusive, epoch ms. */
  since?: number | undefined;
  /** Exclusive, epoch ms. */
  until?: number | undefined;
}

/**
 * A predicate keeping leads created in [since, until), or undefined when
 * there is no bound to apply. A lead whose `created_at` does not parse is
 * kept, never silently dropped, and passed to `onUnparsable` so the caller
 * can report it.
 */
export function createTimeFilter(
  bounds: TimeBounds,
  onUnparsable?: (lead: Lead) => void,
): ((lead: Lead) => boolean) | undefined {
  const { since, until } = bounds;
  if (since === undefined && until === undefined) return undefined;
  const from = since ?? Number.NEGATIVE_INFINITY;
  const to = until ?? Number.POSITIVE_INFINITY;
  return (lead) => {
    const time = parseLeadTime(lead.created_at);
    if (time === undefined) {
      onUnparsable?.(lead);
      return true;
    }
    return time >= from && time < to;
  };
}
