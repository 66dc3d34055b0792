import { createRequire } from 'node:module';
import { pipeline, Readable, type Transform } from 'node:stream';
import { ExitCode, RobofyError } from '../errors.js';
import { MalformedResponseError } from './errors.js';

const INITIAL_BYTES = 256 * 1024;
/** Bodies up to this size keep the grown buffer for the next response. */
const KEEP_BYTES = 8 * 1024 * 1024;

/** What the client asks for; each maps to its node:zlib decoder below. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';
const DECODERS = {
  gzip: 'createGunzip',
  'x-gzip': 'createGunzip',
  deflate: 'createInflate',
  br: 'createBrotliDecompress',
} as const satisfies Readonly<Record<string, keyof typeof import('node:zlib')>>;
type EncodingName = keyof typeof DECODERS;
const DECODED_CHUNK_BYTES = 64 * 1024;
/** A body encoded more times than this is refused (each layer multiplies a bomb). */
const MAX_ENCODINGS = 2;

export interface Body {
  /** The decoded body; valid until the next read. */
  bytes: Buffer;
  /** Bytes as they came over the connection (before decoding). */
  wireBytes: number;
  /** The encodings decoded, e.g. `gzip`; undefined when the body came as it is. */
  encoding?: string | undefined;
  /** Gives the buffer back for the next read; `bytes` must not be used after. */
  release(): void;
}

/** A body being received: chunks as they come off the connection, then the end. */
export interface IncomingBody {
  /** Takes a chunk as it came over the connection; throws past the cap (the caller aborts the request). */
  write(chunk: Buffer): void;
  /** The whole body, decoded. */
  end(): Promise<Body>;
  /** The request failed: gives the buffer back. */
  discard(): void;
}

/**
 * Reads response bodies into one buffer reused from page to page, held by
 * each body until its reader releases it. A Buffer per page (Buffer.concat)
 * lives outside the V8 heap and piles up until a major GC; over ten
 * thousand pages that was most of the export's memory.
 * A compressed body is decoded as it streams in, and the cap counts decoded
 * bytes, so a small body that inflates without end stops at the cap.
 */
export class BodyReader {
  #buffer: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  #busy = false;

  /** Starts a body with this Content-Encoding; an encoding robofy cannot decode throws. */
  open(maxBytes: number, contentEncoding?: string | string[]): IncomingBody {
    const encodings = parseEncodings(contentEncoding);
    // Two bodies at once (a caller's own concurrency, or a body held while the next arrives) is rare: the second gets a buffer of its own.
    const shared = !this.#busy;
    this.#busy = true;
    const sink = new Sink(shared ? this.#buffer : Buffer.allocUnsafe(INITIAL_BYTES), maxBytes, encodings);
    const release = once((): void => {
      if (!shared) return;
      if (sink.buffer.length <= KEEP_BYTES) this.#buffer = sink.buffer;
      this.#busy = false;
    });
    return encodings.length === 0 ? plainBody(sink, release) : encodedBody(sink, encodings, release);
  }
}

/** The usual case: chunks copied straight into the buffer. */
function plainBody(sink: Sink, release: () => void): IncomingBody {
  return {
    write: (chunk) => sink.append(chunk),
    end: async () => ({ bytes: sink.bytes(), wireBytes: sink.size, release }),
    discard: release,
  };
}

/** Chunks fed through the decoders (node:zlib, loaded by the first compressed response only). */
function encodedBody(sink: Sink, encodings: EncodingName[], release: () => void): IncomingBody {
  const wire = new Readable({ read: () => undefined });
  const decoded = decodeInto(sink, wire, encodings, loadZlib());
  // Failures surface from end(); until then a rejection must not count as unhandled.
  decoded.catch(() => undefined);
  return {
    write: (chunk) => void wire.push(chunk),
    end: async () => {
      wire.push(null);
      try {
        const wireBytes = await decoded;
        return { bytes: sink.bytes(), wireBytes, encoding: encodings.join('+'), release };
      } catch (error) {
        release();
        throw error;
      }
    },
    discard: () => {
      wire.destroy();
      release();
    },
  };
}

let zlib: typeof import('node:zlib') | undefined;
function loadZlib(): typeof import('node:zlib') {
  zlib ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
  return zlib;
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}

/** One body's bytes, appended into a buffer that grows as needed, up to the cap. */
class Sink {
  size = 0;

