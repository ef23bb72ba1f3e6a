import type { PolicyDocument } from '../policy/policy.js';
import type { AuthMethod } from '../shared/types.js';
import type { OnCallSchedule } from './on-call.js';

/**
 * Who a rule applies to: named principals (OIDC `iss#sub` or AWS ARNs) and members of
 * groups from the configured groups claim (OIDC callers only).
 */
export interface Audience {
  principals: readonly string[];
  groups: readonly string[];
}

/**
 * An audience as compared: the identity keys the named people stand for (principal-names.ts)
 * and the group subject keys verified callers carry. Only this form is ever compared.
 */
export interface ResolvedAudience {
  identities: readonly string[];
  groups: readonly string[];
}

/** Members of `requesters` get a grant at once, without approvals, up to `maxGrantSeconds`. */
export interface AutoApprovalRule {
  requesters: Audience;
  maxGrantSeconds: number;
}

/**
 * Access that may be requested for a while (admin-managed). Its role fields are the
 * ceiling a grant copies at approval, so a later edit never widens a grant in force.
 */
export interface Requestable {
  id: string;
  description?: string;
  requesters: Audience;
  approvers: Audience;
  /** Distinct approvals needed; at least 1. */
  quorum: number;
  accountId: string;
  roleArn: string;
  sessionPolicy?: PolicyDocument;
  managedPolicyArns: readonly string[];
  tags: Readonly<Record<string, string>>;
  externalId?: string;
  /** Longest STS session issued under a grant (the grant's end caps it further). */
  maxSessionSeconds: number;
  /** Longest grant a request may ask for. */
  maxGrantSeconds: number;
  /** A request not answered within this many seconds expires. */
  answerWithinSeconds: number;
  /** A ticket reference, when set, must match this pattern (anchored). */
  ticketPattern?: string;
  autoApproval?: AutoApprovalRule;
  /**
   * A requester on call now in this schedule (matched by verified email) is granted at once,
   * until their shift ends at most; a failed lookup leaves the request to the approvers.
   */
  onCall?: OnCallSchedule;
  /** A request pending this long is announced again to the approvers (once). */
  remindAfterSeconds?: number;
  /**
   * A request pending `afterSeconds` is escalated: announced once more, and from then on the
   * escalation's approvers may decide it too (the requester never).
   */
  escalation?: { afterSeconds: number; approvers: Audience };
  /** A grant's holder is told this long before it ends (once per end). */
  endingNoticeSeconds?: number;
  /** Granted at once with a mandatory reason, announced loudly, reviewed afterwards. */
  breakGlass: boolean;
  version: number;
}

/** A requestable with every audience resolved (lifecycle.ts resolveRequestable). */
export interface ResolvedRequestable
  extends Omit<Requestable, 'requesters' | 'approvers' | 'autoApproval' | 'escalation'> {
  requesters: ResolvedAudience;
  approvers: ResolvedAudience;
  autoApproval?: { requesters: ResolvedAudience; maxGrantSeconds: number };
  escalation?: { afterSeconds: number; approvers: ResolvedAudience };
}

/** What is stored. `expired-unanswered` and an expired end are derived from the clock. */
export type StoredRequestState = 'requested' | 'active' | 'denied' | 'cancelled' | 'ended';

/** The lifecycle as callers see it at a given instant. */
export type RequestState = StoredRequestState | 'expired-unanswered' | 'expired';

export type DecisionChannel = 'api' | 'slack' | 'auto';

export interface Decision {
  principal: string;
  /** The decider's verified identity key: what "the same person" is compared on. */
  identity: string;
  /** The decider's verified email, if any: one person at two issuers is still one person. */
  email?: string;
  at: Date;
  comment?: string;
  via: DecisionChannel;
  /** How the decider was verified: work completed later in their name is audited with it. */
  authMethod?: AuthMethod;
  /** For a Slack decision: the Slack user the principal was mapped from. */
  slackUserId?: string;
}

export interface AccessRequest {
  id: string;
  requestableId: string;
  /**
   * The requestable's version when this was requested: an approval grants exactly that
   * access, so one made after the requestable changed is refused (lifecycle.ts).
   */
  requestableVersion: number;
  /** The requester's principal, as audited and shown. */
  requester: string;
  /**
   * The requester's verified identity key: the subject the grant is written for, and what
   * self-approval, cancellation and "my requests" compare on (never a caller-chosen name).
   */
  requesterSubject: string;
  requesterName: string;
  /** The requester's verified email, if any: compared too, so a second identity cannot approve. */
  requesterEmail?: string;
  accountId: string;
  roleArn: string;
  reason: string;
  ticket?: string;
  grantSeconds: number;
  /** The start the requester scheduled: a grant approved before it begins then, not at approval. */
  requestedStart?: Date;
  createdAt: Date;
  answerBy: Date;
  quorum: number;
  state: StoredRequestState;
  approvals: readonly Decision[];
  denial?: Decision;
  cancellation?: Decision;
  grantStart?: Date;
  grantEnd?: Date;
  revocation?: Decision;
  /**
   * After an early revoke: the Deny on the grant's session tag. `due` is written in the same
   * transaction that ends the grant (a write-ahead record), `written` once the Deny and its
   * audit record have landed; a `due` one is retried until it does.
   */
  sessionsDeny?: 'due' | 'written';
  breakGlass: boolean;
  reviewRequired: boolean;
  review?: Decision;
  /** The latest request to extend this grant (earlier ones are in the audit). */
  extension?: GrantExtension;
  version: number;
}

/** What is stored of an extension; `expired-unanswered` is derived from the clock (extension.ts). */
export type StoredExtensionState = 'requested' | 'approved' | 'denied' | 'cancelled';
export type ExtensionState = StoredExtensionState | 'expired-unanswered';

/**
 * A grant's holder asking for more time: decided like a request (the requestable's approvers
 * and quorum, never the holder), and on approval the grant ends `seconds` later than it did.
 */
export interface GrantExtension {
  seconds: number;
  reason: string;
  requestedAt: Date;
  /** Unanswered by then (or by the grant's end, if sooner), it lapses and changes nothing. */
  answerBy: Date;
  /** The grant's end when asked; an approval moves it to this plus `seconds`. */
  fromEnd: Date;
  state: StoredExtensionState;
  approvals: readonly Decision[];
  denial?: Decision;
  cancellation?: Decision;
}

/** What a grant's holder asks for: this much longer, and why. */
export interface ExtensionInput {
  seconds: number;
  reason: string;
}

/** What a caller asks for. */
export interface AccessRequestInput {
  requestableId: string;
  grantSeconds: number;
  reason: string;
  ticket?: string;
  /** A scheduled start: the grant begins then, however early it is approved (absent: at approval). */
  start?: Date;
}

/** Notices only time causes (follow-ups.ts): sent by the scheduler, never a transition. */
export type FollowUpKind = 'reminder' | 'escalated' | 'grant-ending';

/** The name of a lifecycle step, as audited and notified. */
export type TransitionName =
  | 'requested'
  | 'approval-recorded'
  | 'approved'
  | 'auto-approved'
  | 'break-glass'
  | 'denied'
  | 'cancelled'
  | 'revoked'
  | 'reviewed'
  | 'extension-requested'
  | 'auto-extended'
  | 'extension-approval-recorded'
  | 'extended'
  | 'extension-denied'
  | 'extension-cancelled';
