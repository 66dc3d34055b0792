import type { IO } from '../io.js';
import { escapeForTerminal } from '../leads/terminal.js';
import type { TailStatus } from '../tail/status.js';
import { plural, seconds } from '../ui/progress.js';
import type { DeliveryEvent } from './delivery-queue.js';

/** Where delivery talks: the tail's status line and notes on stderr. */
export interface DeliveryStatus {
  /** The status line (a terminal only). */
  update(text: string): void;
  warn(text: string): void;
  note(text: string): void;
  /** Robofy's line about an attempt (newline included), with the status line out of the way; none with --quiet. */
  line(text: string): void;
  /** What a --exec command prints, as it comes; shown even with --quiet. */
  output(text: string | Buffer): void;
}

/** The delivery view of the tail's status line (which is silent with --quiet). */
export function deliveryStatus(status: TailStatus, io: IO, quiet: boolean): DeliveryStatus {
  const write = (text: string | Buffer): void => void status.around(async () => void io.stderr.write(text));
  return {
    update: (text) => status.update(text),
    warn: (text) => status.warn(text),
    note: (text) => status.note(text),
    line: quiet ? () => undefined : write,
    output: write,
  };
}

export interface ReportOptions {
  /** Where the receiver is: the URL's origin, or "the command". */
  label: string;
  deadLetterPath: string | undefined;
  /** How many leads are not yet delivered, for the status line. */
  waiting: () => number;
  /** Warn when the queue holds the caller back (a tail's polling pauses). */
  warnWhenFull: boolean;
}

/**
 * One line per attempt (time, lead id, status, ms, and the retry to come),
 * one warning when the receiver starts failing and one note when it is back,
 * and the status line.
 */
export function reportDeliveries(status: DeliveryStatus, options: ReportOptions): (event: DeliveryEvent) => void {
  const { label } = options;
  let delivered = 0;
  let failingSince: { at: number; status: string } | undefined;
  const refresh = (): void => {
    const waiting = plural(options.waiting(), 'lead');
    status.update(
      failingSince
        ? `${label} failing since ${clock(failingSince.at)} (${failingSince.status}); ${waiting} waiting, retrying…`
        : `Delivering to ${label}… ${plural(delivered, 'lead')} delivered, ${waiting} waiting`,
    );
  };
  return (event) => {
    switch (event.type) {
      case 'attempt': {
        const { outcome } = event;
        if (outcome.ok) delivered++;
        if (failingSince && !outcome.ok) failingSince.status = outcome.status;
        const retry = event.retryInMs === undefined ? '' : `  retry ${event.attempt} in ${seconds(event.retryInMs)}`;
        status.line(`${iso(event.at)}  ${escapeForTerminal(event.delivery.leadId)}  ${outcome.status}  ${event.ms}ms${retry}\n`);
        break;
      }
      case 'dead-lettered':
        status.warn(`lead ${escapeForTerminal(event.delivery.leadId)} (${event.failure.status}) written to ${options.deadLetterPath ?? 'the dead-letter file'}`);
        break;
      case 'failing':
        failingSince = { at: event.at, status: event.failure.status };
        status.warn(`${label} is failing (${event.failure.status}); retrying with backoff, ${plural(event.waiting, 'lead')} waiting`);
        break;
      case 'recovered':
        failingSince = undefined;
        status.note(`${label} answers again after ${seconds(event.downMs)}`);
        break;
      case 'full':
        if (options.warnWhenFull) status.warn(`${plural(event.waiting, 'lead')} wait for ${label}: polling paused until it takes some`);
        break;
    }
    refresh();
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}
