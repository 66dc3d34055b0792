import { open, type FileHandle } from 'node:fs/promises';
import { outputError } from '../output/atomic-file.js';
import type { Delivery, FailedAttempt } from './delivery.js';

/**
 * `--dead-letter <file>`: leads the receiver refused for good, one JSON line
 * each, appended and synced to disk before the lead counts as handled, so a
 * lead leaves robofy's hands only once it is delivered or written here.
 */
export class DeadLetterFile {
  readonly path: string;
  readonly #handle: FileHandle;

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /** Opened (created 0600 if need be) before any delivery, so an unwritable path fails the run at once. */
  static async open(path: string): Promise<DeadLetterFile> {
    try {
      return new DeadLetterFile(path, await open(path, 'a', 0o600));
    } catch (error) {
      throw outputError(path, error);
    }
  }

  async append(delivery: Delivery, failure: FailedAttempt, attempts: number, now: number): Promise<void> {
    // The lead goes in as its own JSON text, exactly what was sent.
    const fields = JSON.stringify({
      webhook_id: delivery.webhookId,
      failed_at: new Date(now).toISOString(),
      attempts,
      ...(failure.httpStatus === undefined ? {} : { status: failure.httpStatus }),
      ...(failure.exitCode === undefined ? {} : { exit_code: failure.exitCode }),
      error: failure.status,
      response: failure.excerpt,
    });
    const line = `{"lead":${delivery.body},${fields.slice(1)}\n`;
    try {
      await this.#handle.appendFile(line);
      await this.#handle.datasync();
    } catch (error) {
      throw outputError(this.path, error);
    }
  }

  close(): Promise<void> {
    return this.#handle.close().catch(() => undefined);
  }
}
