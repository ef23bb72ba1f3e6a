import { DEV_TOKEN_CLIENT_ID, DEV_TOKEN_GRANT } from './clients.js';

export interface DevTokenRequest {
  /** The local IdP's issuer URL. */
  issuer: string;
  sub: string;
  email?: string;
  ttlSeconds?: number;
  /** Groups the token carries instead of the demo user's (tests of group subjects). */
  groups?: readonly string[];
}

export class DevTokenError extends Error {
  override readonly name = 'DevTokenError';
}

/** An access token for any subject from the local IdP's dev-token grant (local stack only). */
export async function requestDevToken(request: DevTokenRequest): Promise<string> {
  const form = new URLSearchParams({
    grant_type: DEV_TOKEN_GRANT,
    client_id: DEV_TOKEN_CLIENT_ID,
    subject: request.sub,
    ...(request.email ? { email: request.email } : {}),
    ...(request.ttlSeconds !== undefined ? { ttl: String(request.ttlSeconds) } : {}),
    ...(request.groups ? { groups: request.groups.join(',') } : {}),
  });
  let response: Response;
  try {
    response = await fetch(`${request.issuer.replace(/\/$/, '')}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new DevTokenError(`cannot reach the local IdP at ${request.issuer}: is \`npm start\` running?`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (
    response.ok &&
    body &&
    typeof body === 'object' &&
    'access_token' in body &&
    typeof body.access_token === 'string'
  )
    return body.access_token;
  const detail =
    body && typeof body === 'object' && 'error_description' in body
      ? String(body.error_description)
      : `HTTP ${response.status}`;
  throw new DevTokenError(`the local IdP refused: ${detail}`);
}
