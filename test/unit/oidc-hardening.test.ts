import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcAuthenticator, type OidcSettings } from '../../src/auth/oidc.js';
import { loadConfig } from '../../src/config.js';
import { AuthenticationError } from '../../src/domain/shared/errors.js';

/** A real issuer on a loopback port: discovery metadata and a JWKS the test can change. */
interface TestIssuer {
  url: string;
  metadata: Record<string, unknown>;
  keys: JWK[];
  close(): Promise<void>;
}

async function startIssuer(): Promise<TestIssuer> {
  const state = { metadata: {} as Record<string, unknown>, keys: [] as JWK[] };
  const server: Server = createServer((req, res) => {
    const body = req.url?.endsWith('/jwks.json') ? { keys: state.keys } : state.metadata;
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.metadata = { issuer: url, jwks_uri: `${url}/jwks.json` };
  return {
    url,
    get metadata() {
      return state.metadata;
    },
    set metadata(value) {
      state.metadata = value;
    },
    get keys() {
      return state.keys;
    },
    set keys(value) {
      state.keys = value;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('OIDC hardening', () => {
  let issuer: TestIssuer;
  let es: { privateKey: CryptoKey; jwk: JWK };
  let ed: { privateKey: CryptoKey; jwk: JWK };
  const settings = (overrides: Partial<OidcSettings> = {}): OidcSettings => ({
    issuer: issuer.url,
    audience: 'credvend',
    algorithms: ['ES256'],
    nameClaim: 'sub',
    clockToleranceSeconds: 0,
    ...overrides,
  });
  const token = (
    claims: Record<string, unknown> = {},
    header: { alg?: string; kid?: string; typ?: string } = {},
    key = es.privateKey,
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({
        alg: header.alg ?? 'ES256',
        kid: header.kid ?? 'es',
        ...(header.typ ? { typ: header.typ } : {}),
      })
      .setIssuer(issuer.url)
      .setAudience('credvend')
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
  const rejected = async (oidc: OidcAuthenticator, jwt: string | Promise<string>, reason: RegExp) => {
    const error = await oidc.authenticate(await jwt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(reason);
  };

  beforeAll(async () => {
    issuer = await startIssuer();
    const esPair = await generateKeyPair('ES256');
    es = {
      privateKey: esPair.privateKey,
      jwk: { ...(await exportJWK(esPair.publicKey)), kid: 'es', alg: 'ES256' },
    };
    const edPair = await generateKeyPair('Ed25519');
    ed = {
      privateKey: edPair.privateKey,
      jwk: { ...(await exportJWK(edPair.publicKey)), kid: 'ed', alg: 'Ed25519' },
    };
    issuer.keys = [es.jwk, ed.jwk];
  });
  afterAll(() => issuer.close());

  it('discovers keys when the metadata names the configured issuer', async () => {
    expect((await new OidcAuthenticator(settings()).authenticate(await token())).identityKey).toContain(
      'alice',
    );
  });

  it('refuses discovery metadata that names another issuer', async () => {
    issuer.metadata = { ...issuer.metadata, issuer: 'https://evil.example.com' };
    try {
      await rejected(new OidcAuthenticator(settings()), token(), /names another issuer/);
    } finally {
      issuer.metadata = { ...issuer.metadata, issuer: issuer.url };
    }
  });

  it('refuses a jwks_uri that is not https, unless issuer and keys are both on loopback', async () => {
    const original = issuer.metadata;
    issuer.metadata = { ...original, jwks_uri: 'http://keys.example.com/jwks.json' };
    try {
      await rejected(new OidcAuthenticator(settings()), token(), /not https/);
    } finally {
      issuer.metadata = original;
    }
  });

  it('verifies Ed25519 tokens only where configured', async () => {
    const edToken = token({}, { alg: 'Ed25519', kid: 'ed' }, ed.privateKey);
    await rejected(new OidcAuthenticator(settings()), edToken, /algorithm not allowed/);
    const oidc = new OidcAuthenticator(settings({ algorithms: ['Ed25519'] }));
    expect((await oidc.authenticate(await edToken)).authMethod).toBe('oidc');
    expect(
      loadConfig({ CREDVEND_OIDC_ISSUER: issuer.url, CREDVEND_OIDC_ALGORITHMS: 'Ed25519' }).oidcIssuers[0]
        ?.algorithms,
    ).toEqual(['Ed25519']);
  });

  it('checks typ, azp and token age when configured', async () => {
    const strict = new OidcAuthenticator(
      settings({ requiredTyp: 'at+jwt', authorizedParty: 'cli', maxTokenAgeSeconds: 60 }),
    );
    await rejected(strict, token({ azp: 'cli' }, { typ: 'JWT' }), /typ/);
    await rejected(strict, token({ azp: 'portal' }, { typ: 'at+jwt' }), /azp/);
    const old = new SignJWT({ azp: 'cli' })
      .setProtectedHeader({ alg: 'ES256', kid: 'es', typ: 'at+jwt' })
      .setIssuer(issuer.url)
      .setAudience('credvend')
      .setSubject('alice')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime('5m')
      .sign(es.privateKey);
    await rejected(strict, old, /iat|expired/);
    expect((await strict.authenticate(await token({ azp: 'cli' }, { typ: 'at+jwt' }))).authMethod).toBe(
      'oidc',
    );
  });

  it('stops accepting a key removed from the JWKS within keyRefreshSeconds', async () => {
    const oidc = new OidcAuthenticator(settings({ keyRefreshSeconds: 2 }));
    const jwt = await token();
    await oidc.authenticate(jwt);
    issuer.keys = [ed.jwk];
    try {
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await rejected(oidc, jwt, /no matching signing key/);
      await rejected(oidc, token(), /no matching signing key/);
    } finally {
      issuer.keys = [es.jwk, ed.jwk];
    }
  });
});
