/**
 * `npm run demo`: starts the bundled fake Robofy API on 127.0.0.1, exports its
 * sample leads through the real CLI to stdout as CSV, and stops it. Nothing
 * leaves this machine and no stored key or config is touched.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOKEN, startFakeApi } from '../test/fake-api/server.js';

const bin = fileURLToPath(new URL('../../bin/robofy.js', import.meta.url));
const format = process.argv[2] ?? 'csv';

const api = await startFakeApi({ leads: 12, pageSize: 5 });
const configDir = mkdtempSync(join(tmpdir(), 'robofy-demo-'));
process.stderr.write(`Fake Robofy API on ${api.url}; exporting project 12, chatbot abc as ${format}:\n\n`);
try {
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'leads', 'export', '--project', '12', '--chatbot', 'abc', '--format', format], {
      stdio: 'inherit',
      env: { ...process.env, ROBOFY_TOKEN: DEFAULT_TOKEN, ROBOFY_API_URL: api.url, ROBOFY_CONFIG_DIR: configDir },
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  process.stderr.write(`\n${api.leadRequests().length} pages fetched; robofy exited with ${code}.\n`);
  process.exitCode = code ?? 1;
} finally {
  await api.close();
  rmSync(configDir, { recursive: true, force: true });
}
