import { createHash, createHmac } from 'node:crypto';
import type { LeadsQuery } from '../api/paginate.js';
import { UsageError } from '../errors.js';

/**
 * Standard Webhooks (standardwebhooks.com): secrets are `whsec_` + base64,
 * and a message is signed as `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")).
 */
const SECRET_PREFIX = 'whsec_';
/** The spec asks for 24 to 64 bytes; fewer would be a weak key. */
const MIN_SECRET_BYTES = 24;

/** The HMAC key inside a `whsec_` secret. The message never repeats the secret: it may be printed. */
export function secretKey(secret: string, from: string): Buffer {
  const encoded = secret.trim().replace(/^whsec_/, '');
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
  if (!secret.trim().startsWith(SECRET_PREFIX) || key.length < MIN_SECRET_BYTES) {
    throw new UsageError(`${from} is not a webhook secret: expected whsec_ followed by base64 of at least ${MIN_SECRET_BYTES} bytes`);
  }
  return key;
}

export function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * The `webhook-id` of a lead: the same on every attempt and every run, so a
 * receiver can drop repeats; different for every lead of every chatbot.
 */
export function webhookId(query: LeadsQuery, leadId: string): string {
  const digest = createHash('sha256').update(`${query.projectId}\n${query.chatbotId}\n${leadId}`).digest('hex');
  return `lead_${digest.slice(0, 32)}`;
}
