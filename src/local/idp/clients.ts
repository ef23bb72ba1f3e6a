import type { ClientMetadata } from 'oidc-provider';

/** The CLI: a public native client (RFC 8252), so any loopback port is a valid redirect. */
export const CLI_CLIENT_ID = 'credvend-cli';
/**
 * The CLI with lifetimes of seconds (access 5 s, refresh 10 s), so tests and curious users
 * can watch a refresh and an expired sign-in without waiting an hour.
 */
export const SHORT_LIVED_CLI_CLIENT_ID = 'credvend-cli-short-lived';
/** A confidential client for machine callers (client credentials grant). */
export const AUTOMATION_CLIENT_ID = 'credvend-automation';
/** Local only, like everything in this IdP; printed by `npm start`. */
export const AUTOMATION_CLIENT_SECRET = 'local-automation-secret';
/** The public client `credvend dev-token` uses; it may only use the dev-token grant. */
export const DEV_TOKEN_CLIENT_ID = 'credvend-dev-token';
export const DEV_TOKEN_GRANT = 'urn:credvend:params:oauth:grant-type:dev-token';

export const SHORT_LIVED_TTL = { accessToken: 5, refreshToken: 10 } as const;

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const nativeClient = (clientId: string): ClientMetadata => ({
  client_id: clientId,
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
  response_types: ['code'],
  // The port is ignored for loopback redirects of native clients (RFC 8252 section 7.3).
  redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
});

/** The web portal: a public browser client (code + PKCE), redirected back to the portal page. */
const PORTAL_CLIENT_ID = 'credvend-portal';

/** `portalOrigin`: where the API (and so the portal page) is served, e.g. http://127.0.0.1:3000. */
export function localClients(portalOrigin: string): ClientMetadata[] {
  return [
    {
      client_id: PORTAL_CLIENT_ID,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [`${portalOrigin}/`],
      post_logout_redirect_uris: [`${portalOrigin}/`],
    },
    nativeClient(CLI_CLIENT_ID),
    nativeClient(SHORT_LIVED_CLI_CLIENT_ID),
    {
      client_id: AUTOMATION_CLIENT_ID,
      client_secret: AUTOMATION_CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: DEV_TOKEN_CLIENT_ID,
      token_endpoint_auth_method: 'none',
      grant_types: [DEV_TOKEN_GRANT],
      response_types: [],
      redirect_uris: [],
    },
  ];
}
