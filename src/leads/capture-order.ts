import type { Lead } from '../api/types.js';
import { parseLeadTime } from './time.js';

/** Oldest first; leads without a usable time keep their listing order, at the end. */
export function inCaptureOrder(leads: readonly Lead[]): Lead[] {
  const time = (lead: Lead): number => parseLeadTime(lead.created_at) ?? Number.POSITIVE_INFINITY;
  return leads
    .map((lead, index) => ({ lead, index, time: time(lead) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map((entry) => entry.lead);
}
