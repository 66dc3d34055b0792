import { pipeline, type Readable, type Transform } from 'node:stream';
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
/** A body encoded more times than this is refused (each layer multiplies a bomb). */
const MAX_ENCODINGS = 2;

export interface Body {
  /** The decoded body; valid until the next read. */
  bytes: Buffer;
  /** Bytes as they came over the connection (before decoding). */
  wireBytes: number;
  /** The encodings decoded, e.g. `gzip`; undefined when the body came as it is. */
  encoding?: string | undefined;
}

/**
 * Reads response bodies into one buffer reused from page to page. A Buffer
 * per page (Buffer.concat) lives outside the V8 heap and piles up until a
 * major GC; over ten thousand pages that was most of the export's memory.
 * A compressed body is decoded as it streams in, and the cap counts decoded
 * bytes, so a small body that inflates without end stops at the cap.
 */
export class BodyReader {
  #buffer: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  #busy = false;

  async read(body: Readable, maxBytes: number, contentEncoding?: string | string[]): Promise<Body> {
    let encodings: EncodingName[];
    try {
      encodings = parseEncodings(contentEncoding);
    } catch (error) {
      body.destroy();
      throw error;
    }
    if (encodings.length === 0) {
      const bytes = await this.#collect(body, maxBytes);
      return { bytes, wireBytes: bytes.length };
    }
    // node:zlib is loaded by the first compressed response, so a run the API never compresses does not pay for it.
    const zlib = await import('node:zlib');
    let wireBytes = 0;
    // Attached in the same tick as the decoders: a 'data' listener alone would let chunks flow past them.
    body.on('data', (chunk: Buffer) => (wireBytes += chunk.length));
    const decoded = decode(body, encodings, zlib);
    try {
      return { bytes: await this.#collect(decoded.stream, maxBytes, encodings), wireBytes, encoding: encodings.join('+') };
    } catch (error) {
      if (error === decoded.failure()) throw corrupt(encodings, error);
      throw error;
    } finally {
      decoded.stream.destroy();
    }
  }

  /** The whole body; the bytes are valid until the next read. */
  async #collect(body: AsyncIterable<Buffer>, maxBytes: number, encodings: string[] = []): Promise<Buffer> {
    // Two bodies at once (a caller's own concurrency) is rare: the second gets a buffer of its own.
    const shared = !this.#busy;
    this.#busy = true;
    let buffer: Buffer = shared ? this.#buffer : Buffer.allocUnsafe(INITIAL_BYTES);
    let size = 0;
    try {
      for await (const chunk of body) {
        if (size + chunk.length > maxBytes) throw tooLarge(maxBytes, encodings);
        if (size + chunk.length > buffer.length) buffer = grow(buffer, size, size + chunk.length);
        chunk.copy(buffer, size);
        size += chunk.length;
      }
      return buffer.subarray(0, size);
    } finally {
      if (shared) {
        if (buffer.length <= KEEP_BYTES) this.#buffer = buffer;
        this.#busy = false;
      }
    }
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

/** The body through its decoders, last applied first; `failure()` is the error a decoder raised, if any. */
function decode(body: Readable, encodings: EncodingName[], zlib: typeof import('node:zlib')): { stream: Transform; failure: () => unknown } {
  const decoders: Transform[] = encodings.toReversed().map((name) => zlib[DECODERS[name]]());
  let failure: unknown;
  let bodyFailure: unknown;
  // A broken connection fails the decoders too; only a decoder's own error means a corrupt encoding.
  body.once('error', (error: Error) => (bodyFailure = error));
  for (const decoder of decoders) decoder.once('error', (error) => (failure ??= error === bodyFailure ? undefined : error));
  // Errors reach the reader through the last stream; this callback only has to exist.
  pipeline([body, ...decoders], () => undefined);
  return { stream: decoders.at(-1)!, failure: () => failure };
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
