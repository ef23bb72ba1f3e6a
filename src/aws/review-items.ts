import type { AuditActor } from '../domain/audit/base-event.js';
import {
  DEADLINE_DEFAULTS,
  DECISIONS,
  type ItemDecision,
  type ItemOutcome,
  type Review,
  type ReviewItem,
  type ReviewScope,
} from '../domain/reviews/campaign.js';
import { AUTH_METHODS } from '../domain/shared/types.js';
import {
  type Item,
  MalformedItemError,
  num,
  putIfDefined,
  readBoolean,
  readNumber,
  readOptionalString,
  readString,
  readStringList,
  str,
  strList,
} from './attribute-values.js';

/**
 * The reviews table: a review at (its id, `#review`), each item at (its review id,
 * `item|<entitlement id>`), and one small pointer per review in the partition of its state
 * (`#open` or `#closed`, sorted by review id), so the scheduled run reads open reviews only.
 */
export const REVIEW_SORT = '#review';
export const itemSort = (entitlementId: string) => `item|${entitlementId}`;
export const statePartition = (state: Review['state']) => `#${state}`;

function oneOf<T extends string>(values: readonly T[], value: string, name: string): T {
  const found = values.find((v) => v === value);
  if (found === undefined) throw new MalformedItemError(`attribute ${name}: unknown value`);
  return found;
}

const date = (item: Item, name: string) => new Date(readString(item, name));
const optionalDate = (item: Item, name: string) => {
  const value = readOptionalString(item, name);
  return value === undefined ? undefined : new Date(value);
};
const iso = (d: Date) => str(d.toISOString());

function scopeOf(item: Item): ReviewScope {
  const kind = readString(item, 'scopeKind');
  const value = readOptionalString(item, 'scopeValue') ?? '';
  switch (kind) {
    case 'all':
      return { kind };
    case 'account':
      return { kind, accountId: value };
    case 'role':
      return { kind, roleArn: value };
    case 'subject':
      return { kind, subject: value };
    default:
      throw new MalformedItemError('attribute scopeKind: unknown value');
  }
}

function scopeValue(scope: ReviewScope): string | undefined {
  if (scope.kind === 'account') return scope.accountId;
  if (scope.kind === 'role') return scope.roleArn;
  if (scope.kind === 'subject') return scope.subject;
  return undefined;
}

export function reviewToItem(review: Review): Item {
  const item: Item = {
    reviewId: str(review.id),
    itemId: str(REVIEW_SORT),
    state: str(review.state),
    scopeKind: str(review.scope.kind),
    reviewers: strList(review.reviewers),
    reviewerKeys: strList(review.reviewerKeys),
    deadline: iso(review.deadline),
    deadlineDefault: str(review.deadlineDefault),
    openedBy: str(review.openedBy.principal),
    openedByAuth: str(review.openedBy.authMethod),
    openedAt: iso(review.openedAt),
    items: num(review.items),
  };
  putIfDefined(item, 'scopeValue', scopeValue(review.scope), str);
  putIfDefined(item, 'description', review.description, str);
  putIfDefined(item, 'closedAt', review.closedAt, iso);
  putIfDefined(item, 'closedBy', review.closedBy, str);
  putIfDefined(item, 'notifiedOpened', review.notified.opened, iso);
  putIfDefined(item, 'notifiedReminder', review.notified.reminder, iso);
  return item;
}

export function itemToReview(item: Item): Review {
  const openedBy: AuditActor = {
    principal: readString(item, 'openedBy'),
    authMethod: oneOf(AUTH_METHODS, readString(item, 'openedByAuth'), 'openedByAuth'),
  };
  const description = readOptionalString(item, 'description');
  const closedAt = optionalDate(item, 'closedAt');
  const closedBy = readOptionalString(item, 'closedBy');
  const opened = optionalDate(item, 'notifiedOpened');
  const reminder = optionalDate(item, 'notifiedReminder');
  return {
    id: readString(item, 'reviewId'),
    scope: scopeOf(item),
    reviewers: readStringList(item, 'reviewers'),
    reviewerKeys: readStringList(item, 'reviewerKeys'),
    deadline: date(item, 'deadline'),
    deadlineDefault: oneOf(DEADLINE_DEFAULTS, readString(item, 'deadlineDefault'), 'deadlineDefault'),
    ...(description !== undefined ? { description } : {}),
    openedBy,
    openedAt: date(item, 'openedAt'),
    state: oneOf(['open', 'closed'] as const, readString(item, 'state'), 'state'),
    ...(closedAt ? { closedAt } : {}),
    ...(closedBy !== undefined ? { closedBy } : {}),
    items: readNumber(item, 'items'),
    notified: { ...(opened ? { opened } : {}), ...(reminder ? { reminder } : {}) },
  };
}

export function reviewItemToItem(entry: ReviewItem): Item {
  return {
    reviewId: str(entry.reviewId),
    itemId: str(itemSort(entry.entitlementId)),
    entitlementId: str(entry.entitlementId),
    subject: str(entry.subject),
    accountId: str(entry.accountId),
    roleArn: str(entry.roleArn),
    entitlementVersion: num(entry.entitlementVersion),
  };
}

/** The attributes of a decision, set on its item by one UpdateItem. */
export function decisionAttributes(decision: ItemDecision): Item {
  const item: Item = {
    decision: str(decision.kind),
    decidedBy: str(decision.by),
    decidedByName: str(decision.byName),
    decidedAt: iso(decision.at),
    byDefault: { BOOL: decision.byDefault },
    decidedVersion: num(decision.entitlementVersion),
  };
  putIfDefined(item, 'until', decision.until, iso);
  putIfDefined(item, 'note', decision.note, str);
  putIfDefined(item, 'outcome', decision.outcome, str);
  return item;
}

const OUTCOMES: readonly ItemOutcome[] = ['applied', 'gone', 'conflict'];

export function itemToReviewItem(item: Item): ReviewItem {
  const entry: ReviewItem = {
    reviewId: readString(item, 'reviewId'),
    entitlementId: readString(item, 'entitlementId'),
    subject: readString(item, 'subject'),
    accountId: readString(item, 'accountId'),
    roleArn: readString(item, 'roleArn'),
    entitlementVersion: readNumber(item, 'entitlementVersion'),
  };
  const kind = readOptionalString(item, 'decision');
  if (kind === undefined) return entry;
  const until = optionalDate(item, 'until');
  const note = readOptionalString(item, 'note');
  const outcome = readOptionalString(item, 'outcome');
  return {
    ...entry,
    decision: {
      kind: oneOf(DECISIONS, kind, 'decision'),
      ...(until ? { until } : {}),
      by: readString(item, 'decidedBy'),
      byName: readString(item, 'decidedByName'),
      at: date(item, 'decidedAt'),
      ...(note !== undefined ? { note } : {}),
      byDefault: readBoolean(item, 'byDefault', false),
      entitlementVersion: readNumber(item, 'decidedVersion'),
      ...(outcome !== undefined ? { outcome: oneOf(OUTCOMES, outcome, 'outcome') } : {}),
    },
  };
}
