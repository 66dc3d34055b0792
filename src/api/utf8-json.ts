import { isAscii, isUtf8 } from 'node:buffer';
import { hasInexactNumber, parseExactly } from './exact-json.js';

const BACKSLASH_U = Buffer.from('\\u');
const HIGH = /[\u0080-\u00ff]/;

/**
 * JSON.parse of a UTF-8 body, without the UTF-8 decode of the whole body
 * that dominated an export's CPU on Node 20 (about 1 ms per 100 KB page once
 * a page holds any non-ASCII text). The body is read as Latin-1, which is a
 * plain copy, and parsed; then only the strings that hold bytes ≥ 0x80 are
 * decoded from UTF-8. That is exact because JSON's structure is ASCII and a
 * UTF-8 multi-byte sequence never contains an ASCII byte, so every sequence
 * lies within one string. A `\u` escape could yield a character ≥ 0x80 that
 * is not a UTF-8 byte: such bodies take the ordinary path. An all-ASCII
 * body, the usual case for English leads, needs no decoding at all.
 *
 * Numbers: the walk over the parsed value notes whether it holds any number
 * at all (most pages of leads hold none). Only then is the text scanned for a
 * literal JSON.parse would alter (`12345678901234567890`, `1.50`, `-0`), and
 * only a body holding one is parsed again, slowly, keeping its exact text
 * (see exact-json.ts).
 */
export function parseUtf8Json(bytes: Buffer): unknown {
  const value = parseBody(bytes);
  // Invalid bytes were decoded as U+FFFD, as TextDecoder does; remembered so the reader can be told.
  if (typeof value === 'object' && value !== null && !isAscii(bytes) && !isUtf8(bytes)) undecodable.add(value);
  return value;
}

const undecodable = new WeakSet<object>();

/** True when the body `value` was parsed from held bytes that are not UTF-8 (now U+FFFD). */
export function heldInvalidUtf8(value: unknown): boolean {
  return typeof value === 'object' && value !== null && undecodable.has(value);
}

function parseBody(bytes: Buffer): unknown {
  numbersSeen = false;
  const ascii = isAscii(bytes);
  const viaLatin1 = ascii || !bytes.includes(BACKSLASH_U);
  const text = bytes.toString(viaLatin1 ? 'latin1' : 'utf8');
  const redecoded = viaLatin1 && !ascii;
  const parsed: unknown = JSON.parse(text);
  const value = redecoded ? redecode(parsed) : parsed;
  if (!redecoded) findNumber(value);
  if (!numbersSeen || !hasInexactNumber(text)) return value;
  return parseExactly(redecoded ? bytes.toString('utf8') : text);
}

// Set by the walks of the current parse (synchronous, so never shared between two).
let numbersSeen = false;

function findNumber(value: unknown): void {
  if (typeof value === 'number') numbersSeen = true;
  if (numbersSeen || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && !numbersSeen; i++) findNumber(value[i]);
    return;
  }
  for (const key in value) {
    findNumber((value as Record<string, unknown>)[key]);
    if (numbersSeen) return;
  }
}

function redecode(value: unknown): unknown {
  if (typeof value === 'string') return HIGH.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'number') numbersSeen = true;
    return value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = redecode(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.some((key) => HIGH.test(key))) return redecodeKeys(record);
  for (const key of keys) setOwn(record, key, redecode(record[key]));
  return record;
}

/** Rare: a key with non-ASCII text. Rebuilt in order so the keys keep their places. */
function redecodeKeys(record: Record<string, unknown>): Record<string, unknown> {
  const rebuilt: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) setOwn(rebuilt, redecode(key) as string, redecode(value));
  return rebuilt;
}

/** As JSON.parse does it: `__proto__` is an own property, never the prototype. */
function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
