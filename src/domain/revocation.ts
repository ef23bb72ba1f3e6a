import type { ChainedAuditEvent } from './audit.js';
import { InvalidRequestError, LimitExceededError } from './errors.js';
import { minifyPolicy, type PolicyDocument, type PolicyStatement, statementsOf } from './policy.js';

/** Name of the inline policy on a target role that holds credvend's revocations. */
export const REVOCATION_POLICY_NAME = 'credvend-revocations';
/** IAM's limit on all of a role's inline policies together. */
export const ROLE_INLINE_POLICY_MAX_CHARS = 10_240;
/** Longest STS session: after this, every token a revocation targets has expired anyway. */
const LONGEST_SESSION_MS = 43_200 * 1000;
const SID_PREFIX = 'CredvendRevoke';

/**
 * STS credentials cannot be deleted, so a revocation is a Deny on the target role for
 * sessions with that issuance's SourceIdentity whose token was issued up to now. It denies
 * every session of that person on that role issued until now (the SourceIdentity is the
 * person, not the issuance), which is what revoking in an incident needs; sessions issued
 * afterwards are not affected.
 */
export function revocationStatement(event: ChainedAuditEvent, now: Date): PolicyStatement {
  if (
    event.outcome !== 'issued' ||
    event.action !== 'credentials.issue' ||
    !event.sourceIdentity ||
    !event.roleArn
  ) {
    throw new InvalidRequestError(`event ${event.eventId} is not an issuance and cannot be revoked`);
  }
  return {
    Sid: `${SID_PREFIX}${event.eventId}`,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:SourceIdentity': event.sourceIdentity },
      DateLessThanEquals: { 'aws:TokenIssueTime': now.toISOString() },
    },
  };
}

function issuedUntil(statement: PolicyStatement): number {
  const value = statement.Condition?.DateLessThanEquals?.['aws:TokenIssueTime'];
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

/**
 * The role's revocation policy with `statement` added: revocations whose tokens have all
 * expired are dropped, a repeated revocation of one event replaces itself, and the result
 * must fit IAM's inline-policy size.
 */
export function withRevocation(
  existing: PolicyDocument | undefined,
  statement: PolicyStatement,
  now: Date,
): PolicyDocument {
  const kept = (existing ? statementsOf(existing) : []).filter(
    (s) =>
      s.Sid !== statement.Sid &&
      (s.Sid?.startsWith(SID_PREFIX) !== true || issuedUntil(s) > now.getTime() - LONGEST_SESSION_MS),
  );
  const policy: PolicyDocument = { Version: '2012-10-17', Statement: [...kept, statement] };
  const size = minifyPolicy(policy).length;
  if (size > ROLE_INLINE_POLICY_MAX_CHARS) {
    throw new LimitExceededError(
      'revocation-policy-size',
      `the role's revocation policy would be ${size} characters; IAM allows ${ROLE_INLINE_POLICY_MAX_CHARS} for all inline policies`,
    );
  }
  return policy;
}
