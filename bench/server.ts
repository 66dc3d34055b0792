/**
 * The benchmark's fake API, run in its own process so its CPU and event loop
 * are not the measured client's:
 *
 *   node dist/bench/server.js '<FakeApiOptions as JSON>'
 *
 * Prints one line, {"url":"http://127.0.0.1:PORT","token":"..."}, then serves
 * until SIGTERM/SIGINT (or until its parent goes away: stdin closing).
 */
import { DEFAULT_TOKEN, startFakeApi, type FakeApiOptions } from '../test/fake-api/server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as FakeApiOptions;
const api = await startFakeApi({ ...options, port: 0 });
// The fake records every request for tests; a benchmark sends tens of
// thousands, so keep that log from growing without bound.
const trim = setInterval(() => {
  api.requests.length = 0;
}, 250);
process.stdout.write(`${JSON.stringify({ url: api.url, token: options.token ?? DEFAULT_TOKEN })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  clearInterval(trim);
  void api.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// The parent holds our stdin open; if it dies without killing us, stdin ends and we go too.
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
