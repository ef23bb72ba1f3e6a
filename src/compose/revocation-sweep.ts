import { DynamoDbGrantDenyStore } from '../aws/dynamodb-grant-deny-store.js';
import { GrantSessionDenier } from '../domain/access-requests/grant-revocation.js';
import { type Clock, systemClock } from '../domain/shared/clock.js';
import { newEventId } from '../domain/shared/ids.js';
import { describeError, type Logger } from '../logging.js';
import { auditLogOf, auditTableOf, type Composition, dynamodbOf, logAuditFailure } from './composition.js';
import { revocationApplierOf, writeAheadRevocationsOf } from './revocations.js';

/** The line the failed-revocations alarm counts (serverless.yml: FailedRevocationsFilter). */
export const STILL_DUE_MESSAGE = 'revocation still due';

/**
 * Each revocation still due after a sweep run is an error line (the alarm), naming the run,
 * the kind and the id; the next run tries again.
 */
export function logStillDue(logger: Logger, requestId: string) {
  return (kind: 'grant' | 'issuance') => (id: string, error: unknown) =>
    logger.error(STILL_DUE_MESSAGE, { requestId, kind, id, ...describeError(error) });
}

/** Revocations one run completes of each kind; the next run takes the rest. */
const DUE_PER_RUN = 100;

export interface SweepResult {
  /** Grants whose Deny was due and is now written and on record. */
  grants: number;
  /** Revocations of single issuances recorded as due and now landed. */
  issuances: number;
}

/**
 * The scheduled revocation sweep (the Lambda handler and the local timer run exactly this):
 * completes every revocation recorded as due and not yet landed, the ended grants whose
 * Deny is not written and the admins' revocations of single issuances, each from its
 * write-ahead record and in the name of whoever asked for it. What fails again stays due.
 */
export function createRevocationSweep(
  root: Composition,
  clock: Clock = systemClock,
): () => Promise<SweepResult> {
  const { config } = root;
  const audit = auditLogOf(root);
  const iam = revocationApplierOf(root);
  const grants = new GrantSessionDenier({
    requests: new DynamoDbGrantDenyStore(dynamodbOf(root), {
      requests: config.accessRequests.tables.requests,
      audit: auditTableOf(root),
    }),
    audit,
    clock,
    newEventId,
    ...(iam ? { revocations: iam } : {}),
    onAuditFailure: logAuditFailure(root.logger),
  });
  const issuances = writeAheadRevocationsOf(root);
  return async () => {
    const context = { requestId: `revocation-sweep-${newEventId(clock.now())}` };
    const stillDue = logStillDue(root.logger, context.requestId);
    const result = {
      grants: await grants.completeDue(context, DUE_PER_RUN, stillDue('grant')),
      issuances: (await issuances?.completeDue(context, DUE_PER_RUN, stillDue('issuance'))) ?? 0,
    };
    if (result.grants + result.issuances > 0) root.logger.info('due revocations completed', { ...result });
    return result;
  };
}
