import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * JSON numbers whose text a JavaScript number cannot give back: JSON.parse
 * turns `12345678901234567890` into ...000, `9007199254740993` into ...992,
 * `1e400` into Infinity, `-0` into 0 and `1.50` into 1.5. Such a literal is
 * kept as a LosslessNumber holding its exact text; every other number stays
 * an ordinary number. Writers use `jsonText`, which gives the text back
 * unchanged.
 */
export type ExactNumber = LosslessNumber;

// Objects and arrays holding an ExactNumber at any depth: JSON.stringify would
// write it as an object, so writers look here before taking the native path.
const holdsExactNumber = new WeakSet<object>();

/** A number literal in a value position: after `:`, `,`, `[` or the start, and before `,`, `}`, `]` or the end. */
const NUMBER_LITERAL = /(?:[:,[]|^)\s*(-?\d[\d.eE+-]*)(?=\s*(?:[,}\]]|$))/g;

/** True when JSON.parse and String() give this number literal back as the same characters. */
function isExactLiteral(literal: string): boolean {
  return String(Number(literal)) === literal;
}

/**
 * True when the JSON text holds a number literal JSON.parse would alter. The
 * scan also looks inside strings (`"a:1.50,"`), so it can answer true for a
 * text whose numbers are all exact: that costs only the slower parse.
 */
export function hasInexactNumber(text: string): boolean {
  NUMBER_LITERAL.lastIndex = 0;
  for (let match = NUMBER_LITERAL.exec(text); match !== null; match = NUMBER_LITERAL.exec(text)) {
    if (!isExactLiteral(match[1]!)) return true;
  }
  return false;
}

/**
 * JSON.parse, except that a number literal it would alter becomes an
 * ExactNumber. A duplicate key keeps its first place and its last value, as
 * with JSON.parse. Slower than JSON.parse: for texts `hasInexactNumber` flags.
 */
export function parseExactly(text: string): unknown {
  const value = parse(text, null, { parseNumber: numberFromLiteral, onDuplicateKey: ({ newValue }) => newValue });
  remember(value);
  return value;
}

/** JSON text robofy wrote with jsonText (a journal, a spool), read back with its numbers exact: fast unless it must not be. */
export function parseJsonText(text: string): unknown {
  return hasInexactNumber(text) ? parseExactly(text) : JSON.parse(text);
}

/** A number literal as JSON.parse gives it, except that one JSON.parse would alter is an ExactNumber. */
export function numberFromLiteral(literal: string): number | ExactNumber {
  return isExactLiteral(literal) ? Number(literal) : new LosslessNumber(literal);
}

/** Marks every container that holds an ExactNumber; true when `value` is or holds one. */
function remember(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isLosslessNumber(value)) return true;
  let holds = false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) holds = remember(item) || holds;
  if (holds) holdsExactNumber.add(value);
  return holds;
}

export function isExactNumber(value: unknown): value is ExactNumber {
  return typeof value === 'object' && value !== null && isLosslessNumber(value);
}

/** JSON.stringify, writing every ExactNumber as its original text (and nothing, `undefined`, as `null`). */
export function jsonText(value: unknown): string {
  if (typeof value === 'object' && value !== null && (holdsExactNumber.has(value) || isLosslessNumber(value))) {
    return stringify(value) ?? 'null';
  }
  return JSON.stringify(value) ?? 'null';
}
