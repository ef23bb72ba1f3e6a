import type { AuditEvent } from '../audit/audit.js';
import { baseAuditEvent } from '../audit/base-event.js';
import type { TransactionalAuditLog } from '../audit/ports.js';
import type { RevocationApplier } from '../revocation/ports.js';
import { grantRevocationStatement } from '../revocation/revocation.js';
import type { Clock } from '../shared/clock.js';
import { AuditUnavailableError, RevocationPendingError } from '../shared/errors.js';
import type { AuthMethod, RequestContext } from '../shared/types.js';
import { StaleRequestError } from './errors.js';
import { plannedGrantEnd } from './lifecycle.js';
import type { GrantDenyStore } from './ports.js';
import type { AccessRequest } from './types.js';

/** Who a grant's Deny is written for in the audit: the person who revoked the grant. */
export interface DenyActor {
  principal: string;
  authMethod: AuthMethod;
  slackUserId?: string;
}

export interface GrantDenyDependencies {
  requests: GrantDenyStore;
  audit: TransactionalAuditLog;
  clock: Clock;
  newEventId: (now: Date) => string;
  /** Absent: every Deny stays due (and each revoke answers 503) until one is configured. */
  revocations?: RevocationApplier;
  onAuditFailure?: (error: unknown, event: AuditEvent) => void;
}

/**
 * Writes the Deny that ends the sessions of a revoked grant, from the write-ahead record the
 * revoke step stored with the request (`sessionsDeny: 'due'`), and marks it written with its
 * audit record. Used by the revoke call itself and by the scheduled sweep.
 */
export class GrantSessionDenier {
  constructor(private readonly deps: GrantDenyDependencies) {}

  /**
   * Writes the Deny on the grant's session tag (idempotent: one statement per grant), then
   * marks it written in one transaction with its audit record. Either failure leaves the
   * write-ahead record due and throws (a 503), never resolves.
   */
  async denySessions(
    actor: DenyActor,
    request: AccessRequest,
    context: RequestContext,
  ): Promise<AccessRequest> {
    const now = this.deps.clock.now();
    const event = this.event(actor, context, now, request);
    try {
      if (!this.deps.revocations) throw new Error('revocations are not configured');
      const statement = grantRevocationStatement(request.id, plannedGrantEnd(request));
      await this.deps.revocations.apply(request.roleArn, statement, now);
    } catch (error) {
      event.outcome = 'error';
      event.detail = `the Deny on sessions of grant ${request.id} is not written yet; recorded as due and retried`;
      await this.appendBestEffort(event);
      throw new RevocationPendingError(`the Deny for grant ${request.id} is due, not written`, {
        cause: error,
      });
    }
    event.outcome = 'applied';
    event.detail = `sessions tagged credvend-grant=${request.id} denied on the target role`;
    const done: AccessRequest = { ...request, sessionsDeny: 'written', version: request.version + 1 };
    try {
      await this.deps.audit.appendWith(event, (record) => this.deps.requests.save(done, undefined, record));
    } catch (error) {
      if (error instanceof StaleRequestError) {
        const latest = await this.deps.requests.get(request.id);
        if (latest?.sessionsDeny === 'written') return latest;
      }
      throw new AuditUnavailableError('the Deny is written but not yet on record; retried', { cause: error });
    }
    return done;
  }

  /**
   * Retries Denies recorded as due (a failed IAM or audit write earlier), each in the name of
   * whoever revoked the grant, each on its own: one that fails again holds back no other.
   * Returns how many landed; failures stay due, on record, for the next run.
   */
  async completeDue(
    context: RequestContext,
    limit: number,
    onFailure?: (id: string, error: unknown) => void,
  ): Promise<number> {
    let landed = 0;
    for (const due of await this.deps.requests.revocationsDue(limit)) {
      try {
        await this.denySessions(revokerOf(due), due, context);
        landed++;
      } catch (error) {
        // Still due: on record by denySessions, retried next time.
        onFailure?.(due.id, error);
      }
    }
    return landed;
  }

  private event(actor: DenyActor, context: RequestContext, now: Date, request: AccessRequest): AuditEvent {
    return {
      ...baseAuditEvent(
        { eventId: this.deps.newEventId(now), now },
        { action: 'audit.revoke', outcome: 'error' },
        actor,
        context,
      ),
      accessRequestId: request.id,
      roleArn: request.roleArn,
      accountId: request.accountId,
    };
  }

  private async appendBestEffort(event: AuditEvent): Promise<void> {
    try {
      await this.deps.audit.append(event);
    } catch (auditError) {
      this.deps.onAuditFailure?.(auditError, event);
    }
  }
}

/**
 * The person who revoked the grant, as their decision recorded them. Decisions stored before
 * the decider's auth method was kept name it by channel: Slack, or the API (an AWS ARN or an
 * OIDC `iss#sub`).
 */
function revokerOf(request: AccessRequest): DenyActor {
  // Only the revoke step records a due Deny, and it records the revocation with it.
  const decision = request.revocation ?? { principal: request.requester, via: 'api' as const };
  const authMethod =
    ('authMethod' in decision ? decision.authMethod : undefined) ??
    (decision.via === 'slack' ? 'slack' : decision.principal.startsWith('arn:') ? 'aws-sigv4' : 'oidc');
  const actor: DenyActor = { principal: decision.principal, authMethod };
  if ('slackUserId' in decision && decision.slackUserId !== undefined)
    actor.slackUserId = decision.slackUserId;
  return actor;
}
