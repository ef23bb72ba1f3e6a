import fc from 'fast-check';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { callerFromAwsArn } from '../../src/auth/aws-principal.js';
import { OidcAuthenticator } from '../../src/auth/oidc.js';
import { CALLER_NAME_TAG, sourceIdentityFor } from '../../src/domain/identity/caller-identity.js';
import { planIssuance } from '../../src/domain/issuance/plan.js';
import { revocationStatement } from '../../src/domain/revocation/revocation.js';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';
import type { Caller } from '../../src/domain/shared/types.js';
import { oidcSubject } from '../../src/domain/subjects/subjects.js';
import { caller, entitlement, ISSUER } from './fixtures.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const STS_IDENTIFIER = /^[\w+=,.@-]{2,64}$/;
const plan = (who: Caller) =>
  planIssuance(
    entitlement({ subject: who.subjectKeys[0] ?? '' }),
    { target: { entitlementId: 'ent-1' } },
    who,
    {
      roleChaining: false,
      now: new Date(),
    },
  );
const oidcCaller = (issuer: string, sub: string, displayName = sub): Caller =>
  caller({ identityKey: oidcSubject(issuer, sub), subjectKeys: [oidcSubject(issuer, sub)], displayName });

/** Pairs the old sanitise-and-cut naming mapped to one SourceIdentity. */
const COLLIDING: Array<[string, Caller, Caller]> = [
  ['repo:a/b-c vs repo:a-b/c', oidcCaller(GITHUB, 'repo:a/b-c'), oidcCaller(GITHUB, 'repo:a-b/c')],
  ['auth0|x vs auth0-x', oidcCaller(ISSUER, 'auth0|x'), oidcCaller(ISSUER, 'auth0-x')],
  [
    'long GitHub subjects equal in their first 64 characters',
    oidcCaller(GITHUB, `repo:my-org/${'r'.repeat(60)}:ref:refs/heads/main`),
    oidcCaller(GITHUB, `repo:my-org/${'r'.repeat(60)}:ref:refs/heads/evil`),
  ],
  [
    'another subject whose name is alice',
    oidcCaller(ISSUER, 'alice', 'alice@example.com'),
    oidcCaller(ISSUER, 'mallory', 'alice@example.com'),
  ],
  ['one sub at two issuers', oidcCaller(ISSUER, 'alice'), oidcCaller('https://other.example.com', 'alice')],
];

describe('SourceIdentity names exactly one caller', () => {
  it.each(COLLIDING)('%s: distinct SourceIdentity, distinct revocation', (_, one, other) => {
    const [a, b] = [plan(one), plan(other)];
    expect(a.sourceIdentity).not.toBe(b.sourceIdentity);
    for (const p of [a, b]) {
      expect(p.sourceIdentity).toMatch(STS_IDENTIFIER);
      expect(p.sessionName).toMatch(STS_IDENTIFIER);
      expect(p.sourceIdentity.toLowerCase().startsWith('aws:')).toBe(false);
    }
    const revoke = (sourceIdentity: string) =>
      revocationStatement(
        {
          eventId: '01J0000000000000000000000A',
          time: '2026-06-01T00:00:00.000Z',
          action: 'credentials.issue',
          outcome: 'issued',
          requestId: 'r',
          principal: 'p',
          authMethod: 'oidc',
          roleArn: 'arn:aws:iam::222222222222:role/reader',
          sourceIdentity,
          chainId: 'c',
          seq: 0,
          prevHash: '',
          hash: '',
          day: '2026-06-01',
        },
        new Date('2026-06-01T00:00:00Z'),
      ).Condition;
    expect(revoke(a.sourceIdentity)).not.toEqual(revoke(b.sourceIdentity));
  });

  it('is stable for one caller and within STS rules for any key (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (x, y) => {
        const [sx, sy] = [sourceIdentityFor(x), sourceIdentityFor(y)];
        expect(sx).toMatch(STS_IDENTIFIER);
        expect(sourceIdentityFor(x)).toBe(sx);
        if (x !== y) expect(sx).not.toBe(sy);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a readable prefix', () => {
    expect(sourceIdentityFor(oidcSubject(GITHUB, 'repo:org/app:ref:refs/heads/main'))).toMatch(
      /^repo-org-app-ref-refs-heads-mai\.[0-9a-f]{32}$/,
    );
    expect(sourceIdentityFor('aws|arn:aws:iam::111111111111:role/deployer')).toMatch(
      /^deployer\.[0-9a-f]{32}$/,
    );
    expect(sourceIdentityFor('aws|arn:aws:iam::111111111111:root')).toMatch(/^root-111111111111\./);
  });

  it('refuses an issuer holding the subject-key delimiter instead of building an ambiguous key', () => {
    expect(() => oidcSubject('https://idp.example.com|a', 'b')).toThrow(InvalidRequestError);
    expect(oidcSubject(ISSUER, 'a|b')).toBe(`oidc|${ISSUER}|a|b`);
  });
});

