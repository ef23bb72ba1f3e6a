import type { AuthMethod } from './types.js';

/**
 * The domain's error hierarchy. Each error has a stable `code` that http/ maps, once,
 * to an RFC 9457 problem type and status. `exposable` errors are the caller's own fault:
 * their detail is safe to show them. Anything else is reported by request id only.
 */
/** Every problem `type` credvend answers with, as `urn:credvend:problem:<code>`. */
export const PROBLEM_CODES = [
  'invalid-request',
  'limit-exceeded',
  'policy-not-narrowing',
  'reason-required',
  'sts-rejected-request',
  'unauthenticated',
  'not-entitled',
  'forbidden',
  'sts-access-denied',
  'not-approver',
  'not-requestable',
  'not-found',
  'illegal-transition',
  'conflict',
  'payload-too-large',
  'unsupported-media-type',
  'sts-throttled',
  'rate-limited',
  'internal',
  'sts-unavailable',
  'console-federation-unavailable',
  'entitlement-store-unavailable',
  'audit-unavailable',
  'dependency-unavailable',
  'quota-unavailable',
  'secret-unavailable',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export abstract class CredvendError extends Error {
  abstract readonly code: ProblemCode;
  readonly exposable: boolean = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface InputIssue {
  path: string;
  message: string;
}

/** The request is malformed or asks for something the API does not accept. */
export class InvalidRequestError extends CredvendError {
  readonly code = 'invalid-request';
  constructor(
    message: string,
    readonly issues: readonly InputIssue[] = [],
  ) {
    super(message);
  }
}

/** A request would break an STS limit; named so the caller knows which knob to turn. */
export class LimitExceededError extends CredvendError {
  readonly code = 'limit-exceeded';
  constructor(
    readonly limit: string,
    message: string,
  ) {
    super(message);
  }
}

/** The caller's narrowing policy is not provably inside the entitlement's ceiling. */
export class PolicyNotNarrowingError extends CredvendError {
  readonly code = 'policy-not-narrowing';
}

export class ReasonRequiredError extends CredvendError {
  readonly code = 'reason-required';
}

export class AuthenticationError extends CredvendError {
  readonly code = 'unauthenticated';
  /**
   * Who the request claimed to be, when that is worth an audit record even though it was
   * not proven (an AWS access key id whose signature STS refused).
   */
  claimedPrincipal?: string;
  /** How `claimedPrincipal` was claimed, for its audit record. */
  claimedAuthMethod?: AuthMethod;
}

/**
 * No entitlement of this caller grants what was asked. The message never says whether
 * the account or role exists, or what other callers hold.
 */
export class NotEntitledError extends CredvendError {
  readonly code = 'not-entitled';
  constructor(
    message: string,
    /** The caller's nearest claim rule for this target, and which of its own claims failed. */
    readonly closest?: ClosestRule,
  ) {
    super(message);
  }
}

/** A claim rule a denied caller nearly satisfied: named by id, never by its patterns. */
export interface ClosestRule {
  entitlementId: string;
  conditionsHeld: number;
  conditions: number;
  failedClaim: string;
  detail: string;
}

/** The caller is authenticated but lacks the auditor/admin role for this route. */
export class ForbiddenError extends CredvendError {
  readonly code = 'forbidden';
}

/** STS refused the AssumeRole call (trust policy, permissions boundary, SCP). */
export class StsAccessDeniedError extends CredvendError {
  readonly code = 'sts-access-denied';
}

/** STS rejected the session policy, tags or duration we sent. */
export class StsRejectedRequestError extends CredvendError {
  readonly code = 'sts-rejected-request';
  constructor(
    readonly stsErrorName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class StsThrottledError extends CredvendError {
  readonly code = 'sts-throttled';
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super('STS is throttling requests; retry later', options);
  }
}

/** STS failed in a way that is not the caller's fault. */
export class StsUnavailableError extends CredvendError {
  readonly code = 'sts-unavailable';
  override readonly exposable = false;
}

/**
 * The console federation endpoint (getSigninToken) failed after STS issued the session: a
 * code of its own, so the person is told the console sign-in failed, not STS.
 */
export class ConsoleFederationUnavailableError extends CredvendError {
  readonly code = 'console-federation-unavailable';
  override readonly exposable = false;
}

/** The entitlement store could not be read: deny, since we cannot prove entitlement. */
export class EntitlementStoreUnavailableError extends CredvendError {
  readonly code = 'entitlement-store-unavailable';
  override readonly exposable = false;
}

/** The audit record could not be written, so nothing is issued (fail closed). */
export class AuditUnavailableError extends CredvendError {
  readonly code = 'audit-unavailable';
  override readonly exposable = false;
}

/** Too many issuances for a caller or an entitlement in the current window. */
export class RateLimitedError extends CredvendError {
  readonly code = 'rate-limited';
  constructor(
    readonly scope: 'caller' | 'entitlement' | 'aws-auth-source' | 'aws-auth-key' | 'break-glass',
    readonly retryAfterSeconds: number,
  ) {
    super(`too many credential requests for this ${scope}; retry in ${retryAfterSeconds} s`);
  }
}

/** The quota store could not be read: deny, as with any unverifiable check. */
export class QuotaUnavailableError extends CredvendError {
  readonly code = 'quota-unavailable';
  override readonly exposable = false;
}

/**
 * A configured secret (Secrets Manager) could not be read or holds no usable value: the
 * feature that needs it refuses (fail closed), never falls back to a weaker key. The message
 * names the secret's purpose and setting, never its value.
 */
export class SecretUnavailableError extends CredvendError {
  readonly code = 'secret-unavailable';
  override readonly exposable = false;
}

/**
 * A revocation is decided and recorded as due, but its Deny is not written yet: retried
 * from that record (the next revocation call, the sweep) until it lands. Never a 200.
 */
export class RevocationPendingError extends CredvendError {
  readonly code = 'dependency-unavailable';
  override readonly exposable = false;
}

export class NotFoundError extends CredvendError {
  readonly code = 'not-found';
}

export class ConflictError extends CredvendError {
  readonly code = 'conflict';
}
