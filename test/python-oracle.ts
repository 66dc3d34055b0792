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

const XLSX_READER = `
import json, re, sys, zipfile
import xml.etree.ElementTree as ET
M = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
R = '{http://schemas.openxmlformats.org/officeDocument/2006/relationships}'
ESCAPE = re.compile(r'_x([0-9A-Fa-f]{4})_')
def unescape(text):
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
def column(ref):
    n = 0
    for ch in re.match(r'[A-Z]+', ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
parts = z.namelist()
formulas = [p for p in parts if re.search(rb'<(\\\\w+:)?f[\\\\s/>]', z.read(p))]
book = ET.fromstring(z.read('xl/workbook.xml'))
targets = {r.get('Id'): r.get('Target') for r in ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))}
styles = ET.fromstring(z.read('xl/styles.xml'))
formats = {f.get('numFmtId'): f.get('formatCode') for f in styles.iter(M + 'numFmt')}
bold = [font.find(M + 'b') is not None for font in styles.find(M + 'fonts')]
xfs = [(bold[int(x.get('fontId', '0'))], formats.get(x.get('numFmtId'), 'General')) for x in styles.find(M + 'cellXfs')]
sheets = []
for entry in book.find(M + 'sheets'):
    root = ET.fromstring(z.read('xl/' + targets[entry.get(R + 'id')]))
    pane = root.find(M + 'sheetViews/' + M + 'sheetView/' + M + 'pane')
    autofilter = root.find(M + 'autoFilter')
    rows = []
    for row in root.find(M + 'sheetData'):
        assert int(row.get('r')) == len(rows) + 1, 'rows out of order'
        cells = []
        for c in row:
            kind = c.get('t', 'n')
            if kind == 'inlineStr':
                value = unescape(''.join(t.text or '' for t in c.iter(M + 't')))
            else:
                value = c.find(M + 'v').text
            at = column(c.get('r'))
            assert at >= len(cells), 'cells out of order'
            cells.extend([None] * (at - len(cells)))
            is_bold, number_format = xfs[int(c.get('s', '0'))]
            cells.append({'type': kind, 'value': value, 'bold': is_bold, 'format': number_format})
        rows.append(cells)
    sheets.append({
        'name': entry.get('name'),
        'frozen': pane is not None and pane.get('state') == 'frozen' and pane.get('ySplit') == '1',
        'autoFilter': None if autofilter is None else autofilter.get('ref'),
        'widths': [float(c.get('width')) for c in root.iter(M + 'col')],
        'rows': rows,
    })
json.dump({'parts': parts, 'formulaParts': formulas, 'sheets': sheets}, sys.stdout)
`;

/** One cell as read back: its OOXML type (inlineStr, n, b), the value as text (numbers too), bold, number format. */
export interface XlsxCell {
  type: string;
  value: string;
  bold: boolean;
  format: string;
}

export interface XlsxSheet {
  name: string;
  /** The header row is frozen. */
  frozen: boolean;
  autoFilter: string | null;
  widths: number[];
  /** Row by row, cell by column; null where a row has no cell. */
  rows: (XlsxCell | null)[][];
}

export interface XlsxWorkbook {
  parts: string[];
  /** Parts that contain a formula element: must be none. */
  formulaParts: string[];
  sheets: XlsxSheet[];
}

/** The workbook at `path` as Python reads it with zipfile and xml.etree (`_xHHHH_` escapes decoded). */
export function pythonXlsx(path: string): XlsxWorkbook {
  return runPython(XLSX_READER, '', [path]) as XlsxWorkbook;
}
