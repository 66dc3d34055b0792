/**
 * Every value of a lead survives to the output exactly, checked by an
 * independent reader: python3's json module with number literals kept as
 * text (parse_int/parse_float/parse_constant) and its csv module.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLeadsPage } from '../../src/api/leads-page.js';
import { parseUtf8Json } from '../../src/api/utf8-json.js';
import { ColumnSet } from '../../src/leads/column-set.js';
import { csvHeader, csvRecords } from '../../src/output/csv-text.js';
import { createJsonEncoder } from '../../src/output/json-encoder.js';
import { hostileLiteral, hostileString } from '../api/hostile-json.js';

/** A value as JSON text: a number literal as given, anything else as JSON.stringify writes it. */
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileLiteral },
  { weight: 2, arbitrary: hostileString.map((text) => JSON.stringify(text)) },
  fc.constantFrom('null', 'true', 'false'),
  fc.array(hostileLiteral, { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
);

const idText = fc.oneof(hostileLiteral, fc.stringMatching(/^[a-z0-9_]{1,12}$/).map((id) => JSON.stringify(id)));

/** One page of leads with distinct ids, built as text so every literal is exactly what the API sent. */
const pageText: fc.Arbitrary<string> = fc
  .uniqueArray(
    fc.record({
      id: idText,
      created: fc.oneof(valueText, fc.constant('"2025-01-15 10:30:00"')),
      source: valueText,
      fields: fc.array(valueText, { maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 5, selector: (lead) => String(JSON.parse(lead.id)) },
  )
  .map((leads) => {
    const rows = leads.map(({ id, created, source, fields }) => {
      const data = fields.map((value, i) => `{"field_name":"f${i + 1}","field_type":"text","field_value":${value}}`);
      return `{"id":${id},"created_at":${created},"source":${source},"page_url":null,"ip_address":1.50,"lead_data":[${data.join(',')}]}`;
    });
    return `{"message":"ok","data":{"report":{"rows":[${rows.join(',')}],"next_page_token":null}}}`;
  });

const ORACLE = String.raw`
import csv, json, sys

def num(text): return ('number', text)
def load(text): return json.loads(text, parse_int=num, parse_float=num, parse_constant=num)
def load_pairs(text): return json.loads(text, parse_int=num, parse_float=num, parse_constant=num, object_pairs_hook=list)
# JSONL lines end at \n only; splitlines() would also split at U+2028, U+2029 and U+0085, which JSON leaves raw.
def lines(path): return open(path, encoding='utf-8', newline='').read().split('\n')[:-1]

def cell(value):
    if value is None: return ''
    if value is True: return 'true'
    if value is False: return 'false'
    if isinstance(value, tuple): return value[1]
    if isinstance(value, list): return '[' + ','.join(cell(item) for item in value) + ']'
    # UTF-8 has no lone surrogates: CSV holds U+FFFD in their place.
    return ''.join('\ufffd' if 0xd800 <= ord(c) <= 0xdfff else c for c in value)

failures = []
for case in sys.argv[1:]:
    page = load(open(case + '.page.json', encoding='utf-8').read())
    rows = page['data']['report']['rows']
    raw = [load(line) for line in lines(case + '.raw.jsonl')]
    flat = [load_pairs(line) for line in lines(case + '.jsonl')]
    table = list(csv.reader(open(case + '.csv', newline='', encoding='utf-8')))
    expected_flat = []
    for row in rows:
        pairs = [(name, row.get(name)) for name in ('id', 'created_at', 'source', 'page_url', 'ip_address')]
        pairs += [(field['field_name'], field['field_value']) for field in row['lead_data']]
        expected_flat.append(pairs)
    if raw != rows: failures.append((case, 'raw', raw, rows))
    if [[list(p) for p in pairs] for pairs in flat] != [[list(p) for p in pairs] for pairs in expected_flat]:
        failures.append((case, 'jsonl', flat, expected_flat))
    header = table[0]
    for pairs, record in zip(expected_flat, table[1:]):
        byname = dict(zip(header, record))
        for name, value in pairs:
            if byname[name] != cell(value): failures.append((case, 'csv', name, byname[name], cell(value)))
    if len(table) != len(rows) + 1: failures.append((case, 'csv rows', len(table)))
print(json.dumps([repr(f) for f in failures[:5]]))
sys.exit(1 if failures else 0)
`;

describe('exact values, checked by python3', () => {
  it('each lead parses, in JSONL (flattened and raw), to exactly the API values; each CSV cell holds the literal text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'robofy-exact-'));
    try {
      const pages = fc.sample(pageText, { numRuns: 150 });
      const cases = pages.map((page, n) => {
        const base = join(dir, `case${n}`);
        const { rows } = parseLeadsPage(parseUtf8Json(Buffer.from(page, 'utf8')));
        const flat = createJsonEncoder({});
        const raw = createJsonEncoder({ raw: true });
        const columns = new ColumnSet();
        const records = csvRecords(rows, columns, true, { delimiter: ',', escapeFormulas: false });
        writeFileSync(`${base}.page.json`, page);
        writeFileSync(`${base}.jsonl`, rows.map((row) => `${flat(row)}\n`).join(''));
        writeFileSync(`${base}.raw.jsonl`, rows.map((row) => `${raw(row)}\n`).join(''));
        writeFileSync(`${base}.csv`, csvHeader(columns.names, { delimiter: ',', escapeFormulas: false }) + records);
        return base;
      });
      const oracle = spawnSync('python3', ['-c', ORACLE, ...cases], { encoding: 'utf8' });
      expect(oracle.stderr).toBe('');
      expect(oracle.stdout.trim()).toBe('[]');
      expect(oracle.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
