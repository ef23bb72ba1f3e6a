import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleResponseWire } from '../../src/wire/credentials.js';
import { problemWire } from '../../src/wire/problem.js';
import { startFakeFederation } from '../fixtures/fake-federation.js';
import { readWire } from '../fixtures/read-wire.js';
import { auditOfRequest, devToken, oidcPrincipal, vendApp } from './support.js';

/** Console sign-in against a stand-in federation endpoint that checks the getSigninToken request shape. */
describe('console sign-in (format: console)', () => {
  let federation: Awaited<ReturnType<typeof startFakeFederation>>;
  beforeAll(async () => {
    federation = await startFakeFederation();
  });
  afterAll(() => federation.close());

  it('returns a login URL built from a sign-in token for the issued session', async () => {
    const app = vendApp({
      CREDVEND_FEDERATION_ENDPOINT: federation.endpoint,
      CREDVEND_CONSOLE_ISSUER: 'credvend-test',
    });
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-readonly', format: 'console', durationSeconds: 1800 }),
    });
    expect(response.status).toBe(200);
    const body = await readWire(response, consoleResponseWire);
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(federation.endpoint);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'login',
      Issuer: 'credvend-test',
      Destination: 'https://console.aws.amazon.com/',
      SigninToken: `token-${federation.requests.length}`,
    });
    const sent = federation.requests.at(-1);
    expect(sent?.get('Action')).toBe('getSigninToken');
    expect(sent?.get('SessionDuration')).toBe('1800');
    expect(Object.keys(JSON.parse(sent?.get('Session') ?? '{}')).sort()).toEqual([
      'sessionId',
      'sessionKey',
      'sessionToken',
    ]);
    expect(body.url).not.toMatch(/ASIA|sessionKey/);
  });

  it('fails with 502 and no credentials when the federation endpoint cannot be reached', async () => {
    // Nothing listens on port 1: the sign-in token cannot be had.
    const app = vendApp({ CREDVEND_FEDERATION_ENDPOINT: 'http://127.0.0.1:1/federation' });
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-readonly', format: 'console' }),
    });
    expect(response.status).toBe(502);
    const problem = await response.text();
    expect(problem).not.toMatch(/ASIA/);
    // What failed is the console's endpoint, not STS (which issued the session): the problem says so.
    const { requestId, type, title } = problemWire.parse(JSON.parse(problem));
    expect(type).toMatch(/console-federation-unavailable$/);
    expect(title).toMatch(/^Console sign-in endpoint unavailable/);
    expect(title).not.toMatch(/STS/);
    // The audit must not hold an `issued` record for credentials that were never delivered.
    const records = await auditOfRequest(oidcPrincipal('alice@example.com'), requestId);
    expect(records.length).toBeGreaterThan(0);
    expect(records.some((e) => e.outcome === 'issued')).toBe(false);
    expect(records).toContainEqual(
      expect.objectContaining({
        outcome: 'error',
        problemCode: 'console-federation-unavailable',
        accessKeyId: expect.stringMatching(/^[A-Z0-9]{16,}$/),
      }),
    );
  });
});
