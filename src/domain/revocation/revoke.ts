import type { AuditEvent, ChainedAuditEvent } from '../audit/audit.js';
import type { AuditLog } from '../audit/ports.js';
import type { AuditReader } from '../audit/query.js';
import type { PrivilegedAccess } from '../identity/privileged-access.js';
import type { PolicyDocument } from '../policy/policy.js';
import type { Clock } from '../shared/clock.js';
import { CredvendError, NotFoundError } from '../shared/errors.js';
import { EVENT_ID_PATTERN } from '../shared/ids.js';
import type { Caller, RequestContext } from '../shared/types.js';
import type { RevocationApplier } from './ports.js';
import { REVOCATION_POLICY_PATH, revocationStatement } from './revocation.js';

/** The error's name only: an AWS error's message may quote request details. */
const errorName = (error: unknown): string => (error instanceof Error ? error.name : 'unknown error');

const MANUAL_HINT = `at path ${REVOCATION_POLICY_PATH} attached to the role (or add it to one there)`;

export interface RevocationResult {
  eventId: string;
  revocationEventId: string;
  roleArn: string;
  /** False when credvend may not write to the target account: apply `policy` by hand. */
  applied: boolean;
  policy: PolicyDocument;
  detail?: string;
}

/** Revokes one issuance (by event id or access key id), records it, and applies it where it can. */
export class Revoker {
  constructor(
    private readonly deps: {
      reader: Pick<AuditReader, 'get' | 'byAccessKey'>;
      applier?: RevocationApplier;
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
    const statement = revocationStatement(issuance, now);
    let policy: PolicyDocument = { Version: '2012-10-17', Statement: [statement] };
    let applied = false;
    let detail: string | undefined;
    if (this.deps.applier) {
      try {
        policy = await this.deps.applier.apply(issuance.roleArn ?? '', statement, now);
        applied = true;
      } catch (error) {
        if (error instanceof CredvendError && error.exposable) {
          // Refused (the role's revocation policies are full, say): on record, then to the admin.
          await this.record(caller, issuance, context, now, 'denied', `revocation refused: ${error.message}`);
          throw error;
        }
        detail = `credvend could not write to the target role (${errorName(error)}); apply this policy as a managed policy ${MANUAL_HINT}`;
      }
    } else {
      detail = `credvend is not configured to write revocations; apply this policy as a managed policy ${MANUAL_HINT}`;
    }
    // The revocation is in force (or handed over) whatever happens next; an audit failure
    // is reported to the admin, who must know it is not on record.
    const event = await this.record(
      caller,
      issuance,
      context,
      now,
      applied ? 'applied' : 'error',
      applied ? 'deny applied to the target role' : 'deny policy returned to the admin, not applied',
    );
    const result: RevocationResult = {
      eventId: issuance.eventId,
      revocationEventId: event.eventId,
      roleArn: issuance.roleArn ?? '',
      applied,
      policy,
    };
    if (detail) result.detail = detail;
    return result;
  }

  private async record(
    caller: Caller,
    issuance: ChainedAuditEvent,
    context: RequestContext,
    now: Date,
    outcome: AuditEvent['outcome'],
    detail: string,
  ): Promise<AuditEvent> {
    const event: AuditEvent = {
      eventId: this.deps.newEventId(now),
      time: now.toISOString(),
      action: 'audit.revoke',
      outcome,
      requestId: context.requestId,
      principal: caller.principal,
      authMethod: caller.authMethod,
      relatedEventId: issuance.eventId,
      detail,
    };
    for (const field of ['entitlementId', 'accountId', 'roleArn', 'sourceIdentity', 'accessKeyId'] as const) {
      const value = issuance[field];
      if (value !== undefined) event[field] = value;
    }
    await this.deps.audit.append(event);
    return event;
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
