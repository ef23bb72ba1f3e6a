import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { CliError } from '../errors.js';
import { describeOAuthError } from './oauth-errors.js';
import type { LoginAuth, StoredSession } from './stored-session.js';

/** What a sign-in tells the person at the keyboard (on stderr, so stdout stays for data). */
export type Say = (line: string) => void;

const LOGIN_TIMEOUT_MS = 5 * 60_000;

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** Plain HTTP only to an IdP on this machine (the local stack's); anything else must be HTTPS. */
function httpOptions(issuer: URL): { execute?: Array<(config: oidc.Configuration) => void> } {
  if (issuer.protocol === 'https:') return {};
  if (issuer.protocol === 'http:' && isLoopback(issuer)) return { execute: [oidc.allowInsecureRequests] };
  throw new CliError(`the issuer must be an https URL (http only on loopback): ${issuer.href}`);
}

async function discover(auth: LoginAuth): Promise<oidc.Configuration> {
  const issuer = new URL(auth.issuer);
  try {
    return await oidc.discovery(issuer, auth.clientId, undefined, oidc.None(), httpOptions(issuer));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read the IdP's configuration at ${issuer.href}: ${describeOAuthError(error)}`);
  }
}

function fromStored(auth: LoginAuth, session: StoredSession): oidc.Configuration {
  const config = new oidc.Configuration(session.serverMetadata, auth.clientId, undefined, oidc.None());
  const issuer = new URL(session.serverMetadata.issuer);
  for (const apply of httpOptions(issuer).execute ?? []) apply(config);
  return config;
}

const resourceParams = (auth: LoginAuth): Record<string, string> =>
  auth.resource ? { resource: auth.resource } : {};

function toSession(
  auth: LoginAuth,
  config: oidc.Configuration,
  tokens: oidc.TokenEndpointResponse,
  previous?: StoredSession,
): StoredSession {
  const metadata = config.serverMetadata();
  const pick = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const endpoints = {
    revocation_endpoint: pick(metadata.revocation_endpoint),
    authorization_endpoint: pick(metadata.authorization_endpoint),
    device_authorization_endpoint: pick(metadata.device_authorization_endpoint),
    jwks_uri: pick(metadata.jwks_uri),
  };
  // ID tokens are checked against the algorithms the IdP announced, also on refresh.
  const algorithms = metadata.id_token_signing_alg_values_supported;
  const tokenEndpoint = pick(metadata.token_endpoint);
  if (!tokenEndpoint) throw new CliError('the IdP has no token endpoint');
  const idToken = tokens.id_token ?? previous?.idToken;
  const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
  return {
    issuer: metadata.issuer,
    clientId: auth.clientId,
    accessToken: tokens.access_token,
    ...(idToken ? { idToken } : {}),
    ...(refreshToken ? { refreshToken } : {}),
    expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
    serverMetadata: {
      issuer: metadata.issuer,
      token_endpoint: tokenEndpoint,
      ...Object.fromEntries(Object.entries(endpoints).filter(([, v]) => v !== undefined)),
      ...(Array.isArray(algorithms) ? { id_token_signing_alg_values_supported: algorithms.map(String) } : {}),
    },
  };
}

/** The command that opens a URL in the user's browser, if this machine has one to try. */
function browserCommand(): string | undefined {
  return (
    process.env.BROWSER ??
    (process.platform === 'darwin'
      ? 'open'
      : process.platform === 'win32'
        ? 'explorer'
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? 'xdg-open'
          : undefined)
  );
}

/** Whether a browser sign-in can be started here (else the device flow suits: SSH, a server). */
export function browserAvailable(): boolean {
  return browserCommand() !== undefined;
}

/** Opens the URL in the user's browser when there is one to open; false when it could not try. */
function openBrowser(url: string): boolean {
  const command = browserCommand();
  if (!command) return false;
  spawn(command, [url], { stdio: 'ignore', detached: true })
    .on('error', () => undefined)
    .unref();
  return true;
}

/**
 * Authorization code + PKCE with a loopback redirect (RFC 8252): a one-shot server on
 * 127.0.0.1 and a random port receives the code; the browser is opened when possible and
 * the URL is always printed.
 */
export async function loginWithBrowser(auth: LoginAuth, say: Say, open: boolean): Promise<StoredSession> {
  const config = await discover(auth);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = auth.scope.split(' ').includes('openid') ? oidc.randomNonce() : undefined;
  let settle: (url: URL) => void = () => undefined;
  const callback = new Promise<URL>((resolve) => {
    settle = resolve;
  });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(
      '<!doctype html><title>credvend</title><p>Signed in to credvend. You can close this tab.</p>',
    );
    settle(url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  try {
    const { port } = server.address() as AddressInfo;
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: auth.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(nonce ? { nonce } : {}),
      ...resourceParams(auth),
    });
    const opened = open && openBrowser(url.href);
    say(opened ? 'Opening your browser to sign in. If it does not open, visit:' : 'To sign in, visit:');
    say(`  ${url.href}`);
    const returned = await withTimeout(callback, 'no sign-in arrived');
    const tokens = await oidc.authorizationCodeGrant(
      config,
      new URL(`${returned.pathname}${returned.search}`, redirectUri),
      { pkceCodeVerifier: verifier, expectedState: state, ...(nonce ? { expectedNonce: nonce } : {}) },
      resourceParams(auth),
    );
    return toSession(auth, config, tokens);
  } catch (error) {
    throw error instanceof CliError ? error : new CliError(`sign-in failed: ${describeOAuthError(error)}`, 3);
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

/** The device authorization grant (RFC 8628), for machines without a browser. */
export async function loginWithDevice(auth: LoginAuth, say: Say): Promise<StoredSession> {
  const config = await discover(auth);
  try {
    const device = await oidc.initiateDeviceAuthorization(config, {
      scope: auth.scope,
      ...resourceParams(auth),
    });
    say(`To sign in, visit ${device.verification_uri} and enter the code ${device.user_code}`);
    if (device.verification_uri_complete) say(`  or open ${device.verification_uri_complete}`);
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, device, resourceParams(auth));
    return toSession(auth, config, tokens);
  } catch (error) {
    throw new CliError(`sign-in failed: ${describeOAuthError(error)}`, 3);
  }
}

export async function refreshSession(auth: LoginAuth, session: StoredSession): Promise<StoredSession> {
  if (!session.refreshToken) throw new CliError('no refresh token');
  const config = fromStored(auth, session);
  const tokens = await oidc.refreshTokenGrant(config, session.refreshToken, resourceParams(auth));
  return toSession(auth, config, tokens, session);
}

/** Best effort: tells the IdP to forget the refresh token (RFC 7009) when it offers revocation. */
export async function revokeSession(auth: LoginAuth, session: StoredSession): Promise<boolean> {
  if (!session.refreshToken || !session.serverMetadata.revocation_endpoint) return false;
  try {
    await oidc.tokenRevocation(fromStored(auth, session), session.refreshToken, {
      token_type_hint: 'refresh_token',
    });
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError(`${what} within ${LOGIN_TIMEOUT_MS / 60_000} minutes`, 3)),
      LOGIN_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
