import type { AuditActor } from '../audit/base-event.js';
import { type IdentityRules, identitiesOfListed } from '../identity/principal-names.js';
import type { InputIssue } from '../shared/errors.js';
import type { Caller, Entitlement } from '../shared/types.js';
import { matchSubject } from '../subjects/match.js';

/** What a review covers: every standing entitlement, or those of one account, role or subject key. */
export type ReviewScope =
  | { kind: 'all' }
  | { kind: 'account'; accountId: string }
  | { kind: 'role'; roleArn: string }
  | { kind: 'subject'; subject: string };

/** A reviewer's decision on one item. `keep-until` sets the entitlement's notAfter. */
export const DECISIONS = ['keep', 'keep-until', 'remove'] as const;
export type DecisionKind = (typeof DECISIONS)[number];
/** What happens to an item nobody decided by the deadline. */
export const DEADLINE_DEFAULTS = ['keep', 'remove'] as const;
export type DeadlineDefault = (typeof DEADLINE_DEFAULTS)[number];

/** Longest a review may stay open; items per review (one Query pages them; a reviewer reads them all). */
export const MAX_REVIEW_DAYS = 180;
export const MAX_REVIEW_ITEMS = 1000;
export const MAX_REVIEWERS = 20;
/** Reviewers are reminded once, this long before the deadline. */
export const REMIND_BEFORE_MS = 24 * 3_600_000;

export interface Review {
  id: string;
  scope: ReviewScope;
  /** The reviewers as named (`<issuer>#<sub>` or an ARN), for display and notices. */
  reviewers: readonly string[];
  /** Their identity keys: the only thing compared with a caller. */
  reviewerKeys: readonly string[];
  deadline: Date;
  deadlineDefault: DeadlineDefault;
  description?: string;
  /** The admin who opened it: the deadline default is applied in their name. */
  openedBy: AuditActor;
  openedAt: Date;
  state: 'open' | 'closed';
  closedAt?: Date;
  /** The admin who closed it early, or absent when its deadline closed it. */
  closedBy?: string;
  items: number;
  /** Notices already sent, so a rerun of the scheduled job never sends one twice. */
  notified: { opened?: Date; reminder?: Date };
}

/** How an applied decision ended: done, the row was already gone, or it changed under the decision. */
export type ItemOutcome = 'applied' | 'gone' | 'conflict';

export interface ItemDecision {
  kind: DecisionKind;
  /** keep-until: the entitlement ends then. */
  until?: Date;
  by: string;
  byName: string;
  at: Date;
  note?: string;
  /** Decided by the deadline default, not by a reviewer. */
  byDefault: boolean;
  /** The entitlement version the decision applies to (If-Match). */
  entitlementVersion: number;
  /** Absent until the decision has been applied to the entitlement (a write-ahead record). */
  outcome?: ItemOutcome;
}

/** One standing entitlement under review, as it was when the review opened, and its decision. */
export interface ReviewItem {
  reviewId: string;
  entitlementId: string;
  subject: string;
  accountId: string;
  roleArn: string;
  entitlementVersion: number;
  decision?: ItemDecision;
}

export interface OpenReviewInput {
  scope: ReviewScope;
  reviewers: readonly string[];
  deadline: Date;
  deadlineDefault: DeadlineDefault;
  description?: string;
}

export function inScope(scope: ReviewScope, e: Entitlement): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'account':
      return e.accountId === scope.accountId;
    case 'role':
      return e.roleArn === scope.roleArn;
    case 'subject':
      return e.subject === scope.subject;
  }
}

/**
 * Every problem of an opening, collected (not the first): reviewers that name nobody, a
 * deadline in the past or too far away. Returns the reviewers' identity keys.
 */
export function checkOpening(
  input: OpenReviewInput,
  now: Date,
  rules: IdentityRules,
): { keys: string[]; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const { keys, problems } = identitiesOfListed(input.reviewers, rules);
  for (const problem of problems) issues.push({ path: 'reviewers', message: problem });
  if (input.reviewers.length === 0) issues.push({ path: 'reviewers', message: 'name at least one reviewer' });
  if (input.reviewers.length > MAX_REVIEWERS)
    issues.push({ path: 'reviewers', message: `at most ${MAX_REVIEWERS} reviewers` });
  if (input.deadline.getTime() <= now.getTime())
    issues.push({ path: 'deadline', message: 'the deadline must be in the future' });
  if (input.deadline.getTime() > now.getTime() + MAX_REVIEW_DAYS * 86_400_000)
    issues.push({ path: 'deadline', message: `the deadline must be within ${MAX_REVIEW_DAYS} days` });
  return { keys: [...new Set(keys)], issues };
}

/**
 * Whether the caller is (one of) the item's subject: the row names them, a group they are
 * in, a claim rule their token satisfies or their account, as it is now or as it was when
 * the review opened. Nobody certifies their own access.
 */
export function isSubjectOf(caller: Caller, item: ReviewItem, current: Entitlement | undefined): boolean {
  if (caller.identityKey === item.subject || caller.subjectKeys.includes(item.subject)) {
    // A claim rule's key is held by every caller of its issuer: only a satisfied rule is theirs.
    if (!item.subject.startsWith('claims|') || !current) return true;
  }
  return current !== undefined && matchSubject(current, caller) !== undefined;
}

/** Whether an item still needs deciding, or its decision applying. */
export const undecided = (item: ReviewItem) => item.decision === undefined;
export const unapplied = (item: ReviewItem) =>
  item.decision !== undefined && item.decision.outcome === undefined;
