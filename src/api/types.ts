import type { ExactNumber } from './exact-json.js';

/** One captured form field, as the API sends it. Only `field_name` is relied on. */
export interface LeadField {
  field_name: string;
  field_type?: unknown;
  field_value?: unknown;
}

/**
 * One lead row as the API sends it. The object is kept exactly as parsed so
 * `--raw` can write it back unchanged; validation guarantees `id` and a
 * `lead_data` that is an array (an absent or null one reads as empty).
 */
export interface Lead {
  /** A number JavaScript cannot hold exactly (`12345678901234567890`) is an ExactNumber; `String(id)` is its text. */
  id: string | number | ExactNumber;
  created_at?: unknown;
  source?: unknown;
  page_url?: unknown;
  ip_address?: unknown;
  lead_data?: LeadField[] | null;
  [key: string]: unknown;
}

export interface LeadsPage {
  rows: Lead[];
  /** null when this is the last page. */
  nextPageToken: string | null;
  /** The body held bytes that are not UTF-8, decoded as U+FFFD (see invalidUtf8Check). */
  invalidUtf8?: true;
}
