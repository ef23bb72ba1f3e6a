import type { AccessRequestNotice } from '../domain/access-requests/ports.js';

/** A place notices go: Slack, a webhook. `deliver` throws when this attempt failed. */
export interface NoticeSink {
  name: string;
  deliver(notice: AccessRequestNotice): Promise<void>;
}

/** The webhook body and the facts of a Slack message: never a secret, only the request's facts. */
export function noticePayload(notice: AccessRequestNotice) {
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
};

/** One line a person reads in a channel. */
export function noticeText(notice: AccessRequestNotice): string {
  const r = notice.request;
  const minutes = Math.round(r.grantSeconds / 60);
  // The principal beside the display name: a name is whatever the IdP or session says.
  return `${r.requesterName} (${r.requester}) ${VERBS[notice.transition]} ${r.requestableId} (${r.roleArn}) for ${minutes} min: "${r.reason}" [${r.id}]`;
}
