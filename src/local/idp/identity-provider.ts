import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, errors, type ResourceServer } from 'oidc-provider';
import { escapeHtml } from '../../http/html.js';
import { localClients, SHORT_LIVED_CLI_CLIENT_ID, SHORT_LIVED_TTL } from './clients.js';
import { claimsFor } from './demo-users.js';
import { devTokenEmails, devTokenGroups, registerDevTokenGrant } from './dev-token-grant.js';
import { deviceInterval } from './device-interval.js';
import { loginInteractions } from './login-interactions.js';
import { logoutSource } from './logout-page.js';

/** The resource indicator (RFC 8707) for the credvend API; its access tokens carry `aud` = the audience. */
export const CREDVEND_RESOURCE = 'urn:credvend:api';

export interface LocalIdentityProvider {
  issuer: string;
  audience: string;
  /** Path on the API server the IdP is mounted at (the issuer URL's path). */
  basePath: string;
  /** Node handler for every request under `basePath`. */
  handle(request: IncomingMessage, response: ServerResponse): void;
}

/**
 * The local stack's OpenID Provider: `oidc-provider` (the certified implementation), with
 * the demo users, a password-less login page, code + PKCE, the device flow, refresh tokens,
 * client credentials, and JWT access tokens for credvend (ES256, `aud` = the audience).
 * State lives in memory: a restart signs everyone out, as a dev IdP should.
 */
export async function createLocalIdentityProvider(
  issuer: string,
  audience: string,
): Promise<LocalIdentityProvider> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    alg: 'ES256',
    use: 'sig',
    kid: `local-${Date.now().toString(36)}`,
  };
  const resourceServer: ResourceServer = {
    scope: 'credvend',
    audience,
    accessTokenFormat: 'jwt',
    accessTokenTTL: 3600,
    jwt: { sign: { alg: 'ES256' } },
  };
  const basePath = new URL(issuer).pathname.replace(/\/$/, '');
  const shortLived = (clientId: string | undefined) => clientId === SHORT_LIVED_CLI_CLIENT_ID;

  const configuration: Configuration = {
    clients: localClients(new URL(issuer).origin),
    jwks: { keys: [signingKey] },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => claimsFor(sub) }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups', 'credvend'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => CREDVEND_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator, client) => {
          if (indicator !== CREDVEND_RESOURCE)
            throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return shortLived(client.clientId)
            ? { ...resourceServer, accessTokenTTL: SHORT_LIVED_TTL.accessToken }
            : resourceServer;
        },
      },
    },
    // What credvend reads from a token besides `sub`: the email names the session; groups can grant roles.
    extraTokenClaims: (_ctx, token) => {
      const sub = 'accountId' in token ? token.accountId : undefined;
      if (!sub) return undefined;
      const claims = claimsFor(sub);
      const email = devTokenEmails.get(token) ?? claims.email;
      const groups = devTokenGroups.get(token) ?? claims.groups;
      // The IdP verified these addresses (they are its own users'), as email_verified says.
      return {
        ...(email ? { email, email_verified: true } : {}),
        ...(groups ? { groups } : {}),
      };
    },
    // CLIs sign in once and refresh silently: every client allowed the grant gets a refresh token.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      RefreshToken: (_ctx, _token, client) =>
        shortLived(client.clientId) ? SHORT_LIVED_TTL.refreshToken : 14 * 86_400,
      ClientCredentials: 3600,
      DeviceCode: 600,
      Interaction: 600,
      Session: 86_400,
      Grant: 14 * 86_400,
      AuthorizationCode: 60,
      IdToken: 3600,
    },
    interactions: { url: (_ctx, interaction) => `${basePath}/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>credvend local IdP: error</title><h1>${escapeHtml(out.error)}</h1><p>${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  };
  const provider = new Provider(issuer, configuration);
  // Plain HTTP on loopback: there is no TLS proxy in front, and the issuer says http.
  provider.proxy = false;
  registerDevTokenGrant(provider, CREDVEND_RESOURCE, resourceServer);
  provider.use(loginInteractions(provider, basePath));
  provider.use(deviceInterval());
  const callback = provider.callback();
  return {
    issuer,
    audience,
    basePath,
    handle: (request, response) => {
      // oidc-provider, like any mounted app, expects the mount path stripped and kept in originalUrl.
      const original = request.url ?? '/';
      Object.assign(request, { originalUrl: original, url: original.slice(basePath.length) || '/' });
      void callback(request, response);
    },
  };
}
