import type { Lead } from '../api/types.js';
import type { ChatbotRef } from './chatbot-list.js';

/** The columns a lead of a combined export starts with: which chatbot it came from. */
export const ORIGIN_COLUMNS = ['project_id', 'chatbot_id'] as const;

/**
 * Where a lead came from, attached to the parsed lead under a symbol: the
 * object stays as the API sent it (a symbol key is no property JSON sees),
 * and every writer that flattens it gets the origin columns first.
 */
const LEAD_ORIGIN = Symbol('robofy.leadOrigin');

type StampedLead = Lead & { [LEAD_ORIGIN]?: ChatbotRef };

/** Marks each lead as coming from `origin`, in place. */
export function stampOrigin(leads: readonly Lead[], origin: ChatbotRef): void {
  for (const lead of leads) (lead as StampedLead)[LEAD_ORIGIN] = origin;
}

export function originOf(lead: Lead): ChatbotRef | undefined {
  return (lead as StampedLead)[LEAD_ORIGIN];
}

/** --columns of a combined output: the origin columns first, wherever the list names them. */
export function combinedColumns(columns: readonly string[] | undefined): string[] | undefined {
  return columns && [...ORIGIN_COLUMNS, ...columns.filter((column) => !(ORIGIN_COLUMNS as readonly string[]).includes(column))];
}
