/**
 * Standalone fake API, for the benchmark and manual runs:
 *   node dist/test/fake-api/main.js [--port N] [--leads N] [--page-size N] [--order asc|desc]
 *     [--token-location report|data|both] [--last-page-token null|empty|missing] [--fields N]
 *     [--late-fields-from N] [--latency-ms N] [--token T]
 * Prints one line, {"url":"http://127.0.0.1:PORT","token":"..."}, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_TOKEN, startFakeApi, type FakeApiOptions } from './server.js';

/** The field names leads gain from --late-fields-from on: a form that grew, with a name clashing with a base column. */
const LATE_FIELD_NAMES = ['company', 'source'];

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return Number(value);
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return found;
}

function parseOptions(argv: string[]): FakeApiOptions & { port?: number } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      leads: { type: 'string' },
      'page-size': { type: 'string' },
      order: { type: 'string' },
      'token-location': { type: 'string' },
      'last-page-token': { type: 'string' },
      fields: { type: 'string' },
      'late-fields-from': { type: 'string' },
      'latency-ms': { type: 'string' },
      token: { type: 'string' },
    },
  });
  const options: FakeApiOptions & { port?: number } = {};
  // exactOptionalPropertyTypes: only set what was given, never `key: undefined`.
  const set = <K extends keyof (FakeApiOptions & { port?: number })>(key: K, value: (FakeApiOptions & { port?: number })[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('port', integer('port', values.port, 0));
  set('leads', integer('leads', values.leads, 0));
  set('pageSize', integer('page-size', values['page-size'], 1));
  set('order', oneOf('order', values.order, ['asc', 'desc'] as const));
  set('tokenLocation', oneOf('token-location', values['token-location'], ['report', 'data', 'both'] as const));
  set('lastPageToken', oneOf('last-page-token', values['last-page-token'], ['null', 'empty', 'missing'] as const));
  set('fields', integer('fields', values.fields, 0));
  const lateFrom = integer('late-fields-from', values['late-fields-from'], 0);
  set('lateFields', lateFrom === undefined ? undefined : { fromLead: lateFrom, names: LATE_FIELD_NAMES });
  set('latencyMs', integer('latency-ms', values['latency-ms'], 0));
  set('token', values.token);
  return options;
}

async function main(): Promise<void> {
  let options: FakeApiOptions & { port?: number };
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fake-api: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  const api = await startFakeApi(options);
  process.stdout.write(`${JSON.stringify({ url: api.url, token: options.token ?? DEFAULT_TOKEN })}\n`);
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    // With the server closed and the handlers gone, nothing keeps the loop alive: exit code 0.
    void api.close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
