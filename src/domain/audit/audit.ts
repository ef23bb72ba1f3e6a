import type { AuthMethod } from '../shared/types.js';

/** `issued`: credentials were issued; `applied`: an admin change took effect. */
export const AUDIT_OUTCOMES = ['issued', 'applied', 'denied', 'error'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Every action a record can name: storage, the wire schema and the verifier read this one list. */
export const AUDIT_ACTIONS = [
  'credentials.issue',
  'credentials.withheld',
  'credentials.replay',
  'entitlement.read',
  'entitlement.put',
  'entitlement.delete',
  'audit.read',
  'audit.revoke',
  'access-request.create',
  'access-request.approve',
  'access-request.deny',
  'access-request.cancel',
  'access-request.revoke',
  'access-request.review',
  'access-request.extend',
  'access-request.read',
  'access-request.notify',
  'requestable.put',
  'requestable.delete',
  'review.open',
  'review.read',
  'review.decide',
  'review.close',
  'review.notify',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * One audit record. It answers "who got which credentials for which account, when and
 * why". It never holds a secret access key, session token or bearer token: the
 * AccessKeyId is enough to join CloudTrail back to the issuance.
 */
export interface AuditEvent {
  eventId: string;
  /** ISO-8601 with milliseconds, UTC. */
  time: string;
  action: AuditAction;
  outcome: AuditOutcome;
  requestId: string;
  principal: string;
  authMethod: AuthMethod;
  callerSessionName?: string;
  /** The caller's human-readable name (display only; `principal` and `sourceIdentity` identify). */
  callerName?: string;
  entitlementId?: string;
  /** For an issuance: which of the caller's subjects granted it, and why (`claim-rule: …`). */
  matchedSubject?: string;
  accountId?: string;
  roleArn?: string;
  sessionName?: string;
  sourceIdentity?: string;
  durationSeconds?: number;
  expiration?: string;
  accessKeyId?: string;
  assumedRoleArn?: string;
  packedPolicySize?: number;
  sessionPolicyChars?: number;
  sessionTags?: Record<string, string>;
  reason?: string;
  sourceIp?: string;
  userAgent?: string;
  /** For denials and errors: the stable problem code and a caller-safe detail. */
  problemCode?: string;
  detail?: string;
  stsRequestId?: string;
  /** For a withheld issuance: the event whose audit write failed. */
  relatedEventId?: string;
  /** Just-in-time access: the access request this record is about (issuances under a grant too). */
  accessRequestId?: string;
  /** A decision taken in Slack: the Slack user that the configured mapping turned into `principal`. */
  slackUserId?: string;
  /** For entitlement changes: canonical JSON of `{ before, after }`, ExternalIds redacted. */
  change?: string;
}

/** An audit event linked into its hash chain. */
export interface ChainedAuditEvent extends AuditEvent {
  chainId: string;
  seq: number;
  prevHash: string;
  hash: string;
  /** UTC day of `time` (YYYY-MM-DD); hashed with the rest, so kept though no index reads it now. */
  day: string;
}
