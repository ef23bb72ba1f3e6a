import type { ChainedAuditEvent } from '../audit/audit.js';
import { minifyPolicy, type PolicyDocument, type PolicyStatement, statementsOf } from '../policy/policy.js';
import { InvalidRequestError, LimitExceededError } from '../shared/errors.js';

/**
 * Path of the customer-managed policies that hold a role's revocations, one set per role.
 * Managed policies, not the role's inline policy: all of a role's inline policies share
 * 10 240 characters, about 50 revocations; up to nine managed policies of 6 144 hold 250+.
 */
export const REVOCATION_POLICY_PATH = '/credvend-revocations/';
/** IAM's limit on one managed policy document (whitespace not counted; we send none). */
export const MANAGED_POLICY_MAX_CHARS = 6_144;
/** IAM's default quota of managed policies attached to one role. */
export const ROLE_MANAGED_POLICY_QUOTA = 10;
/** Longest STS session: after this, every token a revocation targets has expired anyway. */
const LONGEST_SESSION_MS = 43_200 * 1000;
/**
 * The cutoff is this much after the revocation: STS's clock may run ahead of credvend's,
 * and TokenIssueTime has whole seconds. A session issued within it is revoked too.
 */
const REVOCATION_SKEW_MARGIN_MS = 5_000;
const TOKEN_ISSUE_TIME = 'aws:TokenIssueTime';
const SOURCE_IDENTITY = 'aws:SourceIdentity';

/** The revocation policy name for one slot of one role (IAM names: 128 of `[\w+=,.@-]`). */
export function revocationPolicyName(roleName: string, slot: number): string {
  return `credvend-revocations-${roleName}-${slot}`;
}

/**
 * STS credentials cannot be deleted, so a revocation is a Deny on the target role for
 * sessions with the issuance's SourceIdentity (one caller, every session) whose token was
 * issued up to now plus the skew margin; sessions issued later are not affected.
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
  const cutoff = new Date(Math.ceil((now.getTime() + REVOCATION_SKEW_MARGIN_MS) / 1000) * 1000);
  return {
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      StringEquals: { [SOURCE_IDENTITY]: event.sourceIdentity },
      DateLessThanEquals: { [TOKEN_ISSUE_TIME]: cutoff.toISOString().replace('.000Z', 'Z') },
    },
  };
}

function revokedIdentity(statement: PolicyStatement): string | undefined {
  const value = statement.Condition?.StringEquals?.[SOURCE_IDENTITY];
  return typeof value === 'string' ? value : undefined;
}

function cutoffOf(statement: PolicyStatement): number {
  const value = statement.Condition?.DateLessThanEquals?.[TOKEN_ISSUE_TIME];
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

/**
 * A document that revokes nothing (a managed policy needs a statement): a Deny on an ARN
 * in the `aws` account, where no customer can create anything. Plain, without conditions,
 * so that emulators which skip conditions read it the same way.
 */
export const NOTHING_REVOKED: PolicyDocument = {
  Version: '2012-10-17',
  Statement: { Effect: 'Deny', Action: '*', Resource: 'arn:aws:iam::aws:policy/credvend-nothing-revoked' },
};

const documentOf = (statements: PolicyStatement[]): PolicyDocument =>
  statements.length ? { Version: '2012-10-17', Statement: statements } : NOTHING_REVOKED;

/**
 * A role's revocation slots (one managed policy each) with `statement` added: one
 * statement per revoked SourceIdentity, the newest cutoff winning; revocations whose
 * tokens have all expired dropped; the new one placed in the first slot with room, so
 * that only changed slots need writing. Refused when it does not fit in `maxSlots`.
 */
export function withRevocation(
  slots: readonly PolicyDocument[],
  statement: PolicyStatement,
  now: Date,
  maxSlots: number,
): PolicyDocument[] {
  const identity = revokedIdentity(statement);
  const oldest = now.getTime() - LONGEST_SESSION_MS - REVOCATION_SKEW_MARGIN_MS;
  let merged = statement;
  const kept = slots.map((slot) =>
    statementsOf(slot).filter((s) => {
      const sameIdentity = revokedIdentity(s) === identity;
      if (sameIdentity && cutoffOf(s) > cutoffOf(merged)) merged = s;
      return !sameIdentity && revokedIdentity(s) !== undefined && cutoffOf(s) > oldest;
    }),
  );
  const fits = (statements: PolicyStatement[]) =>
    minifyPolicy(documentOf([...statements, merged])).length <= MANAGED_POLICY_MAX_CHARS;
  const target = kept.findIndex(fits);
  if (target !== -1) kept[target] = [...(kept[target] ?? []), merged];
  else if (kept.length < maxSlots) kept.push([merged]);
  else {
    throw new LimitExceededError(
      'revocation-capacity',
      `the role's ${maxSlots} revocation policies are full (${kept.flat().length} callers revoked within 12 hours); IAM allows ${MANAGED_POLICY_MAX_CHARS} characters per managed policy and ${ROLE_MANAGED_POLICY_QUOTA} managed policies per role by default`,
    );
  }
  return kept.map(documentOf);
}
