import { type CryptoKey, createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { OidcAuthenticator } from '../../src/auth/oidc.js';
import { AuthenticationError } from '../../src/domain/shared/errors.js';

const ISSUER = 'https://idp.example.com';
const AUDIENCE = 'credvend';

describe('OidcAuthenticator', () => {
  let signingKey: CryptoKey;
  let otherKey: CryptoKey;
  let authenticator: OidcAuthenticator;

  const sign = (
    claims: Record<string, unknown> = {},
    options: { key?: CryptoKey; kid?: string; iss?: string; aud?: string; exp?: string } = {},
  ) =>
    new SignJWT({ email: 'alice@example.com', email_verified: true, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
      .setIssuer(options.iss ?? ISSUER)
      .setAudience(options.aud ?? AUDIENCE)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m')
      .sign(options.key ?? signingKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    authenticator = new OidcAuthenticator(
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['ES256', 'RS256'],
        nameClaim: 'email',
        clockToleranceSeconds: 0,
      },
      createLocalJWKSet({ keys: [jwk] }),
    );
  });

  it('verifies a good token into a caller', async () => {
    expect(await authenticator.authenticate(await sign())).toMatchObject({
      principal: `${ISSUER}#alice`,
      authMethod: 'oidc',
      identityKey: `oidc|${ISSUER}|alice`,
      subjectKeys: [`oidc|${ISSUER}|alice`],
      displayName: 'alice@example.com',
    });
  });

  it('falls back to sub when the name claim is absent', async () => {
    expect((await authenticator.authenticate(await sign({ email: undefined }))).displayName).toBe('alice');
  });

  it('shows an email only when the IdP verified it, and never lets it be the identity', async () => {
    for (const email_verified of [undefined, false, 'false', 'true']) {
      const caller = await authenticator.authenticate(await sign({ email_verified }));
      expect(caller.displayName).toBe('alice');
      expect(caller.identityKey).toBe(`oidc|${ISSUER}|alice`);
    }
  });

  const rejects = async (token: string | Promise<string>, reason: RegExp) => {
    const error = await authenticator.authenticate(await token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(reason);
  };

  it('rejects a wrong issuer', () => rejects(sign({}, { iss: 'https://evil.example.com' }), /iss/));
  it('rejects a wrong audience', () => rejects(sign({}, { aud: 'someone-else' }), /aud/));
  it('rejects an expired token', () => rejects(sign({}, { exp: '-1m' }), /expired/));
  it('rejects a bad signature (another key, same kid)', () =>
    rejects(sign({}, { key: otherKey }), /signature/));
  it('rejects an unknown kid', () => rejects(sign({}, { kid: 'k2' }), /no matching signing key/));

  it('rejects alg none', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', exp: now + 300 })}.`;
    await rejects(unsigned, /algorithm|malformed/);
  });

  it('rejects an HS256 token signed with a shared secret', async () => {
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-sufficient-length!!'));
    await rejects(hs, /algorithm/);
  });

  it('rejects a token without a subject', async () => {
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(signingKey);
    await rejects(noSub, /sub/);
  });
});
