/**
 * Independent readers for what robofy writes: Python's standard library
 * (csv; zipfile and xml.etree for xlsx), so a test never checks the output
 * only with the code's own idea of it. python3 is a test requirement.
 */
import { spawnSync } from 'node:child_process';

function runPython(script: string, input: Buffer | string, args: readonly string[] = []): unknown {
  const result = spawnSync('python3', ['-c', script, ...args], { input, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python3 failed (${String(result.status)}): ${result.stderr.toString('utf8')}`);
  return JSON.parse(result.stdout.toString('utf8'));
}

const CSV_READER = `
import csv, io, json, sys
text = sys.stdin.buffer.read().decode('utf-8-sig')
rows = list(csv.reader(io.StringIO(text, newline=''), delimiter=sys.argv[1], strict=True))
json.dump(rows, sys.stdout)
`;

/** Rows as Python's csv module reads `bytes` (UTF-8, a leading BOM dropped) with this delimiter. */
export function pythonCsvRows(bytes: Buffer | string, delimiter: string): string[][] {
  return runPython(CSV_READER, bytes, [delimiter]) as string[][];
}
