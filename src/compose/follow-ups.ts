import { DynamoDbFollowUpMarkers, DynamoDbFollowUpStore } from '../aws/dynamodb-follow-ups.js';
import { scanRequestables } from '../aws/dynamodb-requestable-list.js';
import { type FollowUpRun, runFollowUps } from '../domain/access-requests/follow-ups.js';
import { type Clock, systemClock } from '../domain/shared/clock.js';
import { describeError } from '../logging.js';
import { NotificationDispatcher } from '../notify/dispatcher.js';
import { type Composition, dynamodbOf } from './composition.js';
import { logDeliveryFailure, sinksOf } from './notices.js';

/**
 * The scheduled follow-ups of just-in-time access (the Lambda handler and the local timer run
 * exactly this): reminders and escalations of pending requests, notices before grants end,
 * each sent once through the configured sinks. `clock` is for tests that move time.
 */
export function createFollowUpJob(root: Composition, clock: Clock = systemClock): () => Promise<FollowUpRun> {
  const { config, logger } = root;
  const dynamodb = dynamodbOf(root);
  const settings = config.accessRequests;
  const deps = {
    requests: new DynamoDbFollowUpStore(dynamodb, settings.tables.requests),
    requestables: { list: () => scanRequestables(dynamodb, settings.tables.requestables) },
    markers: new DynamoDbFollowUpMarkers(dynamodb, config.tables.rateLimits),
    // The reminders role may not append to the audit: a follow-up no sink took is logged.
    notifier: new NotificationDispatcher(sinksOf(root, settings), {
      ...settings.delivery,
      onFailure: logDeliveryFailure(logger),
    }),
    clock,
    onFailure: (requestId: string, error: unknown) =>
      logger.error('follow-up not sent', { accessRequestId: requestId, ...describeError(error) }),
  };
  return async () => {
    const run = await runFollowUps(deps);
    if (run.sent + run.failed > 0) logger.info('follow-ups sent', { ...run });
    return run;
  };
}
