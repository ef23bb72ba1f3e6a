import type { PolicyDocument } from '../policy/document.js';

/** How a caller was verified. `slack`: a decision from a Slack message, signature-verified and mapped to a principal. */
export const AUTH_METHODS = ['oidc', 'aws-sigv4', 'apigw-iam', 'slack'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** An authenticated caller, whatever proved it. Built by src/auth, consumed by the domain. */
export interface Caller {
  /** Stable identity recorded in audit: `iss#sub` for OIDC, the principal ARN for AWS. */
  principal: string;
  authMethod: AuthMethod;
  /**
   * The verified principal key that names exactly this caller and nothing the caller chose:
   * `oidc|<issuer>|<sub>`, or for AWS the IAM role (any session), user or root subject.
   * SourceIdentity, quota buckets and idempotency scope derive from it.
   */
  identityKey: string;
  /** Entitlement subject keys this caller matches, most specific first. */
  subjectKeys: readonly string[];
  /**
   * Human-readable name, display only (RoleSessionName where it fits, a session tag, the
   * audit): a verified email or configured claim, else `sub`; the IAM role or user name.
   */
  displayName: string;
  /**
   * An email the IdP says it verified (lower-cased): never identity, but two callers sharing
   * one are treated as one person wherever that can only refuse (self-approval, quorum).
   */
  verifiedEmail?: string;
  /** Verified token claims, usable as session tag values. Empty for AWS callers. */
  claims: Readonly<Record<string, unknown>>;
  /** For an assumed-role caller: its session name, kept for audit only. */
  awsSessionName?: string;
}

export interface Entitlement {
  id: string;
  /** Subject key (see subjects.ts) this entitlement is granted to. */
  subject: string;
  /** For a claim-rule subject (`claims|<issuer>`): claim → exact value or glob, all required. */
  claimConditions?: Readonly<Record<string, string>>;
  accountId: string;
  roleArn: string;
  maxDurationSeconds: number;
  defaultDurationSeconds?: number;
  /** Upper bound of any session: issued as the session policy; callers may only narrow it. */
  sessionPolicy?: PolicyDocument;
  managedPolicyArns: readonly string[];
  tags: Readonly<Record<string, string>>;
  /** Session tag key → claim name whose verified value becomes the tag value. */
  claimTags: Readonly<Record<string, string>>;
  transitiveTagKeys: readonly string[];
  externalId?: string;
  notBefore?: Date;
  notAfter?: Date;
  reasonRequired: boolean;
  /** Sessions end no later than the caller's OIDC token (`exp`): leaving the IdP ends access. */
  endWithToken?: boolean;
  /**
   * `deny` rows refuse the role to the subject whatever else grants it: a deny for an
   * account root or a role, say, overrides an allow for one principal in that account.
   */
  effect: 'allow' | 'deny';
  description?: string;
  /** Set on the time-boxed entitlement of a just-in-time grant: the request it came from. */
  accessRequestId?: string;
  version: number;
}

export type IssuanceTarget = { entitlementId: string } | { accountId: string; roleName: string };

export interface IssuanceRequest {
  target: IssuanceTarget;
  durationSeconds?: number;
  /** The caller's own narrowing of the entitlement's ceiling. */
  sessionPolicy?: PolicyDocument;
  reason?: string;
}

/** Request facts recorded in audit that come from the transport, not the caller's body. */
export interface RequestContext {
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
}

export interface SessionTag {
  key: string;
  value: string;
}

/** What set a session's length: the plan names it, and the wire and stored replays carry it. */
export const DURATION_BOUNDS = [
  'request',
  'entitlement-default',
  'entitlement-max',
  'role-chaining',
  'entitlement-not-after',
  'token-expiry',
] as const;
export type DurationBound = (typeof DURATION_BOUNDS)[number];

/** Everything AssumeRole will be called with, decided before the call. */
export interface IssuancePlan {
  entitlementId: string;
  accountId: string;
  roleArn: string;
  durationSeconds: number;
  durationBoundBy: DurationBound;
  sessionName: string;
  sourceIdentity: string;
  /** Minified JSON of the session policy actually sent, if any. */
  sessionPolicy?: string;
  policyArns: readonly string[];
  /** Characters counted against STS's 2048-character session policy budget. */
  sessionPolicyChars: number;
  tags: readonly SessionTag[];
  transitiveTagKeys: readonly string[];
  externalId?: string;
  reason?: string;
}

/** The canonical credential type; wire formats are derived from it in http/. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface AssumedRole {
  credentials: Credentials;
  assumedRoleArn: string;
  /** Percentage of STS's packed policy/tag budget this session used. */
  packedPolicySize?: number;
  stsRequestId?: string;
}
