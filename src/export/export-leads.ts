import type { FetchedPage } from '../api/paginate.js';
import type { Lead } from '../api/types.js';
import { abortError } from '../errors.js';
import type { LeadDeduper } from '../leads/dedupe.js';
import type { LeadSink } from '../output/sink.js';

export interface ExportJob {
  pages: AsyncIterable<FetchedPage>;
  sink: Pick<LeadSink, 'writeLeads'>;
  deduper: LeadDeduper;
  signal: AbortSignal;
  /** Leads to write (time window, state); the rest are skipped. */
  keep?: ((lead: Lead) => boolean) | undefined;
  /** Stop paging once this many leads are written. */
  limit?: number | undefined;
  /** Called after each page is written, with the leads written from it. */
  onPage?: ((written: readonly Lead[], progress: ExportProgress) => void) | undefined;
  /**
   * Asked after each page, given the page's rows less the repeats of rows
   * already read: true stops paging early (the rest is known to be delivered).
   */
  done?: ((page: FetchedPage) => boolean) | undefined;
  /**
   * Told of every page read, with how many of its rows repeat rows already
   * read: the listing shifted (leads were captured) while it was paged.
   */
  onRead?: ((page: FetchedPage, repeats: number) => void) | undefined;
}

export interface ExportProgress {
  pages: number;
  leads: number;
}

/**
 * Pages → dedupe → filter → sink. A page is written only once it was parsed
 * whole, so a failed page never leaves a partial page behind in the output.
 */
export async function exportLeads(job: ExportJob): Promise<ExportProgress> {
  const progress: ExportProgress = { pages: 0, leads: 0 };
  for await (const page of job.pages) {
    if (job.signal.aborted) throw abortError(job.signal);
    const { fresh, selected } = selectLeads(page, job);
    const room = job.limit === undefined ? selected.length : job.limit - progress.leads;
    const batch = room < selected.length ? selected.slice(0, room) : selected;
    if (batch.length > 0) await job.sink.writeLeads(batch);
    progress.pages++;
    progress.leads += batch.length;
    job.onPage?.(batch, progress);
    if (job.limit !== undefined && progress.leads >= job.limit) break;
    if (job.done?.({ ...page, rows: fresh })) break;
  }
  if (job.signal.aborted) throw abortError(job.signal);
  return progress;
}

/** The page's leads not read before (`fresh`), and of those the ones to write. */
function selectLeads(page: FetchedPage, job: ExportJob): { fresh: Lead[]; selected: Lead[] } {
  const fresh: Lead[] = [];
  const selected: Lead[] = [];
  for (const lead of page.rows) {
    if (!job.deduper.isNew(lead)) continue;
    fresh.push(lead);
    if (job.keep === undefined || job.keep(lead)) selected.push(lead);
  }
  job.deduper.endPage();
  job.onRead?.(page, page.rows.length - fresh.length);
  return { fresh, selected };
}
