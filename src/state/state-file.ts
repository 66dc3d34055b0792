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

export async function loadState(path: string, query: LeadsQuery): Promise<ExportState | undefined> {
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
  if (!isExportState(state)) throw stateError(path, 'is not a robofy state file');
  const source = state.source;
  if (source.projectId !== query.projectId || source.chatbotId !== query.chatbotId || source.sessionId !== (query.sessionId ?? null)) {
    throw stateError(
      path,
      `belongs to project ${source.projectId} / chatbot ${source.chatbotId}` +
        `${source.sessionId ? ` / session ${source.sessionId}` : ''}, not to this export`,
    );
  }
  return state;
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

function stateError(path: string, problem: string, cause?: unknown): RobofyError {
  return new RobofyError(`the state file ${path} ${problem}; move it away to start a fresh incremental export`, {
    code: 'STATE_INVALID',
    exitCode: ExitCode.Usage,
    cause,
  });
}
