import { ExitCode, RobofyError } from '../errors.js';

/** Validates an API base URL and drops a trailing slash, so paths join cleanly. */
export function normaliseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RobofyError(`invalid API URL: ${value}`, { code: 'BAD_API_URL', exitCode: ExitCode.Usage });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RobofyError(`invalid API URL (http or https only): ${value}`, {
      code: 'BAD_API_URL',
      exitCode: ExitCode.Usage,
    });
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new RobofyError(`invalid API URL (no credentials, query or fragment): ${url.origin}`, {
      code: 'BAD_API_URL',
      exitCode: ExitCode.Usage,
    });
  }
  return url.href.replace(/\/+$/, '');
}
