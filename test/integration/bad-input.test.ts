import { beforeAll, describe, expect, it } from 'vitest';
import { problemWire } from '../../src/wire/problem.js';
import { readWire } from '../fixtures/read-wire.js';
import { adminApp, auditOfRequest, auditSince, devToken, oidcPrincipal, stack, vendApp } from './support.js';

const app = () => vendApp();

/** Issued records dated from `since` on, whoever they name: an issuance by a request made after `since` is one. */
async function issuedCount(since: Date): Promise<number> {
  return (await auditSince(since, { outcome: 'issued' })).length;
}

function conditionWith(value: string): string {
  return `{"entitlement": "demo-readonly", "sessionPolicy": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:List*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": ${value}}}}}}`;
}

describe('bad input is refused with problem+json and changes nothing', () => {
  let token: string;
  beforeAll(async () => {
    token = await devToken('alice@example.com');
  });

  const cases: Array<[string, string, number, string]> = [
    ['malformed JSON', '{"entitlement": "demo-readonly"', 400, 'invalid-request'],
    ['an empty body', '', 400, 'invalid-request'],
    ['a JSON array', '[]', 400, 'invalid-request'],
    ['wrong types', '{"entitlement": 42, "durationSeconds": "long"}', 400, 'invalid-request'],
    [
      'an unknown field',
      '{"entitlement": "demo-readonly", "roleArn": "arn:aws:iam::222222222222:role/admin"}',
      400,
      'invalid-request',
    ],
    [
      'both target forms',
      '{"entitlement": "demo-readonly", "accountId": "222222222222", "roleName": "x"}',
      400,
      'invalid-request',
    ],
    ['an unknown format', '{"entitlement": "demo-readonly", "format": "xml"}', 400, 'invalid-request'],
    [
      'a duration below STS minimum',
      '{"entitlement": "demo-readonly", "durationSeconds": 899}',
      400,
      'limit-exceeded',
    ],
    [
      'a session policy naming a principal',
      '{"entitlement": "demo-readonly", "sessionPolicy": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}}}',
      400,
      'invalid-request',
    ],
    [
      'a condition value nested 30 000 deep (under 64 KB)',
      conditionWith(`${'['.repeat(30_000)}${']'.repeat(30_000)}`),
      400,
      'invalid-request',
    ],
    ['a condition value that is an object', conditionWith('{"a": "b"}'), 400, 'invalid-request'],
    ['a condition value list holding a list', conditionWith('["a", ["b"]]'), 400, 'invalid-request'],
  ];

  it.each(cases)('%s → %i %s, audited as a denial', async (_name, body, status, code) => {
    const response = await app().request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await readWire(response, problemWire);
    expect(problem.type).toBe(`urn:credvend:problem:${code}`);
    expect(problem.detail).toEqual(expect.any(String));
    // One record, the denial: an issuance for this request would be a second record with its id.
    const events = await auditOfRequest(oidcPrincipal('alice@example.com'), problem.requestId);
    expect(events).toEqual([
      expect.objectContaining({
        outcome: 'denied',
        principal: `${stack().issuer}#alice@example.com`,
        problemCode: code,
      }),
    ]);
  });

  it('refuses a body over 64 KB with 413', async () => {
    const since = new Date();
    const before = await issuedCount(since);
    const response = await app().request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entitlement: 'demo-readonly', reason: 'x'.repeat(70 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await issuedCount(since)).toBe(before);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a malformed bearer token', 'Bearer not-a-jwt'],
    ['a token with a forged signature', 'forge'],
    ['a Basic header', 'Basic YWxpY2U6cGFzcw=='],
  ])('refuses %s with 401', async (_name, header) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (header === 'forge') {
      const [h, p] = token.split('.');
      headers.authorization = `Bearer ${h}.${p}.${'A'.repeat(86)}`;
    } else if (header) headers.authorization = header;
    const response = await app().request('/v1/credentials', {
      method: 'POST',
      headers,
      body: JSON.stringify({ entitlement: 'demo-readonly' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect((await readWire(response, problemWire)).type).toBe('urn:credvend:problem:unauthenticated');
  });
});

describe.each([
  '/v1/reviews/unused',
  '/v1/reviews/evidence',
])('GET %s refuses bad queries with problem+json, after the role check', (path) => {
  const admin = adminApp();
  const get = async (query: string, who: string) =>
    admin.request(`${path}?${query}`, {
      headers: { authorization: `Bearer ${await devToken(who)}` },
    });

  it.each([
    ['days=0'],
    ['days=401'],
    ['days=soon'],
    ['accountId=2222'],
    ['days=30&days=31'],
    ['owner=me'],
  ])('%s → 400 invalid-request for an admin', async (query) => {
    const response = await get(query, 'admin@example.com');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await readWire(response, problemWire)).type).toBe('urn:credvend:problem:invalid-request');
  });

  it('a non-admin gets the audited 403 whatever the query', async () => {
    const response = await get('days=soon', 'alice@example.com');
    expect(response.status).toBe(403);
    const problem = await readWire(response, problemWire);
    const [event] = await auditOfRequest(oidcPrincipal('alice@example.com'), problem.requestId);
    expect(event).toMatchObject({ action: 'entitlement.read', outcome: 'denied', problemCode: 'forbidden' });
  });
});
