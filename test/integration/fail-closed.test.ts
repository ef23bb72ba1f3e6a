import { describe, expect, it } from 'vitest';
import { devToken, vendApp } from './support.js';

describe('fail-closed audit', () => {
  it('returns 503 and no credentials when the audit table cannot be written', async () => {
    // Prepare: the same wiring, pointed at an audit table that does not exist in DynamoDB Local.
    const app = vendApp({ CREDVEND_AUDIT_TABLE: 'credvend-audit-missing' });

    // Act: AssumeRole succeeds against moto, then the audit PutItem fails.
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await devToken('alice@example.com')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ entitlement: 'demo-readonly' }),
    });

    // Assess
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ type: 'urn:credvend:problem:audit-unavailable', status: 503 });
    expect(text).not.toMatch(
      /AccessKeyId|accessKeyId|SecretAccessKey|secretAccessKey|SessionToken|sessionToken|ASIA/,
    );
    expect(text).not.toContain('credvend-audit-missing');
  });
});
