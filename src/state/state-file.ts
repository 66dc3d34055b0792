import { readFile } from 'node:fs/promises';
import type { LeadsQuery } from '../api/paginate.js';
import { ExitCode, RobofyError } from '../errors.js';
import type { DeliverySnapshot } from '../leads/delivery-window.js';
import { openAtomicFile } from '../output/atomic-file.js';
import type { CsvDelimiter } from '../output/csv-text.js';

/** How the CSV that a state's runs append to was started. */
export interface CsvFileShape {
  delimiter: CsvDelimiter;
  /** Whether the first run started the file with a byte-order mark. */
  bom: boolean;
}

/** What `--state <file>` keeps between runs. Plain JSON, so a person can read it. */
export interface ExportState {
  version: 1;
  source: { projectId: number; chatbotId: string; sessionId: string | null };
  /** CSV only: the columns earlier runs wrote, in order, so appends line up. */
  columns: string[] | null;
  /** CSV only; absent in state files written before robofy knew delimiters (they wrote `,` and no BOM). */
  csv?: CsvFileShape;
  delivery: DeliverySnapshot;
  updatedAt: string;
}

/**
 * A state file as read. The single form (an ExportState) is what a
 * one-chatbot export writes; the list form holds every chatbot of a
 * many-chatbot export, and the CSV columns of its combined output.
 */
export interface StateContents {
  entries: ExportState[];
  /** List form, combined CSV output: the columns earlier runs wrote. */
  columns: string[] | null;
  /** List form, combined CSV output: how it was started (absent before robofy knew delimiters). */
  csv?: CsvFileShape;
  list: boolean;
}

interface StateList {
  version: 1;
  chatbots: ExportState[];
  columns: string[] | null;
  csv?: CsvFileShape;
  updatedAt: string;
}

export async function readStateFile(path: string): Promise<StateContents | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw stateError(path, 'is not valid JSON', error);
  }
  if (isExportState(state)) return { entries: [state], columns: null, list: false };
  if (isStateList(state)) return { entries: state.chatbots, columns: state.columns, ...(state.csv ? { csv: state.csv } : {}), list: true };
  throw stateError(path, 'is not a robofy state file');
}

/** The single form for one chatbot's own file, else the list form. */
export async function writeStateFile(path: string, contents: StateContents, now: number): Promise<void> {
  const only = contents.entries[0];
  if (!contents.list && contents.entries.length === 1 && only !== undefined) return saveState(path, only);
  const list: StateList = {
    version: 1,
    chatbots: contents.entries,
    columns: contents.columns,
    ...(contents.csv ? { csv: contents.csv } : {}),
    updatedAt: new Date(now).toISOString(),
  };
  const file = await openAtomicFile(path);
  file.stream.write(`${JSON.stringify(list)}\n`);
  await file.commit();
}

/** The state of `query` in the file: a single-form file of another chatbot is an error, a list may not hold it yet. */
export async function loadState(path: string, query: LeadsQuery): Promise<ExportState | undefined> {
  const contents = await readStateFile(path);
  if (contents === undefined) return undefined;
  const state = contents.entries.find((entry) => sameSource(entry.source, query));
  if (state !== undefined || contents.list) return state;
  const source = contents.entries[0]!.source;
  throw stateError(
    path,
    `belongs to project ${source.projectId} / chatbot ${source.chatbotId}` +
      `${source.sessionId ? ` / session ${source.sessionId}` : ''}, not to this export`,
  );
}

export function sameSource(source: ExportState['source'], query: LeadsQuery): boolean {
  return source.projectId === query.projectId && source.chatbotId === query.chatbotId && source.sessionId === (query.sessionId ?? null);
}

/** Written beside the old file and renamed over it: a crash leaves the old state or the new, never half of one. */
export async function saveState(path: string, state: ExportState): Promise<void> {
  const file = await openAtomicFile(path);
  file.stream.write(`${JSON.stringify(state)}\n`);
  await file.commit();
}

export function sourceOf(query: LeadsQuery): ExportState['source'] {
  return { projectId: query.projectId, chatbotId: query.chatbotId, sessionId: query.sessionId ?? null };
}

function isExportState(value: unknown): value is ExportState {
  const state = value as Partial<ExportState> | null;
  const delivery = state?.delivery;
  return (
    typeof state === 'object' &&
    state !== null &&
    state.version === 1 &&
    typeof state.source?.projectId === 'number' &&
    typeof state.source.chatbotId === 'string' &&
    (state.columns === null || (Array.isArray(state.columns) && state.columns.every((c) => typeof c === 'string'))) &&
    (state.csv === undefined || isCsvFileShape(state.csv)) &&
    // A negative overlap would put the horizon ahead of the watermark: leads never delivered would count as delivered.
    typeof delivery?.overlapMs === 'number' &&
    delivery.overlapMs >= 0 &&
    (delivery.watermark === null || typeof delivery.watermark === 'number') &&
    Array.isArray(delivery.recent) &&
    delivery.recent.every((entry) => Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'string')
  );
}

function isCsvFileShape(value: unknown): value is CsvFileShape {
  const shape = value as Partial<CsvFileShape> | null;
  return typeof shape === 'object' && shape !== null && [',', ';', '\t', '|'].includes(shape.delimiter as string) && typeof shape.bom === 'boolean';
}

function isStateList(value: unknown): value is StateList {
  const list = value as Partial<StateList> | null;
  return (
    typeof list === 'object' &&
    list !== null &&
    list.version === 1 &&
    Array.isArray(list.chatbots) &&
    list.chatbots.every(isExportState) &&
    (list.columns === null || (Array.isArray(list.columns) && list.columns.every((c) => typeof c === 'string'))) &&
    (list.csv === undefined || isCsvFileShape(list.csv))
  );
}

function stateError(path: string, problem: string, cause?: unknown): RobofyError {
  return new RobofyError(`the state file ${path} ${problem}; move it away to start a fresh incremental export`, {
    code: 'STATE_INVALID',
    exitCode: ExitCode.Usage,
    cause,
  });
}
