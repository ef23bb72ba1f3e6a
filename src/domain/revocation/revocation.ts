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
const CURRENT_TIME = 'aws:CurrentTime';

/**
 * Session tag naming the just-in-time grant a session was issued under (its request id).
 * Reserved: an entitlement's own tags may not take it, so only a grant's sessions carry it.
 */
export const GRANT_TAG = 'credvend-grant';
const PRINCIPAL_GRANT_TAG = `aws:PrincipalTag/${GRANT_TAG}`;
/**
 * A grant's Deny stays until this long after the grant's planned end: every session under
 * it ends by then (sessions are capped at the grant's end), with room for STS's clock.
 */
const GRANT_DENY_MARGIN_MS = 15 * 60 * 1000;

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

/**
 * Ends every session issued under one grant, and nothing else: a Deny on the grant's
 * session tag. No lookup of what was issued, so a session issued while the grant ends is
 * denied too; no time cut-off on issue, so no race with issuance. It applies while any such
 * session can exist (`aws:CurrentTime` before the grant's planned end plus a margin), which
 * also tells withRevocation when it may be dropped.
 */
export function grantRevocationStatement(grantId: string, plannedEnd: Date): PolicyStatement {
  const until = new Date(Math.ceil((plannedEnd.getTime() + GRANT_DENY_MARGIN_MS) / 1000) * 1000);
  return {
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      StringEquals: { [PRINCIPAL_GRANT_TAG]: grantId },
      DateLessThan: { [CURRENT_TIME]: until.toISOString().replace('.000Z', 'Z') },
    },
  };
}

/** What a revocation statement revokes: one SourceIdentity, or one grant; undefined for any other. */
function revokedKey(statement: PolicyStatement): string | undefined {
  const identity = statement.Condition?.StringEquals?.[SOURCE_IDENTITY];
  if (typeof identity === 'string') return `identity|${identity}`;
  const grant = statement.Condition?.StringEquals?.[PRINCIPAL_GRANT_TAG];
  return typeof grant === 'string' ? `grant|${grant}` : undefined;
}

/** When a revocation statement stops mattering (ms): every session it can deny has expired. */
function mattersUntil(statement: PolicyStatement): number {
  const cutoff = statement.Condition?.DateLessThanEquals?.[TOKEN_ISSUE_TIME];
  if (typeof cutoff === 'string') return Date.parse(cutoff) + LONGEST_SESSION_MS + REVOCATION_SKEW_MARGIN_MS;
  const until = statement.Condition?.DateLessThan?.[CURRENT_TIME];
  return typeof until === 'string' ? Date.parse(until) : Number.NaN;
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
 * statement per revoked SourceIdentity or grant, the one that matters longest winning;
 * revocations whose tokens have all expired dropped; the new one placed in the first slot with room, so
 * that only changed slots need writing. Refused when it does not fit in `maxSlots`.
 */
export function withRevocation(
  slots: readonly PolicyDocument[],
  statement: PolicyStatement,
  now: Date,
  maxSlots: number,
): PolicyDocument[] {
  const key = revokedKey(statement);
  let merged = statement;
  const kept = slots.map((slot) =>
    statementsOf(slot).filter((s) => {
      const sameKey = revokedKey(s) === key;
      if (sameKey && mattersUntil(s) > mattersUntil(merged)) merged = s;
      return !sameKey && revokedKey(s) !== undefined && mattersUntil(s) > now.getTime();
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
