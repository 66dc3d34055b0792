import type { IO } from '../io.js';

/** `--json`: one JSON object on stdout, for jq and scripts; its field names are documented in the README. */
export function writeJson(io: IO, value: Record<string, unknown>): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
