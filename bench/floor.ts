/**
 * The floor: the least a client can do to read the export. Fetches every page
 * of one listing over a single keep-alive connection, `JSON.parse`s it, follows
 * `data.report.next_page_token` and throws the page away. No output, no
 * validation beyond that, no prefetch.
 *
 *   node dist/bench/floor.js <undici|undici-dispatch|node-http> <api-url> <token> [max-pages] [--gzip]
 *
 * With --gzip it asks for gzip and gunzips each whole gzip body before
 * parsing (the real-link scenario's floor).
 *
 * Three transports: undici's `request()` (a Readable stream per response),
 * undici's `dispatch()` with the body gathered by its handler (what robofy
 * does), and Node's own `node:http` with a keep-alive Agent of one socket,
 * the body gathered with `Buffer.concat` and decoded with `toString()`, as a
 * plain Node script would.
 * Reads project 12, chatbot abc; stops after max-pages pages if given (the
 * benchmark warms the fake API up that way). Prints `{"pages":N,"leads":M}`
 * to stdout when done.
 */
import { Agent as HttpAgent, get } from 'node:http';
import { gunzipSync } from 'node:zlib';

interface Page {
  data?: { report?: { rows?: unknown[]; next_page_token?: string | null } };
}

/** The whole gzip body inflated at once: the cheapest a client can decode it. */
function gunzipText(bytes: Buffer): string {
  return gunzipSync(bytes).toString();
}

/** GETs `url` and returns its status and body text (gunzipped if the answer is gzip). */
type Fetch = (url: string, headers: Record<string, string>) => Promise<{ status: number; text: string }>;
interface Transport {
  fetch: Fetch;
  close(): Promise<void>;
}

// Loaded only for its own floor, so the node:http floor does not pay for loading it.
async function undiciTransport(): Promise<Transport> {
  const { Agent, request } = await import('undici');
  const agent = new Agent({ connections: 1, keepAliveTimeout: 10_000 });
  return {
    fetch: async (url, headers) => {
      const { statusCode, headers: responseHeaders, body } = await request(url, { method: 'GET', headers, dispatcher: agent });
      const text = responseHeaders['content-encoding'] === 'gzip' ? gunzipText(Buffer.from(await body.arrayBuffer())) : await body.text();
      return { status: statusCode, text };
    },
    close: () => agent.close(),
  };
}

async function undiciDispatchTransport(): Promise<Transport> {
  const { Agent } = await import('undici');
  const agent = new Agent({ connections: 1, keepAliveTimeout: 10_000 });
  return {
    fetch: (url, headers) =>
      new Promise((resolve, reject) => {
        const { origin, pathname, search } = new URL(url);
        const chunks: Buffer[] = [];
        let status = 0;
        let gzip = false;
        agent.dispatch(
          { origin, path: `${pathname}${search}`, method: 'GET', headers },
          {
            onConnect: () => undefined,
            onHeaders: (statusCode, rawHeaders) => {
              status = statusCode;
              for (let i = 0; i < rawHeaders.length; i += 2) {
                if (String(rawHeaders[i]).toLowerCase() === 'content-encoding') gzip = String(rawHeaders[i + 1]) === 'gzip';
              }
              return true;
            },
            onData: (chunk) => chunks.push(chunk) > 0,
            onComplete: () => {
              const bytes = Buffer.concat(chunks);
              resolve({ status, text: gzip ? gunzipText(bytes) : bytes.toString() });
            },
            onError: reject,
          },
        );
      }),
    close: () => agent.close(),
  };
}

async function nodeHttpTransport(): Promise<Transport> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  return {
    fetch: (url, headers) =>
      new Promise((resolve, reject) => {
        get(url, { agent, headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const bytes = Buffer.concat(chunks);
            const text = response.headers['content-encoding'] === 'gzip' ? gunzipText(bytes) : bytes.toString();
            resolve({ status: response.statusCode ?? 0, text });
          });
          response.on('error', reject);
        }).on('error', reject);
      }),
    close: async () => agent.destroy(),
  };
}

const TRANSPORTS: Record<string, () => Promise<Transport>> = {
  undici: undiciTransport,
  'undici-dispatch': undiciDispatchTransport,
  'node-http': nodeHttpTransport,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const gzip = args.includes('--gzip');
  const [transportName = '', apiUrl, token, maxPagesArg] = args.filter((arg) => arg !== '--gzip');
  const maxPages = maxPagesArg === undefined ? Infinity : Number(maxPagesArg);
  const makeTransport = TRANSPORTS[transportName];
  if (makeTransport === undefined || apiUrl === undefined || token === undefined || !(maxPages >= 1)) {
    process.stderr.write('usage: floor.js <undici|undici-dispatch|node-http> <api-url> <token> [max-pages] [--gzip]\n');
    process.exitCode = 2;
    return;
  }
  const transport = await makeTransport();
  const base = `${apiUrl}/v1/ai-agent/leads/12/abc`;
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json', ...(gzip ? { 'accept-encoding': 'gzip' } : {}) };
  let next: string | null = null;
  let pages = 0;
  let leads = 0;
  do {
    const url: string = next === null ? base : `${base}?nextPageToken=${encodeURIComponent(next)}`;
    const { status, text } = await transport.fetch(url, headers);
    if (status !== 200) throw new Error(`HTTP ${status} on page ${pages + 1}: ${text.slice(0, 200)}`);
    const page = JSON.parse(text) as Page;
    const report = page.data?.report;
    pages++;
    leads += report?.rows?.length ?? 0;
    const token: string | null | undefined = report?.next_page_token;
    next = typeof token === 'string' && token !== '' ? token : null;
  } while (next !== null && pages < maxPages);
  await transport.close();
  process.stdout.write(`${JSON.stringify({ pages, leads })}\n`);
}

await main();
