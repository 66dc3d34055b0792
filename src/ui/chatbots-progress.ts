import type { LeadsQuery } from '../api/paginate.js';
import { chatbotKey } from '../leads/chatbot-list.js';
import { plural, type Progress } from './progress.js';

/** How many chatbots still being read are named on the spinner line; the rest are counted. */
const SHOWN = 4;

/**
 * The spinner line of a many-chatbot export: the total so far, how many
 * chatbots are done, and the count of each one being read.
 */
export class ChatbotsProgress {
  readonly #progress: Progress;
  readonly #keys: string[];
  readonly #leads: number[];
  readonly #state: ('waiting' | 'reading' | 'settled')[];

  constructor(queries: readonly LeadsQuery[], progress: Progress) {
    this.#progress = progress;
    this.#keys = queries.map(chatbotKey);
    this.#leads = queries.map(() => 0);
    this.#state = queries.map(() => 'waiting');
  }

  update(index: number, leads: number): void {
    this.#leads[index] = leads;
    this.#state[index] = 'reading';
    this.#render();
  }

  settled(index: number): void {
    this.#state[index] = 'settled';
    this.#render();
  }

  #render(): void {
    if (!this.#progress.active) return;
    const total = this.#leads.reduce((sum, leads) => sum + leads, 0);
    const done = this.#state.filter((state) => state === 'settled').length;
    const reading = this.#keys.flatMap((key, i) => (this.#state[i] === 'reading' ? [`${key} ${this.#leads[i]!.toLocaleString('en-US')}`] : []));
    const shown = reading.slice(0, SHOWN).join(', ') + (reading.length > SHOWN ? `, +${reading.length - SHOWN} more` : '');
    this.#progress.update(
      `Exporting… ${plural(total, 'lead')}, ${done} of ${plural(this.#keys.length, 'chatbot')} done${shown ? `; ${shown}` : ''}`,
    );
  }
}
