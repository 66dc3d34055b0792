import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Lead, LeadField } from '../../src/api/types.js';

/** A stream that keeps everything written to it. */
export interface Collector {
  out: PassThrough;
  text(): string;
}

export function collector(): Collector {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Field pairs keep their order, unlike object keys ('2' would move before 'b'). */
export type Fields = Record<string, unknown> | readonly (readonly [string, unknown])[];

export function lead(id: number, fields: Fields = {}, extra: Partial<Lead> = {}): Lead {
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  const leadData: LeadField[] = pairs.map(([name, value]) => ({
    field_name: name,
    field_type: 'text',
    field_value: value,
  }));
  return {
    id,
    created_at: '2025-01-15 10:30:00',
    source: 'chat',
    page_url: 'https://example.com/',
    ip_address: '10.0.0.1',
    lead_data: leadData,
    ...extra,
  };
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'robofy-output-test-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** A strict RFC 4180 parser: CRLF record ends, `""` escapes, quotes only around whole fields. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        if (text[i] === '"' || text[i] === '\n') throw new Error(`unquoted ${JSON.stringify(text[i])} at ${i}`);
        field += text[i++];
      }
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
    } else if (text.startsWith('\r\n', i)) {
      i += 2;
      records.push(record);
      record = [];
    } else {
      throw new Error(`expected , or CRLF at ${i}, got ${JSON.stringify(text.slice(i, i + 10))}`);
    }
  }
  if (record.length > 0) throw new Error('last record has no CRLF');
  return records;
}
