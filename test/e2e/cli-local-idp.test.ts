import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  AUTOMATION_CLIENT_ID,
  AUTOMATION_CLIENT_SECRET,
  CLI_CLIENT_ID,
  DEV_TOKEN_CLIENT_ID,
  DEV_TOKEN_GRANT,
} from '../../src/local/idp/clients.js';
import { DEVICE_POLL_SECONDS } from '../../src/local/idp/device-interval.js';
import { myEntitlementsWire } from '../../src/wire/entitlements.js';
import { readWire } from '../fixtures/read-wire.js';
import { stack, standingIds } from '../integration/support.js';
import { launchChromium } from './browser.js';

const config = async (clientId: string, auth?: oidc.ClientAuth) =>
  oidc.discovery(new URL(stack().issuer), clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
  });

/** The dev-token grant asked for by hand, with `extra` form fields as a hostile client would send them. */
const devTokenRequest = (extra: Array<[string, string]>) =>
  fetch(`${stack().issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([
      ['grant_type', DEV_TOKEN_GRANT],
      ['client_id', DEV_TOKEN_CLIENT_ID],
      ['subject', 'alice@example.com'],
      ...extra,
    ]),
  });

/** A JWT's claims, read (the API verifies them; this only looks at what was issued). */
const claimsOf = (jwt: string): unknown =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));

const mine = (token: string) =>
  fetch(`${stack().apiUrl}/v1/entitlements/mine`, { headers: { authorization: `Bearer ${token}` } });

/** The local stack's IdP is oidc-provider; a standard client (openid-client) and a real browser judge it. */
describe('local IdP (oidc-provider)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('signs alice in with code + PKCE on a loopback redirect; credvend accepts the access token', async () => {
    const client = await config(CLI_CLIENT_ID);
    const callbacks: string[] = [];
    const server = createServer((request, response) => {
      callbacks.push(request.url ?? '');
      response.end('signed in');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const redirect = `http://127.0.0.1:${port}/callback`;
      const url = oidc.buildAuthorizationUrl(client, {
        redirect_uri: redirect,
        scope: 'openid offline_access',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      const page = await browser.newPage();
      await page.goto(url.href);
      await page.getByRole('button', { name: 'Alice' }).click();
      await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
      await page.close();
      const tokens = await oidc.authorizationCodeGrant(
        client,
        new URL(`http://127.0.0.1:${port}${callbacks[0]}`),
        {
          pkceCodeVerifier: verifier,
          expectedState: state,
        },
      );
      expect(tokens.claims()?.sub).toBe('alice@example.com');
      expect(tokens.refresh_token).toBeTruthy();
      const response = await mine(tokens.access_token);
      expect(response.status).toBe(200);
      const body = await readWire(response, myEntitlementsWire);
      expect(standingIds(body.entitlements.map((e) => e.id))).toEqual(['demo-deploy', 'demo-readonly']);
    } finally {
      server.close();
    }
  });

  it('refuses an authorization request without PKCE', async () => {
    const client = await config(CLI_CLIENT_ID);
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: 'http://127.0.0.1:9/callback',
      scope: 'openid',
    });
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '', url);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/requires PKCE/);
  });

  it('issues client-credentials tokens to the automation client, named by its client id', async () => {
    const client = await config(AUTOMATION_CLIENT_ID, oidc.ClientSecretBasic(AUTOMATION_CLIENT_SECRET));
    const tokens = await oidc.clientCredentialsGrant(client);
    const response = await mine(tokens.access_token);
    expect(response.status).toBe(200);
    const wrong = await config(AUTOMATION_CLIENT_ID, oidc.ClientSecretBasic('guess'));
    await expect(oidc.clientCredentialsGrant(wrong)).rejects.toMatchObject({ status: 401 });
  });

  it('dev-token groups: up to 20 names of [\\w.@-] are carried; anything else is refused and no token is issued', async () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `team.${i}@corp-x`);
    const issued = await devTokenRequest([['groups', twenty.join(',')]]);
    expect(issued.status).toBe(200);
    const token = z.object({ access_token: z.string() }).parse(await issued.json()).access_token;
    expect(claimsOf(token)).toMatchObject({ groups: twenty });

    const hostile: Array<[string, Array<[string, string]>]> = [
      ['21 names', [['groups', [...twenty, 'one-more'].join(',')]]],
      ['a space', [['groups', 'admins,team one']]],
      ['markup', [['groups', '<script>alert(1)</script>']]],
      ['a quote', [['groups', `team"x`]]],
      ['a newline', [['groups', 'team\nadmins']]],
      ['a slash', [['groups', '../admins']]],
      ['a look-alike letter', [['groups', 'аdmins']]],
      ['65 characters', [['groups', 'a'.repeat(65)]]],
      ['over 1024 characters', [['groups', Array.from({ length: 20 }, () => 'g'.repeat(60)).join(',')]]],
      [
        'the parameter twice',
        [
          ['groups', 'a'],
          ['groups', 'b'],
        ],
      ],
    ];
    for (const [what, fields] of hostile) {
      const refused = await devTokenRequest(fields);
      expect(refused.status, what).toBe(400);
      const body = z.record(z.string(), z.unknown()).parse(await refused.json());
      expect(body.error, what).toBe('invalid_request');
      expect(body, what).not.toHaveProperty('access_token');
    }
  });

  it('asks device-flow clients to poll every second, not the 5 s a missing interval means', async () => {
    const response = await fetch(`${stack().issuer}/device/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLI_CLIENT_ID, scope: 'openid' }),
    });
    expect(response.status).toBe(200);
    const body = z.object({ device_code: z.string(), interval: z.number() }).parse(await response.json());
    expect(body.interval).toBe(DEVICE_POLL_SECONDS);
    expect(DEVICE_POLL_SECONDS).toBe(1);
  });

  it('keeps the dev-token grant to its own client', async () => {
    const client = await config(AUTOMATION_CLIENT_ID, oidc.ClientSecretBasic(AUTOMATION_CLIENT_SECRET));
    await expect(
      oidc.genericGrantRequest(client, 'urn:credvend:params:oauth:grant-type:dev-token', { subject: 'x' }),
    ).rejects.toMatchObject({ error_description: 'requested grant type is not allowed for this client' });
  });
});
