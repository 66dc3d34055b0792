import type { Lead } from '../api/types.js';
import { parseLeadTime } from './time.js';

/** Oldest first; leads without a usable time keep their listing order, at the end. */
export function inCaptureOrder(leads: readonly Lead[]): Lead[] {
  return leads
    .map((lead, index) => ({ lead, index, time: captureTime(lead) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map((entry) => entry.lead);
}

/** What inCaptureOrder sorts by: the lead's time, or +Infinity (last) when it has none. */
export function captureTime(lead: Lead): number {
  return parseLeadTime(lead.created_at) ?? Number.POSITIVE_INFINITY;
}
