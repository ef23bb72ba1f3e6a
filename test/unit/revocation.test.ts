import { describe, expect, it } from 'vitest';
import type { ChainedAuditEvent } from '../../src/domain/audit.js';
import { InvalidRequestError, LimitExceededError } from '../../src/domain/errors.js';
import { statementsOf } from '../../src/domain/policy.js';
import { revocationStatement, withRevocation } from '../../src/domain/revocation.js';

const issued = (eventId: string, sourceIdentity = 'alice@example.com'): ChainedAuditEvent => ({
  eventId,
  time: '2026-11-24T08:00:00.000Z',
  day: '2026-11-24',
  action: 'credentials.issue',
  outcome: 'issued',
  requestId: 'r',
  principal: 'p',
  authMethod: 'oidc',
  roleArn: 'arn:aws:iam::222222222222:role/credvend-readonly',
  sourceIdentity,
  chainId: 'c',
  seq: 0,
  prevHash: '0',
  hash: '1',
});

describe('revocation policy', () => {
  const now = new Date('2026-11-24T09:00:00.000Z');

  it("denies the issuance's SourceIdentity for tokens issued up to now", () => {
    // moto ignores Condition blocks on Deny, so the exact condition is checked here.
    expect(revocationStatement(issued('E1'), now)).toEqual({
      Sid: 'CredvendRevokeE1',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceIdentity': 'alice@example.com' },
        DateLessThanEquals: { 'aws:TokenIssueTime': '2026-11-24T09:00:00.000Z' },
      },
    });
  });

  it('refuses to revoke something that is not an issuance', () => {
    expect(() => revocationStatement({ ...issued('E1'), outcome: 'denied' }, now)).toThrow(
      InvalidRequestError,
    );
  });

  it('keeps other statements, replaces a repeat, and drops revocations whose tokens have all expired', () => {
    const old = revocationStatement(issued('OLD'), new Date(now.getTime() - 13 * 3600_000));
    const recent = revocationStatement(issued('RECENT'), new Date(now.getTime() - 3600_000));
    const foreign = { Sid: 'Theirs', Effect: 'Deny' as const, Action: 's3:DeleteBucket', Resource: '*' };
    const policy = withRevocation(
      { Version: '2012-10-17', Statement: [old, recent, foreign] },
      revocationStatement(issued('RECENT'), now),
      now,
    );
    expect(statementsOf(policy).map((s) => s.Sid)).toEqual(['Theirs', 'CredvendRevokeRECENT']);
  });

  it("refuses a policy over IAM's inline size", () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      revocationStatement(issued(`E${i}`, `someone-${i}-${'x'.repeat(40)}`), now),
    );
    expect(() =>
      withRevocation(
        { Version: '2012-10-17', Statement: many },
        revocationStatement(issued('LAST'), now),
        now,
      ),
    ).toThrow(LimitExceededError);
  });
});
