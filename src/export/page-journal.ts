import { createReadStream } from 'node:fs';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FetchedPage } from '../api/paginate.js';
import { jsonText, parseJsonText } from '../api/exact-json.js';
import { parseLeadsPage } from '../api/leads-page.js';
import { ExitCode, RobofyError } from '../errors.js';

/**
 * `--resume`: every page fetched is appended to a journal beside the target
 * before its leads are written. A resumed run replays the journal through
 * the same pipeline and then fetches on from the last page's token, so it
 * writes exactly the file an uninterrupted run would have, without fetching
 * again what it already had. The first line names the export, so a journal
 * is never replayed into a different one.
 */
export interface JournalHeader {
  robofy: 'resume';
  version: 1;
  /** What must match for a journal to be resumed: the query and the options that shape the output, as typed. */
  export: Record<string, unknown>;
  /** --since/--until as the first run resolved them ("7d" must mean the same on resume). */
  bounds: { since: number | null; until: number | null };
}

export function journalPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.robofy-resume`);
}

export async function removeJournal(target: string): Promise<void> {
  await rm(journalPath(target), { force: true });
}

export async function hasJournal(target: string): Promise<boolean> {
  return (await stat(journalPath(target)).catch(() => undefined)) !== undefined;
}

/** The header of the journal beside `target`, if there is a readable one. */
export async function readJournalHeader(target: string): Promise<JournalHeader | undefined> {
  const lines = createInterface({ input: createReadStream(journalPath(target), { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const record = parseLine(line) as Partial<JournalHeader> | undefined;
      return record?.robofy === 'resume' && record.version === 1 && record.bounds ? (record as JournalHeader) : undefined;
    }
  } catch {
    // no journal, or unreadable: nothing to resume
  } finally {
    lines.close();
  }
  return undefined;
}

export type FetchPages = (startToken: string | null, knownTokens: readonly string[]) => AsyncIterable<FetchedPage>;

/**
 * The pages of a resumable export: first those a journal already holds
 * (when resuming), then fresh ones from the network, each journalled before
 * it is handed on.
 */
export async function* journalledPages(
  target: string,
  header: JournalHeader,
  resume: boolean,
  fetchPages: FetchPages,
): AsyncGenerator<FetchedPage> {
  let journal: PageJournal;
  let start: string | null = null;
  let known: string[] = [];
  let replayed = 0;
  if (resume && (await hasJournal(target))) {
    let end = { validBytes: 0, lastNext: undefined as string | null | undefined };
    for await (const page of replayJournal(target, header.export, (validBytes, lastNext, tokens) => {
      end = { validBytes, lastNext };
      known = tokens;
    })) {
      replayed++;
      yield page;
    }
    if (end.lastNext === null) return;
    start = end.lastNext ?? null;
    journal = await PageJournal.reopen(target, end.validBytes);
  } else {
    journal = await PageJournal.create(target, header);
  }
  try {
    for await (const page of fetchPages(start, known)) {
      await journal.append(page);
      yield { ...page, number: replayed + page.number };
    }
  } finally {
    await journal.close();
  }
}

export class PageJournal {
  readonly #file: FileHandle;

  private constructor(file: FileHandle) {
    this.#file = file;
  }

  /** Starts a new journal, replacing any older one. */
  static async create(target: string, header: JournalHeader): Promise<PageJournal> {
    const file = await open(journalPath(target), 'w', 0o600);
    await file.write(`${JSON.stringify(header)}\n`);
    return new PageJournal(file);
  }

  /** Opens an existing journal to add pages after the ones it holds (from `validBytes` on). */
  static async reopen(target: string, validBytes: number): Promise<PageJournal> {
    const file = await open(journalPath(target), 'r+');
    // A run killed mid-append leaves half a line: cut it off before appending.
    await file.truncate(validBytes);
    return new PageJournal(file);
  }

  /** Appends one page; it is on disk before its leads are written anywhere. */
  async append(page: FetchedPage): Promise<void> {
    await this.#file.write(`${jsonText({ token: page.token, next: page.nextPageToken, rows: page.rows })}\n`);
    await this.#file.datasync();
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}

/**
 * Replays a journal page by page. `onEnd` gets the byte length of the whole
 * lines read, where appending resumes; a torn last line is ignored.
 */
export async function* replayJournal(
  target: string,
  expected: JournalHeader['export'],
  onEnd: (validBytes: number, lastNext: string | null | undefined, tokens: string[]) => void,
): AsyncGenerator<FetchedPage> {
  const path = journalPath(target);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let validBytes = 0;
  let number = 0;
  let lastNext: string | null | undefined;
  const tokens: string[] = [];
  let headerSeen = false;
  for await (const line of lines) {
    const record = parseLine(line);
    if (record === undefined) break;
    if (!headerSeen) {
      checkHeader(path, record, expected);
      headerSeen = true;
    } else {
      const page = toPage(record, ++number);
      if (page === undefined) break;
      if (page.token !== null) tokens.push(page.token);
      lastNext = page.nextPageToken;
      yield page;
    }
    validBytes += Buffer.byteLength(line, 'utf8') + 1;
  }
  if (!headerSeen) throw journalError(path, 'is empty or unreadable');
  onEnd(validBytes, lastNext, tokens);
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value = parseJsonText(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function toPage(record: Record<string, unknown>, number: number): FetchedPage | undefined {
  const token = record.token;
  const next = record.next;
  if (!(token === null || typeof token === 'string') || !(next === null || typeof next === 'string')) return undefined;
  const { rows } = parseLeadsPage({ data: { report: { rows: record.rows, next_page_token: next } } });
  return { rows, nextPageToken: next, number, token };
}

function checkHeader(path: string, record: Record<string, unknown>, expected: JournalHeader['export']): void {
  if (record.robofy !== 'resume' || record.version !== 1) throw journalError(path, 'is not a robofy resume journal');
  if (JSON.stringify(record.export) !== JSON.stringify(expected)) {
    throw journalError(path, 'belongs to an export with other options; run without --resume to start over');
  }
}

function journalError(path: string, problem: string): RobofyError {
  return new RobofyError(`cannot resume: ${path} ${problem}`, { code: 'RESUME_INVALID', exitCode: ExitCode.Usage });
}

export interface ResumePlan {
  /** --since/--until to apply: the first run's, when resuming its journal. */
  bounds: { since: number | undefined; until: number | undefined };
  pages(fetchPages: FetchPages): AsyncIterable<FetchedPage>;
  /** The export is complete: the journal goes. */
  complete(): Promise<void>;
}

/**
 * With --resume, the journalled page source for `target`; without, removes
 * any journal an earlier --resume run left there (nothing partial stays).
 */
export async function planResume(
  target: string | undefined,
  resume: boolean,
  fingerprint: Record<string, unknown>,
  bounds: ResumePlan['bounds'],
): Promise<ResumePlan | undefined> {
  if (target === undefined) return undefined;
  if (!resume) {
    await removeJournal(target);
    return undefined;
  }
  const earlier = await readJournalHeader(target);
  if (earlier !== undefined && JSON.stringify(earlier.export) !== JSON.stringify(fingerprint)) {
    throw journalError(journalPath(target), 'belongs to an export with other options; run without --resume to start over');
  }
  const effective = earlier
    ? { since: earlier.bounds.since ?? undefined, until: earlier.bounds.until ?? undefined }
    : bounds;
  const header: JournalHeader = {
    robofy: 'resume',
    version: 1,
    export: fingerprint,
    bounds: { since: effective.since ?? null, until: effective.until ?? null },
  };
  return {
    bounds: effective,
    pages: (fetchPages) => journalledPages(target, header, true, fetchPages),
    complete: () => removeJournal(target),
  };
}
