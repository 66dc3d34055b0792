import { UsageError } from '../errors.js';

/** One chatbot to read: the pair the leads endpoint is addressed by. */
export interface ChatbotRef {
  projectId: number;
  chatbotId: string;
}

/** `12/abc`: how a chatbot is named in messages, file templates and `--chatbots-from`. */
export function chatbotKey(ref: ChatbotRef): string {
  return `${ref.projectId}/${ref.chatbotId}`;
}

/**
 * `-c` values as given: `CHATBOT` (in `defaultProject`, from `-p`) or
 * `PROJECT/CHATBOT`. A chatbot named twice is kept once, where first named.
 * Also what a saved `chatbot` setting holding a list goes through.
 */
export function parseChatbotList(values: readonly string[], defaultProject: number | undefined): ChatbotRef[] {
  return uniqueChatbots(values.map((value) => parseChatbotValue(value, defaultProject)));
}

/**
 * The text of a `--chatbots-from` file: one `PROJECT/CHATBOT` a line; blank
 * lines and `#` comments (whole lines, or after a space) are skipped. A
 * malformed line is a usage error naming the file and the line.
 */
export function parseChatbotsFile(text: string, fileName: string): ChatbotRef[] {
  const refs: ChatbotRef[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const ref = parsePair(line);
    if (ref === undefined) {
      throw new UsageError(`${fileName} line ${i + 1}: expected PROJECT/CHATBOT (e.g. 12/abc), got "${line}"`);
    }
    refs.push(ref);
  }
  return uniqueChatbots(refs);
}

export function uniqueChatbots(refs: readonly ChatbotRef[]): ChatbotRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = chatbotKey(ref);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `PROJECT/CHATBOT` when it reads as one; otherwise, with `-p`, the whole
 * value is a chatbot id (an id may hold a slash: `-p 12 -c a/b` keeps
 * meaning chatbot "a/b").
 */
function parseChatbotValue(value: string, defaultProject: number | undefined): ChatbotRef {
  const text = value.trim();
  if (text === '') throw new UsageError('--chatbot must not be empty');
  const ref = parsePair(text);
  if (ref !== undefined) return ref;
  if (defaultProject !== undefined) return { projectId: defaultProject, chatbotId: text };
  throw new UsageError(
    text.includes('/')
      ? `--chatbot "${text}" is not PROJECT/CHATBOT (e.g. 12/abc); give --project for a chatbot id with a slash`
      : `--project is required (or set ROBOFY_PROJECT, or \`robofy config set project <id>\`) for chatbot ${text}, or name it as PROJECT/${text}`,
  );
}

/** `PROJECT/CHATBOT` with a whole-number project and a chatbot id free of slashes and spaces. */
function parsePair(text: string): ChatbotRef | undefined {
  const match = /^(\d+)\/([^/\s]+)$/.exec(text);
  if (match === null) return undefined;
  const projectId = Number(match[1]);
  return Number.isSafeInteger(projectId) ? { projectId, chatbotId: match[2]! } : undefined;
}
