import type { Logger } from '../logging.js';
import { isReviewNotice, type NoticeSink } from './notice.js';

/** The line the break-glass alarm counts (serverless.yml: BreakGlassGrantsFilter). */
export const BREAK_GLASS_LOG_MESSAGE = 'break-glass grant opened';

/**
 * Writes one log line for each break-glass grant as it opens, whatever other sink is
 * configured (or none): the alarm on it is the on-call's notice that someone broke the glass.
 * Warn, so it survives a quiet logLevel; only the request's facts, never its free-text reason.
 */
export function breakGlassLogSink(logger: Logger): NoticeSink {
  return {
    name: 'log',
    async deliver(notice) {
      if (isReviewNotice(notice) || !notice.urgent) return;
      const r = notice.request;
      logger.warn(BREAK_GLASS_LOG_MESSAGE, {
        accessRequestId: r.id,
        requestableId: r.requestableId,
        requester: r.requester,
        accountId: r.accountId,
        roleArn: r.roleArn,
        grantSeconds: r.grantSeconds,
      });
    },
  };
}
