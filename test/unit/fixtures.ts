import type { Caller, Entitlement } from '../../src/domain/shared/types.js';

export const ISSUER = 'https://idp.example.com';

export function caller(overrides: Partial<Caller> = {}): Caller {
  return {
    principal: `${ISSUER}#alice`,
    authMethod: 'oidc',
    identityKey: `oidc|${ISSUER}|alice`,
    subjectKeys: [`oidc|${ISSUER}|alice`],
    displayName: 'alice@example.com',
    claims: { sub: 'alice', email: 'alice@example.com', team: 'platform' },
    ...overrides,
  };
}

export function entitlement(overrides: Partial<Entitlement> = {}): Entitlement {
  return {
    id: 'ent-1',
    subject: `oidc|${ISSUER}|alice`,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/reader',
    maxDurationSeconds: 43_200,
    managedPolicyArns: [],
    tags: {},
    claimTags: {},
    transitiveTagKeys: [],
    reasonRequired: false,
    effect: 'allow',
    version: 1,
    ...overrides,
  };
}
