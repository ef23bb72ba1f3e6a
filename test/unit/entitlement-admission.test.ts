import { describe, expect, it } from 'vitest';
import { validateEntitlement } from '../../src/domain/admin/entitlement-validation.js';
import { InvalidRequestError } from '../../src/domain/shared/errors.js';
import { parseEntitlementBody } from '../../src/http/entitlement-schema.js';
import { entitlement } from './fixtures.js';

const body = (subject: unknown) =>
  JSON.stringify({
    subject,
    accountId: '222222222222',
    roleArn: 'arn:aws:iam::222222222222:role/credvend-reader',
    maxDurationSeconds: 3600,
  });

function refusal(text: string): InvalidRequestError | undefined {
  try {
    parseEntitlementBody('ent-1', text);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
}

describe('an entitlement body whose issuer holds the subject-key delimiter', () => {
  // `group|https://a|b|ops` would read as issuer https://a with group `b|ops` too.
  it.each([
    ['oidc', { oidc: { issuer: 'https://idp.example.com/tenant|x', sub: 'alice' } }],
    ['group', { group: { issuer: 'https://idp.example.com/tenant|x', name: 'ops' } }],
    ['claims', { claims: { issuer: 'https://idp.example.com/tenant|x', conditions: { repo: 'org/app' } } }],
  ])('is refused for a %s subject', (_kind, subject) => {
    expect(refusal(body(subject))?.issues.some((i) => i.path.startsWith('subject'))).toBe(true);
  });

  it('is accepted once the issuer is plain', () => {
    expect(refusal(body({ group: { issuer: 'https://idp.example.com', name: 'ops' } }))).toBeUndefined();
  });
});

describe("an entitlement's session tags leave room for credvend-caller", () => {
  const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
  const tagIssues = (e: ReturnType<typeof entitlement>) =>
    validateEntitlement(e).filter((i) => i.path.startsWith('tags'));

  it('accepts 49 tags and refuses 50, counting claim tags too', () => {
    expect(tagIssues(entitlement({ tags: tags(49) }))).toEqual([]);
    expect(tagIssues(entitlement({ tags: tags(50) }))).not.toEqual([]);
    expect(tagIssues(entitlement({ tags: tags(48), claimTags: { a: 'sub', b: 'email' } }))).not.toEqual([]);
  });

  it('refuses the credvend-caller key in any case', () => {
    expect(tagIssues(entitlement({ tags: { 'CREDVEND-CALLER': 'mallory' } }))).not.toEqual([]);
    expect(tagIssues(entitlement({ claimTags: { 'credvend-caller': 'email' } }))).not.toEqual([]);
  });
});
