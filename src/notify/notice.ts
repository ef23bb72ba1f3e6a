import type { AccessRequestNotice } from '../domain/access-requests/ports.js';
import type { Review } from '../domain/reviews/campaign.js';
import type { ReviewNotice } from '../domain/reviews/ports.js';

/** What the sinks carry: a just-in-time access transition, or a notice to a review's reviewers. */
export type Notice = AccessRequestNotice | ReviewNotice;

export function isReviewNotice(notice: Notice): notice is ReviewNotice {
  return 'review' in notice;
}

/** A place notices go: Slack, a webhook. `deliver` throws when this attempt failed. */
export interface NoticeSink {
  name: string;
  deliver(notice: Notice): Promise<void>;
}

export function scopeText(review: Review): string {
  const s = review.scope;
  if (s.kind === 'account') return `account ${s.accountId}`;
  if (s.kind === 'role') return `role ${s.roleArn}`;
  if (s.kind === 'subject') return `subject ${s.subject}`;
  return 'all standing access';
}

/** The webhook body of a review notice: the review's facts, never a secret. */
function reviewPayload(notice: ReviewNotice) {
  const r = notice.review;
  return {
    type: notice.kind === 'review-opened' ? 'review.opened' : 'review.reminder',
    urgent: false,
    at: notice.at.toISOString(),
    actor: r.openedBy.principal,
    review: {
      id: r.id,
      scope: r.scope,
      reviewers: [...r.reviewers],
      deadline: r.deadline.toISOString(),
      deadlineDefault: r.deadlineDefault,
      items: r.items,
      undecided: notice.undecided,
      ...(r.description !== undefined ? { description: r.description } : {}),
    },
  };
}

/** The webhook body and the facts of a Slack message: never a secret, only the request's facts. */
export function noticePayload(notice: Notice) {
  if (isReviewNotice(notice)) return reviewPayload(notice);
  const r = notice.request;
  return {
    type: `access-request.${notice.transition}`,
    urgent: notice.urgent,
    at: notice.at.toISOString(),
    actor: notice.actor,
    request: {
      id: r.id,
      requestableId: r.requestableId,
      requester: r.requester,
      requesterName: r.requesterName,
      accountId: r.accountId,
      roleArn: r.roleArn,
      reason: r.reason,
      ...(r.ticket !== undefined ? { ticket: r.ticket } : {}),
      grantSeconds: r.grantSeconds,
      ...(r.requestedStart ? { requestedStart: r.requestedStart.toISOString() } : {}),
      state: r.state,
      approvals: r.approvals.length,
      quorum: r.quorum,
      breakGlass: r.breakGlass,
      ...(r.grantStart ? { grantStart: r.grantStart.toISOString() } : {}),
      ...(r.grantEnd ? { grantEnd: r.grantEnd.toISOString() } : {}),
    },
  };
}

const VERBS: Record<AccessRequestNotice['transition'], string> = {
  requested: 'requests',
  'approval-recorded': 'has one more approval for',
  approved: 'was granted',
  'auto-approved': 'was granted (auto-approval rule)',
  'break-glass': 'BROKE THE GLASS for',
  denied: 'was denied',
  cancelled: 'cancelled the request for',
  revoked: 'lost (revoked early)',
  reviewed: 'had their break-glass use reviewed for',
  reminder: 'still waits for an answer (reminder) on',
  escalated: 'still waits for an answer (escalated: the second approvers may decide too) on',
  'grant-ending': 'has a grant ending soon (at its end time) on',
  'extension-requested': 'asks to extend their grant of',
  'auto-extended': 'had their grant extended (auto-approval rule) of',
  'extension-approval-recorded': 'has one more approval to extend their grant of',
  extended: 'had their grant extended of',
  'extension-denied': 'was refused an extension of their grant of',
  'extension-cancelled': 'withdrew the extension of their grant of',
};

/** The line of a review notice: what to review, by when, and what happens to what nobody decides. */
function reviewText(notice: ReviewNotice): string {
  const r = notice.review;
  const what = notice.kind === 'review-opened' ? 'is open' : 'closes within a day';
  const fate = r.deadlineDefault === 'remove' ? 'removed' : 'kept';
  return `Access review ${r.id} of ${scopeText(r)} ${what}: ${notice.undecided} of ${r.items} items undecided, deadline ${r.deadline.toISOString()}; undecided items will be ${fate}. Reviewers: ${r.reviewers.join(', ')}`;
}

/** Where a reviewer decides: the portal's review page, when the portal is on. */
export function noticeLink(notice: Notice, portalUrl: string): string {
  const path = isReviewNotice(notice) ? `reviews/${notice.review.id}` : `requests/${notice.request.id}`;
  return new URL(path, `${portalUrl}/`).href;
}

/** One line a person reads in a channel. */
export function noticeText(notice: Notice): string {
  if (isReviewNotice(notice)) return reviewText(notice);
  const r = notice.request;
  const minutes = Math.round(r.grantSeconds / 60);
  // Approvers decide on a scheduled request knowing when it would start.
  const from = r.requestedStart ? ` from ${r.requestedStart.toISOString()}` : '';
  // The principal beside the display name: a name is whatever the IdP or session says.
  return `${r.requesterName} (${r.requester}) ${VERBS[notice.transition]} ${r.requestableId} (${r.roleArn}) for ${minutes} min${from}: "${r.reason}" [${r.id}]`;
}
