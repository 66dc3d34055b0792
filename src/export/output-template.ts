import { UsageError } from '../errors.js';
import { chatbotKey, type ChatbotRef } from '../leads/chatbot-list.js';

const PLACEHOLDER = /\{(project|chatbot)\}/g;

/** `-o 'exports/{project}-{chatbot}.csv'`: one file per chatbot rather than one combined output. */
export function isOutputTemplate(output: string | undefined): output is string {
  return output !== undefined && /\{(project|chatbot)\}/.test(output);
}

/**
 * Each chatbot's file. A chatbot id goes in percent-encoded (`.` and `..`
 * as `%2E`), so it can neither climb out of the folder nor give two
 * chatbots one file; a
 * template that still does (no `{project}`, one id in two projects) is refused.
 */
export function templatePaths(template: string, refs: readonly ChatbotRef[]): string[] {
  const owners = new Map<string, ChatbotRef>();
  return refs.map((ref) => {
    const path = template.replace(PLACEHOLDER, (_, name: string) =>
      name === 'project' ? String(ref.projectId) : pathSegment(ref.chatbotId),
    );
    const owner = owners.get(path);
    if (owner !== undefined) {
      throw new UsageError(`--output ${template} gives ${chatbotKey(owner)} and ${chatbotKey(ref)} the same file (${path}); add {project} or {chatbot}`);
    }
    owners.set(path, ref);
    return path;
  });
}

function pathSegment(id: string): string {
  const encoded = encodeURIComponent(id);
  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}
