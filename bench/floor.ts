/**
 * The floor: the least a client can do to read the export. Fetches every page
 * of one listing over a single keep-alive connection, `JSON.parse`s it, follows
 * `data.report.next_page_token` and throws the page away. No output, no
 * validation beyond that, no prefetch.
 *
 *   node dist/bench/floor.js <api-url> <token> [max-pages]
 *
 * Reads project 12, chatbot abc; stops after max-pages pages if given (the
 * benchmark warms the fake API up that way). Prints `{"pages":N,"leads":M}`
 * to stdout when done.
 */
import { Agent, request } from 'undici';

interface Page {
  data?: { report?: { rows?: unknown[]; next_page_token?: string | null } };
}

async function main(): Promise<void> {
  const [apiUrl, token, maxPagesArg] = process.argv.slice(2);
  const maxPages = maxPagesArg === undefined ? Infinity : Number(maxPagesArg);
  if (apiUrl === undefined || token === undefined || !(maxPages >= 1)) {
    process.stderr.write('usage: floor.js <api-url> <token> [max-pages]\n');
    process.exitCode = 2;
    return;
  }
  const project = '12';
  const chatbot = 'abc';
  const agent = new Agent({ connections: 1, keepAliveTimeout: 10_000 });
  const base = `${apiUrl}/v1/ai-agent/leads/${encodeURIComponent(project)}/${encodeURIComponent(chatbot)}`;
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  let next: string | null = null;
  let pages = 0;
  let leads = 0;
  do {
    const url: string = next === null ? base : `${base}?nextPageToken=${encodeURIComponent(next)}`;
    const { statusCode, body } = await request(url, { method: 'GET', headers, dispatcher: agent });
    const text = await body.text();
    if (statusCode !== 200) throw new Error(`HTTP ${statusCode} on page ${pages + 1}: ${text.slice(0, 200)}`);
    const page = JSON.parse(text) as Page;
    const report = page.data?.report;
    pages++;
    leads += report?.rows?.length ?? 0;
    const token: string | null | undefined = report?.next_page_token;
    next = typeof token === 'string' && token !== '' ? token : null;
  } while (next !== null && pages < maxPages);
  await agent.close();
  process.stdout.write(`${JSON.stringify({ pages, leads })}\n`);
}

await main();
