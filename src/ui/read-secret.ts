import type { Readable } from 'node:stream';
import type { IO } from '../io.js';
import { InterruptedError, abortError } from '../errors.js';

interface RawModeStream extends Readable {
  setRawMode?(mode: boolean): unknown;
}

/** Reads a line from a TTY without echoing it (the key must not land in scrollback). */
export function readSecretFromTty(io: IO, prompt: string): Promise<string> {
  const input = io.stdin as RawModeStream;
  // Echo goes off before the prompt shows, so nothing typed once it is visible reaches the screen.
  input.setRawMode?.(true);
  io.stderr.write(prompt);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      io.signal.removeEventListener('abort', onAbort);
      input.setRawMode?.(false);
      input.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new InterruptedError('SIGINT'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    // A SIGINT or SIGTERM from outside (raw mode turns Ctrl-C into a character, handled above).
    const onAbort = (): void => finish(abortError(io.signal));
    input.on('data', onData);
    if (io.signal.aborted) return onAbort();
    io.signal.addEventListener('abort', onAbort);
  });
}

/** All of standard input as text (`echo $KEY | robofy login --with-token`). */
export async function readAll(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
