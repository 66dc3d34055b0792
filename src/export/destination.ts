import type { Writable } from 'node:stream';
import { dirname } from 'node:path';
import { openAtomicFile } from '../output/atomic-file.js';

/** Where an export goes: stdout as it streams, or a file that appears only when complete. */
export interface Destination {
  readonly out: Writable;
  readonly label: string;
  /** The folder for scratch files, beside a file target so the final rename stays on one disk. */
  readonly scratchDir: string | undefined;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openDestination(path: string | undefined, stdout: Writable): Promise<Destination> {
  if (path === undefined || path === '-') {
    return { out: stdout, label: 'stdout', scratchDir: undefined, commit: async () => undefined, abort: async () => undefined };
  }
  const file = await openAtomicFile(path);
  return {
    out: file.stream,
    label: path,
    scratchDir: file.atomic ? dirname(path) : undefined,
    commit: () => file.commit(),
    abort: () => file.abort(),
  };
}
