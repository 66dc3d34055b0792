import { createWriteStream } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenLead } from '../../src/leads/flatten.js';
import { JSON_ARRAY, JSONL, JsonSink } from '../../src/output/json-sink.js';
import { createSink } from '../../src/output/sink.js';
import { collector, lead } from './helpers.js';

const BASE = '"id":1,"created_at":"2025-01-15 10:30:00","source":"chat","page_url":"https://example.com/","ip_address":"10.0.0.1"';

describe('JsonSink with JSONL framing', () => {
  it('keeps the flattened column order, integer-like names included', async () => {
    const { out, text } = collector();
    const sink = new JsonSink({ out }, JSONL);
    await sink.writeLeads([lead(1, [['zeta', 'z'], ['10', 'ten'], ['2', 'two'], ['alpha', null]])]);
    await sink.finish();
    expect(text()).toBe(`{${BASE},"zeta":"z","10":"ten","2":"two","alpha":null}\n`);
    expect(Object.keys(JSON.parse(text()) as object)).toContain('10');
  });

  it('keeps order for every kind of key, __proto__ included', async () => {
    const key = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', '0', '1', '01', '4294967295', '1a', '-1', 'é', 'a"b', ''),
      fc.string(),
      fc.nat().map(String),
    );
    const fields = fc.uniqueArray(fc.tuple(key, fc.jsonValue()), { selector: ([name]) => name, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(fields, async (pairs) => {
        const { out, text } = collector();
        const sink = new JsonSink({ out }, JSONL);
        const input = lead(1, pairs);
        await sink.writeLeads([input]);
        await sink.finish();
        const expected = flattenLead(input)
          .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`)
          .join(',');
        expect(text()).toBe(`{${expected}}\n`);
      }),
      { numRuns: 300 },
    );
  });

  it('writes one line per lead, one write per page, and counts leads', async () => {
    const { out, text } = collector();
    const writes: number[] = [];
    out.on('data', (chunk: Buffer) => writes.push(chunk.length));
    const sink = new JsonSink({ out }, JSONL);
    await sink.writeLeads([lead(1), lead(2), lead(3)]);
    await sink.writeLeads([]);
    await sink.writeLeads([lead(4)]);
    await sink.finish();
    const lines = text().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, 4).map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([1, 2, 3, 4]);
    expect(writes).toHaveLength(2);
    expect(sink.count).toBe(4);
  });

  it('selects exactly the requested columns in order, null when absent', async () => {
    const { out, text } = collector();
    const sink = createSink('jsonl', { out, columns: ['email', '7', 'id', 'missing'] });
    await sink.writeLeads([lead(1, [['7', 'seven'], ['email', 'a@b.c']]), lead(2)]);
    await sink.finish();
    expect(text()).toBe(
      '{"email":"a@b.c","7":"seven","id":1,"missing":null}\n{"email":null,"7":null,"id":2,"missing":null}\n',
    );
  });

  it('never alters values: no formula escaping, nested values kept', async () => {
    const { out, text } = collector();
    const sink = createSink('jsonl', { out, escapeFormulas: true });
    await sink.writeLeads([lead(1, { f: '=SUM(A1)', n: -3, b: false, o: { a: [1, '\r\n'] } })]);
    await sink.finish();
    expect(text()).toBe(`{${BASE},"f":"=SUM(A1)","n":-3,"b":false,"o":{"a":[1,"\\r\\n"]}}\n`);
  });

  it('raw mode writes each lead byte for byte as JSON.stringify(lead)', async () => {
    const { out, text } = collector();
    const leads = [
      lead(1, { email: 'a@b.c', '3': 'x' }, { extra: { deep: [1, 2] } }),
      { id: 'abc', lead_data: null, '5': 'five' },
    ];
    const sink = createSink('jsonl', { out, raw: true, columns: ['ignored'] });
    await sink.writeLeads(leads);
    await sink.finish();
    expect(text()).toBe(leads.map((l) => JSON.stringify(l) + '\n').join(''));
  });
});

describe('JsonSink with JSON array framing', () => {
  it('writes an empty export as []', async () => {
    const { out, text } = collector();
    const sink = new JsonSink({ out }, JSON_ARRAY);
    await sink.writeLeads([]);
    await sink.finish();
    expect(text()).toBe('[]\n');
    expect(sink.count).toBe(0);
  });

  it('streams one object per line across pages', async () => {
    const { out, text } = collector();
    const sink = createSink('json', { out, columns: ['id', '10', 'email'] });
    await sink.writeLeads([lead(1, { email: 'a' }), lead(2, { '10': 'x' })]);
    await sink.writeLeads([lead(3)]);
    await sink.finish();
    expect(text()).toBe(
      '[\n{"id":1,"10":null,"email":"a"},\n{"id":2,"10":"x","email":null},\n{"id":3,"10":null,"email":null}\n]\n',
    );
    expect(JSON.parse(text())).toHaveLength(3);
    expect(sink.count).toBe(3);
  });

  it('keeps flattened key order and supports raw mode', async () => {
    const flat = collector();
    const sink = new JsonSink({ out: flat.out }, JSON_ARRAY);
    await sink.writeLeads([lead(1, [['b', 1], ['1', 2]])]);
    await sink.finish();
    expect(flat.text()).toBe(`[\n{${BASE},"b":1,"1":2}\n]\n`);

    const raw = collector();
    const leads = [lead(1, { b: 1 }), lead(2)];
    const rawSink = new JsonSink({ out: raw.out, raw: true }, JSON_ARRAY);
    await rawSink.writeLeads(leads);
    await rawSink.finish();
    expect(raw.text()).toBe(`[\n${JSON.stringify(leads[0])},\n${JSON.stringify(leads[1])}\n]\n`);
  });
});

describe('a failing destination', () => {
  it.each(['csv', 'jsonl', 'json'] as const)('%s: the write error reaches the caller (disk full)', async (format) => {
    const out = createWriteStream('/dev/full');
    const sink = createSink(format, { out, columns: ['id'] });
    const failure = await (async () => {
      for (let i = 0; i < 100; i++) await sink.writeLeads([lead(i)]);
      await sink.finish();
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ENOSPC' });
    await sink.abort();
    out.destroy();
  });
});
