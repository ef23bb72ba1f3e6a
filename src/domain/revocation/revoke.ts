import type { ChainedAuditEvent } from '../audit/audit.js';
import type { AuditLog } from '../audit/ports.js';
import type { AuditReader } from '../audit/query.js';
import type { PrivilegedAccess } from '../identity/privileged-access.js';
import type { PolicyDocument, PolicyStatement } from '../policy/policy.js';
import type { Clock } from '../shared/clock.js';
import { NotFoundError } from '../shared/errors.js';
import { EVENT_ID_PATTERN } from '../shared/ids.js';
import type { Caller, RequestContext } from '../shared/types.js';
import type { RevocationIntent } from './ports.js';
import { REVOCATION_POLICY_PATH, revocationStatement } from './revocation.js';
import { revocationEvent, type WriteAheadRevocations } from './write-ahead.js';

const MANUAL_HINT = `at path ${REVOCATION_POLICY_PATH} attached to the role (or add it to one there)`;

export interface RevocationResult {
  eventId: string;
  revocationEventId: string;
  roleArn: string;
  /** False when credvend is not configured to write revocations: apply `policy` by hand. */
  applied: boolean;
  policy: PolicyDocument;
  detail?: string;
}

/**
 * Revokes one issuance (by event id or access key id). Where credvend writes revocations,
 * the intended Deny is recorded before any step and the answer is 200 only once it is
 * written and on record (WriteAheadRevocations); otherwise the admin gets it to apply by hand.
 */
export class Revoker {
  constructor(
    private readonly deps: {
      reader: Pick<AuditReader, 'get' | 'byAccessKey'>;
      /** Absent: credvend only hands the Deny to the admin to apply by hand. */
      revocations?: WriteAheadRevocations;
      audit: AuditLog;
      access: PrivilegedAccess;
      clock: Clock;
      newEventId: (now: Date) => string;
    },
  ) {}

  async revoke(caller: Caller, idOrAccessKey: string, context: RequestContext): Promise<RevocationResult> {
    await this.deps.access.require(caller, 'admin', 'audit.revoke', context);
    const issuance = await this.find(idOrAccessKey);
    const now = this.deps.clock.now();
    const intent = intentOf(issuance, revocationStatement(issuance, now), caller, context, now);
    if (!this.deps.revocations) return this.handOver(intent, context, now);
    const landed = await this.deps.revocations.revoke(intent, context);
    return { eventId: intent.id, roleArn: intent.roleArn, applied: true, ...landed };
  }

  /** No applier: the admin gets the policy to apply by hand, and the audit says so. */
  private async handOver(
    intent: RevocationIntent,
    context: RequestContext,
    now: Date,
  ): Promise<RevocationResult> {
    const event = revocationEvent(intent, {
      eventId: this.deps.newEventId(now),
      now,
      context,
      outcome: 'error',
      detail: 'deny policy returned to the admin, not applied',
    });
    await this.deps.audit.append(event);
    return {
      eventId: intent.id,
      revocationEventId: event.eventId,
      roleArn: intent.roleArn,
      applied: false,
      policy: { Version: '2012-10-17', Statement: [intent.statement] },
      detail: `credvend is not configured to write revocations; apply this policy as a managed policy ${MANUAL_HINT}`,
    };
  }

  private async find(idOrAccessKey: string): Promise<ChainedAuditEvent> {
    const events = EVENT_ID_PATTERN.test(idOrAccessKey)
      ? [await this.deps.reader.get(idOrAccessKey)].filter((e): e is ChainedAuditEvent => e !== undefined)
      : await this.deps.reader.byAccessKey(idOrAccessKey);
    const issuance = events.find((e) => e.action === 'credentials.issue' && e.outcome === 'issued');
    if (!issuance) throw new NotFoundError(`no issuance ${idOrAccessKey}`);
    return issuance;
  }
}

function intentOf(
  issuance: ChainedAuditEvent,
  statement: PolicyStatement,
  caller: Caller,
  context: RequestContext,
  now: Date,
): RevocationIntent {
  const kept: RevocationIntent['issuance'] = {};
  for (const field of ['entitlementId', 'accountId', 'sourceIdentity', 'accessKeyId'] as const) {
    const value = issuance[field];
    if (value !== undefined) kept[field] = value;
  }
  return {
    id: issuance.eventId,
    roleArn: issuance.roleArn ?? '',
    statement,
    recordedAt: now,
    principal: caller.principal,
    authMethod: caller.authMethod,
    requestId: context.requestId,
    issuance: kept,
  };
}
