import { signInErrorMessage } from './sign-in-errors.js';
import { isObject, text } from './wire.js';

/** What the server tells the page (data attributes on <body>): no secret in here. */
export interface PortalSettings {
  issuer: string;
  clientId: string;
  resource: string;
  region: string;
}

interface Session {
  accessToken: string;
  idToken: string;
  expiresAt: number;
}

interface Endpoints {
  authorization: string;
  token: string;
  endSession: string;
}

const PENDING_KEY = 'credvend.sign-in';

/**
 * The access token lives in this module's memory only: never localStorage, never a cookie.
 * A reload forgets it; signing in again is one redirect, because the IdP remembers its own
 * session. Only the PKCE verifier and state wait in sessionStorage across the redirect:
 * single-use values that are worthless without the code, and the code without them.
 */
let session: Session | undefined;

export function currentToken(): string | undefined {
  if (session && session.expiresAt > Date.now()) return session.accessToken;
  return undefined;
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const randomValue = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

async function discover(issuer: string): Promise<Endpoints> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const metadata: unknown = await response.json();
  if (!response.ok || !isObject(metadata) || text(metadata, 'issuer') !== issuer)
    throw new Error('the identity provider’s metadata does not name the configured issuer');
  return {
    authorization: text(metadata, 'authorization_endpoint'),
    token: text(metadata, 'token_endpoint'),
    endSession: text(metadata, 'end_session_endpoint'),
  };
}

/** RFC 8707: only for IdPs that need it to mint an access token for credvend. */
const resourceOf = (settings: PortalSettings): Record<string, string> =>
  settings.resource ? { resource: settings.resource } : {};

export const redirectUri = (): string => `${location.origin}/`;

/** Authorization code flow with PKCE (S256): off to the IdP, back to this page with a code. */
export async function signIn(settings: PortalSettings): Promise<void> {
  const endpoints = await discover(settings.issuer);
  const verifier = randomValue();
  const state = randomValue();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(endpoints.authorization);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid credvend',
    ...resourceOf(settings),
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

function takePending(): { verifier: string; state: string } | undefined {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!raw) return undefined;
  const parsed: unknown = JSON.parse(raw);
  const verifier = text(parsed, 'verifier');
  const state = text(parsed, 'state');
  return verifier && state ? { verifier, state } : undefined;
}

/** On return from the IdP: check state, redeem the code, and take the code out of the address bar. */
export async function completeSignIn(settings: PortalSettings): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code && !params.get('error')) return false;
  history.replaceState(null, '', location.pathname + location.hash);
  const pending = takePending();
  if (params.get('error')) throw new Error(signInErrorMessage(params.get('error')));
  if (!code || !pending || params.get('state') !== pending.state)
    throw new Error('sign-in state mismatch: start again');
  const endpoints = await discover(settings.issuer);
  const response = await fetch(endpoints.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: settings.clientId,
      code_verifier: pending.verifier,
      ...resourceOf(settings),
    }),
  });
  const body: unknown = await response.json();
  const accessToken = text(body, 'access_token');
  if (!response.ok || !accessToken) throw new Error(signInErrorMessage(text(body, 'error')));
  const lifetime = Number(text(body, 'expires_in')) || 300;
  session = { accessToken, idToken: text(body, 'id_token'), expiresAt: Date.now() + lifetime * 1000 };
  return true;
}

/** Forget the token here, then end the IdP's session too (it asks before signing out). */
export async function signOut(settings: PortalSettings): Promise<void> {
  const idToken = session?.idToken;
  session = undefined;
  const endpoints = await discover(settings.issuer);
  if (!endpoints.endSession) {
    location.assign(redirectUri());
    return;
  }
  const url = new URL(endpoints.endSession);
  url.search = new URLSearchParams({
    client_id: settings.clientId,
    post_logout_redirect_uri: redirectUri(),
    ...(idToken ? { id_token_hint: idToken } : {}),
  }).toString();
  location.assign(url.toString());
}
