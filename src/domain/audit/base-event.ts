import type { AuthMethod, RequestContext } from '../shared/types.js';
import type { AuditAction, AuditEvent, AuditOutcome } from './audit.js';

/** Longest user agent kept: enough to tell clients apart, too short to carry a payload. */
export const USER_AGENT_LIMIT = 512;

/** Who acted, as every audit record names them. */
export interface AuditActor {
  principal: string;
  authMethod: AuthMethod;
  /** A decision taken in Slack: the Slack user mapped to `principal`. */
  slackUserId?: string;
}

/**
 * The fields every audit record carries, built in one place: its id and time, what was
 * done and how it ended, who did it, and the request it came in (id, address, user agent).
 * Each feature adds its own fields to what this returns.
 */
export function baseAuditEvent(
  ids: { eventId: string; now: Date },
  what: { action: AuditAction; outcome: AuditOutcome },
  actor: AuditActor,
  context: RequestContext,
): AuditEvent {
  const event: AuditEvent = {
    eventId: ids.eventId,
    time: ids.now.toISOString(),
    action: what.action,
    outcome: what.outcome,
    requestId: context.requestId,
    principal: actor.principal,
    authMethod: actor.authMethod,
  };
  if (actor.slackUserId !== undefined) event.slackUserId = actor.slackUserId;
  if (context.sourceIp !== undefined) event.sourceIp = context.sourceIp;
  if (context.userAgent !== undefined) event.userAgent = context.userAgent.slice(0, USER_AGENT_LIMIT);
  return event;
}
