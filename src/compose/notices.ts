import type { AccessRequestConfig } from '../access-request-config.js';
import type { AuditEvent } from '../domain/audit/audit.js';
import type { TransactionalAuditLog } from '../domain/audit/ports.js';
import type { Clock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import { describeError, type Logger } from '../logging.js';
import type { DeliveryFailure } from '../notify/dispatcher.js';
import { emailSink } from '../notify/email-sink.js';
import { breakGlassLogSink } from '../notify/log-sink.js';
import { isReviewNotice, type NoticeSink } from '../notify/notice.js';
import { slackSink } from '../notify/slack-sink.js';
import { snsSink } from '../notify/sns-sink.js';
import { teamsSink } from '../notify/teams-sink.js';
import { webhookSink } from '../notify/webhook-sink.js';
import { createSesClient, createSnsClient } from './clients.js';
import type { Composition } from './composition.js';
import { secretValueOf } from './secrets.js';

/** The configured notice sinks (requests: transitions; reviews: notices to reviewers). */
export function sinksOf(root: Composition, settings: AccessRequestConfig): NoticeSink[] {
  const { config, runtime } = root;
  const { timeoutMs } = settings.delivery;
  // Always: the break-glass alarm counts this sink's lines.
  const sinks: NoticeSink[] = [breakGlassLogSink(root.logger)];
  // Each secret is read when a notice goes out: unreadable, that sink's delivery fails (and
  // is retried, then recorded as not delivered), the others still deliver.
  if (settings.slack) {
    const { tokenSecretId, channel, apiUrl } = settings.slack;
    sinks.push(
      slackSink({ token: secretValueOf(root, 'slackToken', tokenSecretId), channel, apiUrl, timeoutMs }),
    );
  }
  if (settings.webhook) {
    const { url, secretId } = settings.webhook;
    sinks.push(webhookSink({ url, secret: secretValueOf(root, 'webhook', secretId), timeoutMs }));
  }
  if (settings.sns) {
    sinks.push(snsSink(settings.sns, createSnsClient(config, settings.sns.endpoint, runtime.credentials)));
  }
  if (settings.email) {
    sinks.push(
      emailSink(settings.email, createSesClient(config, settings.email.endpoint, runtime.credentials)),
    );
  }
  if (settings.teams) {
    const { urlSecretId, portalUrl } = settings.teams;
    sinks.push(
      teamsSink({
        url: secretValueOf(root, 'teamsWebhookUrl', urlSecretId),
        ...(portalUrl ? { portalUrl } : {}),
        timeoutMs,
      }),
    );
  }
  return sinks;
}

/**
 * The audit record of a notice no sink took: a review's in its opener's name, a transition's
 * beside the step. A follow-up (reminder, escalation, a grant's end) is no person's step and
 * has no auth method to record: undefined, and only the log line says it was not delivered.
 */
function undeliveredEvent(failure: DeliveryFailure, now: Date): AuditEvent | undefined {
  const base = { eventId: newEventId(now), time: now.toISOString(), outcome: 'error' as const };
  const { notice } = failure;
  if (isReviewNotice(notice))
    return {
      ...base,
      action: 'review.notify',
      requestId: `notify-${notice.review.id}`,
      principal: notice.review.openedBy.principal,
      authMethod: notice.review.openedBy.authMethod,
      reason: `review ${notice.review.id}`,
      detail: `${failure.sink} did not take the ${notice.kind} notice after ${failure.attempts} attempts`,
    };
  if (notice.actorAuthMethod === undefined) return undefined;
  return {
    ...base,
    action: 'access-request.notify',
    requestId: `notify-${notice.request.id}`,
    principal: notice.actor,
    authMethod: notice.actorAuthMethod,
    accessRequestId: notice.request.id,
    detail: `${failure.sink} did not take the ${notice.transition} notice after ${failure.attempts} attempts`,
  };
}

/** The log line of a notice no sink took: the sink, what the notice was about and of which kind. */
export function logDeliveryFailure(logger: Logger) {
  return async (failure: DeliveryFailure) => {
    const { notice } = failure;
    const about = isReviewNotice(notice)
      ? { reviewId: notice.review.id, notice: notice.kind }
      : { accessRequestId: notice.request.id, notice: notice.transition };
    logger.warn('notification not delivered', {
      sink: failure.sink,
      ...about,
      ...describeError(failure.error),
    });
  };
}

/** A notice no sink took is recorded in the audit chain, beside the transition it was about. */
export function recordDeliveryFailure(audit: TransactionalAuditLog, logger: Logger, clock: Clock) {
  return async (failure: DeliveryFailure) => {
    await logDeliveryFailure(logger)(failure);
    const event = undeliveredEvent(failure, clock.now());
    if (event) await audit.append(event);
  };
}