  constructor(
    public buffer: Buffer,
    private readonly maxBytes: number,
    private readonly encodings: string[],
  ) {}

  append(chunk: Buffer): void {
    if (this.size + chunk.length > this.maxBytes) throw tooLarge(this.maxBytes, this.encodings);
    if (this.size + chunk.length > this.buffer.length) this.buffer = grow(this.buffer, this.size, this.size + chunk.length);
    chunk.copy(this.buffer, this.size);
    this.size += chunk.length;
  }

  /** The body; valid until the buffer is reused by the next read. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.size);
  }
}

/** `Content-Encoding: gzip` -> ['gzip']; identity and empty mean none. Unknown ones are refused. */
function parseEncodings(header: string | string[] | undefined): EncodingName[] {
  if (header === undefined) return [];
  const names = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'identity');
  for (const name of names) {
    if (!Object.hasOwn(DECODERS, name)) throw new RobofyError(`the API sent a body encoded as "${name.slice(0, 40)}", which robofy cannot decode`, { code: 'UNSUPPORTED_ENCODING', exitCode: ExitCode.Api });
  }
  if (names.length > MAX_ENCODINGS) throw new RobofyError(`the API sent a body encoded ${names.length} times (${names.join(', ')}); refusing to decode it`, { code: 'UNSUPPORTED_ENCODING', exitCode: ExitCode.Api });
  return names as EncodingName[];
}

/**
 * Pipes the body through its decoders (last applied first) into the sink and
 * resolves with the bytes that came over the wire. Decoders make 64 KiB
 * chunks and are read by 'data' events: async iteration of 16 KiB chunks cost
 * about three times the CPU of the inflation itself.
 */
function decodeInto(sink: Sink, body: Readable, encodings: EncodingName[], zlib: typeof import('node:zlib')): Promise<number> {
  const decoders: Transform[] = encodings.toReversed().map((name) => zlib[DECODERS[name]]({ chunkSize: DECODED_CHUNK_BYTES }));
  const last = decoders.at(-1)!;
  let wireBytes = 0;
  let decoderFailure: unknown;
  let bodyFailure: unknown;
  // A broken connection fails the decoders too; only a decoder's own error means a corrupt encoding.
  body.once('error', (error: Error) => (bodyFailure = error));
  for (const decoder of decoders) decoder.once('error', (error) => (decoderFailure ??= error === bodyFailure ? undefined : error));
  // Attached in the same tick as the pipeline: a 'data' listener alone would let chunks flow past the decoders.
  body.on('data', (chunk: Buffer) => (wireBytes += chunk.length));
  last.on('data', (chunk: Buffer) => {
    try {
      sink.append(chunk);
    } catch (error) {
      last.destroy(error as Error);
    }
  });
  return new Promise((resolve, reject) => {
    pipeline([body, ...decoders], (error) => {
      if (!error) resolve(wireBytes);
      else if (!(error instanceof RobofyError) && error === decoderFailure) reject(corrupt(encodings, error));
      else reject(error);
    });
  });
}

/** Retried like a truncated body: a proxy or a broken connection can cut or garble one response. */
function corrupt(encodings: string[], cause: unknown): MalformedResponseError {
  const code = (cause as { code?: unknown } | null)?.code;
  return new MalformedResponseError(`the ${encodings.join('+')} body is corrupt or cut short${typeof code === 'string' ? ` (${code})` : ''}`, { cause });
}

function grow(buffer: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, needed));
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}

function tooLarge(maxBytes: number, encodings: string[]): RobofyError {
  const decoded = encodings.length > 0 ? ` once decoded (${encodings.join('+')})` : '';
  return new RobofyError(`a response exceeded ${Math.round(maxBytes / 1048576)} MiB${decoded}; refusing to read more`, {
    code: 'RESPONSE_TOO_LARGE',
    exitCode: ExitCode.Api,
  });
}
