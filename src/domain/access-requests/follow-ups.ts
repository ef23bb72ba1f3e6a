import type { Clock } from '../shared/clock.js';
import { stateAt } from './lifecycle.js';
import type { AccessRequestNotifier, RequestableStore } from './ports.js';
import type { AccessRequest, FollowUpKind, Requestable } from './types.js';

/**
 * Notices no person's step causes, only time: a reminder to the approvers of a request still
 * pending, its escalation to the second approver set, and the notice to a grant's holder
 * that it is about to end. A scheduler sends each at most once.
 */
export type { FollowUpKind } from './types.js';

export interface DueFollowUp {
  kind: FollowUpKind;
  /**
   * Names this notice and no other: the request, the kind and the instant it is about (when
   * the request was made, when the grant ends), so a grant whose end moves gets a new notice.
   */
  marker: string;
  /** After this the marker is no longer needed (the request or grant is over by then). */
  keepUntil: Date;
}

/** Requests and grants a follow-up may still be due for: pending ones and grants in force. */
export interface FollowUpStore {
  /** Pending requests and active grants made since `since`, newest first, up to `limit`. */
  followUpCandidates(since: Date, limit: number): Promise<AccessRequest[]>;
}

/** Each notice sent once: `claim` is true for the first caller of a marker only. */
export interface FollowUpMarkers {
  claim(marker: string, keepUntil: Date): Promise<boolean>;
}

/** Requests are answered within a week and grants last at most a week: older ones owe nothing. */
export const FOLLOW_UP_LOOKBACK_SECONDS = 14 * 86_400;
const after = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);
const marker = (request: AccessRequest, kind: FollowUpKind, at: Date) =>
  `${request.id}|${kind}|${at.toISOString()}`;

/** The follow-ups due for one request at `now` under its requestable's delays. */
export function dueFollowUps(
  request: AccessRequest,
  requestable: Pick<Requestable, 'remindAfterSeconds' | 'escalation' | 'endingNoticeSeconds'>,
  now: Date,
): DueFollowUp[] {
  const due: DueFollowUp[] = [];
  const state = stateAt(request, now);
  if (state === 'requested') {
    const pendingSince = request.createdAt;
    const { remindAfterSeconds, escalation } = requestable;
    if (remindAfterSeconds !== undefined && now >= after(pendingSince, remindAfterSeconds)) {
      due.push({
        kind: 'reminder',
        marker: marker(request, 'reminder', pendingSince),
        keepUntil: request.answerBy,
      });
    }
    if (escalation && now >= after(pendingSince, escalation.afterSeconds)) {
      due.push({
        kind: 'escalated',
        marker: marker(request, 'escalated', pendingSince),
        keepUntil: request.answerBy,
      });
    }
  }
  if (state === 'active' && request.grantEnd && requestable.endingNoticeSeconds !== undefined) {
    if (now >= after(request.grantEnd, -requestable.endingNoticeSeconds)) {
      due.push({
        kind: 'grant-ending',
        marker: marker(request, 'grant-ending', request.grantEnd),
        keepUntil: request.grantEnd,
      });
    }
  }
  return due;
}

export interface FollowUpDependencies {
  requests: FollowUpStore;
  requestables: Pick<RequestableStore, 'list'>;
  markers: FollowUpMarkers;
  notifier: AccessRequestNotifier;
  clock: Clock;
  /** Told of a request whose follow-ups failed this run (the next run tries again). */
  onFailure?: (requestId: string, error: unknown) => void;
}

/** Requests one run looks at; the index is sparse (pending requests, grants in force). */
const CANDIDATES_PER_RUN = 1000;

export interface FollowUpRun {
  sent: number;
  failed: number;
}

/**
 * One scheduled run: for each pending request and grant in force, the follow-ups due now,
 * each claimed by its marker before it is sent (a second run, or two at once, sends nothing
 * again). A notice whose sinks all failed is not sent again: the dispatcher has retried it.
 * Nothing here changes a request: a follow-up never blocks or alters a transition.
 */
export async function runFollowUps(deps: FollowUpDependencies): Promise<FollowUpRun> {
  const now = deps.clock.now();
  const requestables = new Map((await deps.requestables.list()).map((r) => [r.id, r]));
  const since = after(now, -FOLLOW_UP_LOOKBACK_SECONDS);
  const run: FollowUpRun = { sent: 0, failed: 0 };
  for (const request of await deps.requests.followUpCandidates(since, CANDIDATES_PER_RUN)) {
    const requestable = requestables.get(request.requestableId);
    if (!requestable) continue;
    try {
      for (const due of dueFollowUps(request, requestable, now)) {
        if (!(await deps.markers.claim(due.marker, due.keepUntil))) continue;
        await deps.notifier.notify({
          transition: due.kind,
          request,
          actor: 'credvend:scheduler',
          urgent: false,
          at: now,
        });
        run.sent++;
      }
    } catch (error) {
      run.failed++;
      deps.onFailure?.(request.id, error);
    }
  }
  return run;
}
