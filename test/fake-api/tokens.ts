/**
 * Page tokens in the vendor's style: base64 of `{"page":N}` (N 1-based), as in
 * the documented example `eyJwYWdlIjoyfQ==`. Clients must treat them as opaque.
 */

/**
 * Base64 of `{"page":N}` never contains `+` or `/`, so a client that forgets
 * to URL-encode would go unnoticed. The awkward form prefixes a filler whose
 * base64 is `Pz8/Pj4+` and pads the JSON with spaces so the token always ends
 * in `==`: every token then carries all three characters that need care.
 */
const AWKWARD_PREFIX = '{"x":"???>>>","page":';

export function encodePageToken(page: number, awkward = false): string {
  if (!awkward) return Buffer.from(`{"page":${page}}`).toString('base64');
  let json = `${AWKWARD_PREFIX}${page}}`;
  while (json.length % 3 !== 1) json += ' ';
  return Buffer.from(json).toString('base64');
}

/**
 * The 1-based page a token names, or null if it is not one of ours. Strict on
 * purpose: the base64 must be canonical, so a `+` that arrived as a space
 * (client forgot to URL-encode) or a dropped `=` is rejected, not guessed at.
 */
export function decodePageToken(token: string): number | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) return null;
  const bytes = Buffer.from(token, 'base64');
  if (bytes.toString('base64') !== token) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('page' in parsed)) return null;
  const page = parsed.page;
  return typeof page === 'number' && Number.isSafeInteger(page) && page >= 1 ? page : null;
}
