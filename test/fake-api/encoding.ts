/**
 * Compression and bandwidth for the fake API: pages compressed when the
 * client asks for the configured encoding, bodies paced to a bytes-per-second
 * cap per connection (a slow office or VPN link), and the hostile bodies a
 * client that decodes must survive.
 */
import type { ServerResponse } from 'node:http';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import type { Later } from './faults.js';

export type Encoding = 'gzip' | 'deflate' | 'br';

/** Level 1, nginx's default: level 6 took ~6x the CPU for ~15% fewer bytes, and the fake's CPU is not what is measured. */
const ENCODERS: Record<Encoding, (body: Buffer) => Buffer> = {
  gzip: (body) => gzipSync(body, { level: 1 }),
  deflate: (body) => deflateSync(body, { level: 1 }),
  // Quality 5: about gzip's speed; the default 11 would make the fake, not the link, the bottleneck.
  br: (body) => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
};

/** The configured encoding when the request's Accept-Encoding lists it (q=0 excluded). */
export function negotiate(accepted: string | string[] | undefined, offered: Encoding | undefined): Encoding | undefined {
  if (offered === undefined || accepted === undefined) return undefined;
  const tokens = (Array.isArray(accepted) ? accepted.join(',') : accepted).split(',').map((t) => t.trim().toLowerCase());
  return tokens.some((t) => t === offered || (t.startsWith(`${offered};`) && !/;\s*q=0(\.0*)?$/.test(t))) ? offered : undefined;
}

export function encode(body: Buffer, encoding: Encoding): Buffer {
  return ENCODERS[encoding](body);
}

/** A gzip body of concatenated members, each 1 MiB of spaces: ~1 KB on the wire per MiB it inflates to. */
export function gzipBomb(decodedBytes: number): Buffer {
  const member = gzipSync(Buffer.alloc(1 << 20, 0x20), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(decodedBytes / (1 << 20)) }, () => member));
}

/** The encoded body with its middle overwritten: the decoder fails (or its checksum does). */
export function corrupt(encoded: Buffer): Buffer {
  const copy = Buffer.from(encoded);
  const start = Math.floor(copy.length / 3);
  copy.fill(0xa5, start, Math.min(copy.length - 8, start + 64));
  return copy;
}

/**
 * Writes a body no faster than `bytesPerSecond`: each slice leaves when the
 * bytes already sent are due, so timer jitter does not add up.
 */
export function writePaced(res: ServerResponse, body: Buffer, bytesPerSecond: number, later: Later, onSent?: () => void): void {
  const slice = Math.max(1024, Math.floor(bytesPerSecond / 100));
  const started = performance.now();
  const next = (offset: number): void => {
    if (res.destroyed) return;
    const end = Math.min(body.length, offset + slice);
    if (end === body.length) {
      if (onSent) res.end(body.subarray(offset), onSent);
      else res.end(body.subarray(offset));
      return;
    }
    res.write(body.subarray(offset, end));
    const dueMs = (end / bytesPerSecond) * 1000 - (performance.now() - started);
    if (dueMs <= 0) next(end);
    else later(dueMs, () => next(end));
  };
  next(0);
}
