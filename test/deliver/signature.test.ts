import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { secretKey, sign, webhookId } from '../../src/deliver/signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('webhook signature', () => {
  it('is what the standardwebhooks reference implementation computes', () => {
    const body = '{"id":"lead_1","name":"Zoë \\u2028","note":"a.b"}';
    const timestamp = 1_767_225_600;
    const expected = new Webhook(SECRET).sign('lead_abc', new Date(timestamp * 1000), body);
    expect(sign(secretKey(SECRET, 'test'), 'lead_abc', timestamp, body)).toBe(expected);
  });

  it('refuses secrets that are not whsec_ + base64 of at least 24 bytes, without repeating them', () => {
    for (const bad of ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_c2hvcnQ=', 'whsec_not base64!!', 'whsec_']) {
      expect(() => secretKey(bad, 'ROBOFY_WEBHOOK_SECRET')).toThrow(/^ROBOFY_WEBHOOK_SECRET is not a webhook secret: expected whsec_/);
    }
  });

  it('gives each lead of each chatbot its own id, the same every time', () => {
    const query = { projectId: 12, chatbotId: 'abc' };
    expect(webhookId(query, 'lead_1')).toBe(webhookId({ ...query }, 'lead_1'));
    expect(webhookId(query, 'lead_1')).toMatch(/^lead_[0-9a-f]{32}$/);
    expect(new Set([webhookId(query, 'lead_1'), webhookId(query, 'lead_2'), webhookId({ projectId: 12, chatbotId: 'abd' }, 'lead_1')]).size).toBe(3);
  });
});
