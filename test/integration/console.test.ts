import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devToken, vendApp } from './support.js';

/**
 * A stand-in for AWS's federation endpoint that checks the exact request shape of the
 * getSigninToken call and hands out a token, so the login URL can be checked end to end.
 */
describe('console sign-in (format: console)', () => {
  let server: Server;
  let endpoint: string;
  const seen: URLSearchParams[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (c) => {
        body += c;
      });
      request.on('end', () => {
        const form = new URLSearchParams(body);
        seen.push(form);
        const session = JSON.parse(form.get('Session') ?? '{}') as Record<string, string>;
        const ok =
          request.method === 'POST' &&
          form.get('Action') === 'getSigninToken' &&
          /^ASIA/.test(session.sessionId ?? '') &&
          (session.sessionKey ?? '').length > 0 &&
          (session.sessionToken ?? '').length > 0 &&
          Object.keys(session).length === 3;
        response.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify(ok ? { SigninToken: 'signin-token-123' } : { error: 'bad request shape' }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/federation`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('returns a login URL built from a sign-in token for the issued session', async () => {
    const app = vendApp({ CREDVEND_FEDERATION_ENDPOINT: endpoint, CREDVEND_CONSOLE_ISSUER: 'credvend-test' });
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-readonly', format: 'console', durationSeconds: 1800 }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { url: string; eventId: string };
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(endpoint);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'login',
      Issuer: 'credvend-test',
      Destination: 'https://console.aws.amazon.com/',
      SigninToken: 'signin-token-123',
    });
    expect(seen.at(-1)?.get('SessionDuration')).toBe('1800');
    expect(body.url).not.toMatch(/ASIA|sessionKey/);
  });

  it('fails with 502 and no credentials when the federation endpoint refuses', async () => {
    const app = vendApp({
      CREDVEND_FEDERATION_ENDPOINT: `${endpoint.replace('/federation', '')}:1/federation`.replace(
        /:\d+:1/,
        ':1',
      ),
    });
    const response = await app.request('/v1/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${await devToken('alice@example.com')}` },
      body: JSON.stringify({ entitlement: 'demo-readonly', format: 'console' }),
    });
    expect(response.status).toBe(502);
    expect(await response.text()).not.toMatch(/ASIA/);
  });
});
