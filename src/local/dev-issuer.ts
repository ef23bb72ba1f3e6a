import { Hono } from 'hono';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { z } from 'zod';

/** Longest dev token lifetime: long enough for a working day, short enough to stay a dev token. */
const MAX_TTL_SECONDS = 12 * 3600;

const tokenRequest = z
  .object({
    sub: z.string().min(1).max(256),
    email: z.string().max(256).optional(),
    ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).default(3600),
    claims: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

export type DevTokenRequest = z.input<typeof tokenRequest>;

export interface DevIssuer {
  issuer: string;
  audience: string;
  /** Routes to mount at the issuer URL's path: discovery, JWKS and a token endpoint. */
  app: Hono;
  mint(request: DevTokenRequest): Promise<string>;
}

/**
 * A real OIDC issuer for local development and tests: an ES256 key generated at start,
 * served as JWKS, so credvend verifies dev tokens exactly as it verifies a production
 * IdP's. It only exists in the local stack; never deploy it.
 */
export async function createDevIssuer(issuer: string, audience: string): Promise<DevIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = `dev-${Date.now().toString(36)}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };

  const mint = async (input: DevTokenRequest): Promise<string> => {
    const request = tokenRequest.parse(input);
    const email = request.email ?? (request.sub.includes('@') ? request.sub : undefined);
    // The dev issuer stands in for an IdP that verified the address it puts in a token.
    return new SignJWT({ ...(email ? { email, email_verified: true } : {}), ...request.claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(request.sub)
      .setIssuedAt()
      .setExpirationTime(`${request.ttlSeconds}s`)
      .sign(privateKey);
  };

  const app = new Hono();
  app.get('/.well-known/openid-configuration', (c) =>
    c.json({
      issuer,
      jwks_uri: `${issuer}/jwks.json`,
      token_endpoint: `${issuer}/token`,
      id_token_signing_alg_values_supported: ['ES256'],
      subject_types_supported: ['public'],
      response_types_supported: ['id_token'],
    }),
  );
  app.get('/jwks.json', (c) => c.json({ keys: [jwk] }));
  app.post('/token', async (c) => {
    const parsed = tokenRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json(
        {
          type: 'urn:credvend:problem:invalid-request',
          title: 'Invalid request',
          status: 400,
          detail: parsed.error.issues.map((i) => i.message).join('; '),
        },
        400,
        { 'content-type': 'application/problem+json' },
      );
    }
    return c.json({ token: await mint(parsed.data), issuer, audience });
  });
  return { issuer, audience, app, mint };
}