describe('display names are display only', () => {
  it('uses the readable name as RoleSessionName where STS takes it as is, else the SourceIdentity', () => {
    expect(plan(oidcCaller(ISSUER, 'alice', 'alice@example.com')).sessionName).toBe('alice@example.com');
    for (const name of ['Zoë Müller', 'x', 'b'.repeat(65), 'repo:org/app']) {
      const p = plan(oidcCaller(ISSUER, 'someone', name));
      expect(p.sessionName).toBe(p.sourceIdentity);
    }
  });

  it('sends the readable name as a session tag, after the entitlement’s own 49', () => {
    const p = plan(oidcCaller(ISSUER, 'alice', 'Zoë Müller'));
    expect(p.tags).toContainEqual({ key: CALLER_NAME_TAG, value: 'Zoë Müller' });
    const own = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    const crowded = planIssuance(
      entitlement({ tags: own }),
      { target: { entitlementId: 'ent-1' } },
      caller(),
      {
        roleChaining: false,
        now: new Date(),
      },
    );
    expect(crowded.tags).toHaveLength(50);
    expect(crowded.tags.at(-1)?.key).toBe(CALLER_NAME_TAG);
  });

  it('gives an AWS caller the identity of its role, whatever session name it chose', () => {
    const one = callerFromAwsArn('arn:aws:sts::111111111111:assumed-role/deployer/alice@example.com');
    const two = callerFromAwsArn('arn:aws:sts::111111111111:assumed-role/deployer/build-42');
    if (!one || !two) throw new Error('assumed-role ARNs must map to callers');
    expect(one.identityKey).toBe(two.identityKey);
    expect(one.displayName).toBe('deployer');
    const planned = plan({ ...one, subjectKeys: ['aws|arn:aws:iam::111111111111:role/deployer'] });
    expect(planned.sessionName).toBe('deployer');
    expect(planned.sourceIdentity).toMatch(/^deployer\./);
    expect(JSON.stringify(planned)).not.toContain('alice@example.com');
  });

  it('never takes the name from an unverified email claim, and keeps another subject apart from alice', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' };
    const oidc = new OidcAuthenticator(
      {
        issuer: ISSUER,
        audience: 'credvend',
        algorithms: ['ES256'],
        nameClaim: 'email',
        clockToleranceSeconds: 0,
      },
      createLocalJWKSet({ keys: [jwk] }),
    );
    const token = (sub: string, claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k' })
        .setIssuer(ISSUER)
        .setAudience('credvend')
        .setSubject(sub)
        .setExpirationTime('5m')
        .sign(privateKey);
    const alice = await oidc.authenticate(
      await token('alice', { email: 'alice@example.com', email_verified: true }),
    );
    const mallory = await oidc.authenticate(await token('mallory', { email: 'alice@example.com' }));
    expect(alice.displayName).toBe('alice@example.com');
    expect(mallory.displayName).toBe('mallory');
    const [a, m] = [plan(alice), plan(mallory)];
    expect(m.sourceIdentity).not.toBe(a.sourceIdentity);
    expect(m.sessionName).toBe('mallory');
  });
});
