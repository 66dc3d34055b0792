/**
 * `--resume`: an export that fails part-way keeps what it fetched; the next
 * `--resume` run fetches only the rest and writes exactly the file an
 * uninterrupted run writes. Without `--resume`, nothing partial stays.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePageToken, type FakeApi } from '../fake-api/server.js';
import { cli, expectNoStack, expectOneLineError, exportArgs, fakeApi, listDir, scratch, SLOW } from './fixtures.js';

const LEADS = 60;
const PAGE_SIZE = 5;
const PAGES = LEADS / PAGE_SIZE;

/** The page numbers the API was asked for, in order. */
function pagesAsked(api: FakeApi): number[] {
  return api.leadRequests().map((request) => {
    const token = request.query.nextPageToken;
    return token === undefined ? 1 : (decodePageToken(token) ?? -1);
  });
}

async function reference(format: string): Promise<Buffer> {
  const api = await fakeApi({ leads: LEADS, pageSize: PAGE_SIZE, lateFields: { fromLead: 10, names: ['company'] } });
  const dir = scratch();
  const result = await cli(api, exportArgs('-f', format, '-o', join(dir, `ref.${format}`)));
  expect(result.code).toBe(0);
  return readFileSync(join(dir, `ref.${format}`));
}

describe.concurrent('--resume', () => {
  for (const format of ['csv', 'jsonl', 'json']) {
    it(`continues a ${format} export that failed on page 7 and writes the uninterrupted file`, SLOW, async () => {
      const expected = await reference(format);
      const api = await fakeApi({
        leads: LEADS,
        pageSize: PAGE_SIZE,
        lateFields: { fromLead: 10, names: ['company'] },
        faults: [{ page: 7, kind: 'status', status: 503 }],
      });
      const dir = scratch();
      const target = join(dir, `leads.${format}`);
      writeFileSync(target, 'old export\n');

      const failed = await cli(api, exportArgs('-f', format, '-o', target, '--resume', '--retries', '0'));
      expect(failed.code).toBe(5);
      expectNoStack(failed);
      expect(failed.stderr).toContain('--resume to continue');
      expect(readFileSync(target, 'utf8')).toBe('old export\n');
      expect(listDir(dir)).toEqual([`.leads.${format}.robofy-resume`, `leads.${format}`]);

      api.setFaults([]);
      const before = api.leadRequests().length;
      const resumed = await cli(api, exportArgs('-f', format, '-o', target, '--resume'));
      expect(resumed.code).toBe(0);
      expect(pagesAsked(api).slice(before)).toEqual(Array.from({ length: PAGES - 6 }, (_, i) => i + 7));
      expect(readFileSync(target).equals(expected)).toBe(true);
      expect(listDir(dir)).toEqual([`leads.${format}`]);
    });
  }

  it('a journal torn mid-line by a killed run is cut back to its last whole page', SLOW, async () => {
    const expected = await reference('jsonl');
    const api = await fakeApi({
      leads: LEADS,
      pageSize: PAGE_SIZE,
      lateFields: { fromLead: 10, names: ['company'] },
      faults: [{ page: 4, kind: 'status', status: 500 }],
    });
    const dir = scratch();
    const target = join(dir, 'leads.jsonl');
    expect((await cli(api, exportArgs('-o', target, '--resume', '--retries', '0'))).code).toBe(5);
    const journal = join(dir, '.leads.jsonl.robofy-resume');
    writeFileSync(journal, `${readFileSync(journal, 'utf8')}{"token":"half a pa`);

    api.setFaults([]);
    const before = api.leadRequests().length;
    expect((await cli(api, exportArgs('-o', target, '--resume'))).code).toBe(0);
    expect(pagesAsked(api).slice(before)[0]).toBe(4);
    expect(readFileSync(target).equals(expected)).toBe(true);
  });

  it('without --resume, a journal left by a failed run is removed and the export starts over', SLOW, async () => {
    const api = await fakeApi({ leads: LEADS, pageSize: PAGE_SIZE, faults: [{ page: 3, kind: 'status', status: 500 }] });
    const dir = scratch();
    const target = join(dir, 'leads.csv');
    expect((await cli(api, exportArgs('-o', target, '--resume', '--retries', '0'))).code).toBe(5);
    api.setFaults([]);
    const before = api.leadRequests().length;
    expect((await cli(api, exportArgs('-o', target))).code).toBe(0);
    expect(pagesAsked(api).slice(before)[0]).toBe(1);
    expect(listDir(dir)).toEqual(['leads.csv']);
  });

  it('refuses to resume a journal made with other options, and keeps it', SLOW, async () => {
    const api = await fakeApi({ leads: LEADS, pageSize: PAGE_SIZE, faults: [{ page: 3, kind: 'status', status: 500 }] });
    const dir = scratch();
    const target = join(dir, 'leads.csv');
    expect((await cli(api, exportArgs('-o', target, '--resume', '--retries', '0'))).code).toBe(5);
    api.setFaults([]);
    const other = await cli(api, exportArgs('-o', target, '--resume', '--no-header'));
    expectOneLineError(other, 2, /cannot resume: .*other options; run without --resume to start over/);
    expect(existsSync(join(dir, '.leads.csv.robofy-resume'))).toBe(true);
    expect(existsSync(target)).toBe(false);
  });

  it('needs --output', async () => {
    const api = await fakeApi();
    expectOneLineError(await cli(api, exportArgs('--resume')), 2, '--resume needs --output <file>');
  });
});
