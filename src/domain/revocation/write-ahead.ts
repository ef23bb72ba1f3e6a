import type { AuditEvent } from '../audit/audit.js';
import type { TransactionalAuditLog } from '../audit/ports.js';
import type { PolicyDocument } from '../policy/policy.js';
import type { Clock } from '../shared/clock.js';
import { AuditUnavailableError, CredvendError, RevocationPendingError } from '../shared/errors.js';
import type { RequestContext } from '../shared/types.js';
import {
  IntentCompletedError,
  type RevocationApplier,
  type RevocationIntent,
  type RevocationIntentLog,
} from './ports.js';

/** The error's name only: an AWS error's message may quote request details. */
const errorName = (error: unknown): string => (error instanceof Error ? error.name : 'unknown error');

/** Intents one sweep completes: bounded, the next run takes the rest. */
const DUE_PER_SWEEP = 100;

export interface WriteAheadDependencies {
  iam: RevocationApplier;
  intents: RevocationIntentLog;
  audit: TransactionalAuditLog;
  clock: Clock;
  newEventId: (now: Date) => string;
  onAuditFailure?: (error: unknown, event: AuditEvent) => void;
}

/** A revocation of one issuance that landed: its Deny written and on record. */
export interface LandedRevocation {
  revocationEventId: string;
  policy: PolicyDocument;
}

/**
 * Revocations of single issuances as Vault writes its multi-step IAM changes: the intent is
 * recorded first; the Deny is written from it; the intent is closed in one transaction with
 * the audit record that says so. A failed step leaves the intent due, and whoever runs
 * `completeDue` (the scheduled sweep) or asks again finishes it.
 */
export class WriteAheadRevocations {
  constructor(private readonly deps: WriteAheadDependencies) {}

  /** Records `intent`, then lands it. Resolves only once the Deny is written and on record. */
  async revoke(intent: RevocationIntent, context: RequestContext): Promise<LandedRevocation> {
    try {
      await this.deps.intents.record(intent);
    } catch (error) {
      throw new AuditUnavailableError('the revocation could not be recorded; nothing was changed', {
        cause: error,
      });
    }
    return this.land(intent, context);
  }

  /**
   * Completes revocations recorded as due (an IAM or audit write failed after they were
   * recorded), each on its own, so one that fails again does not hold back the others.
   * Returns how many landed; the rest stay due for the next run.
   */
  async completeDue(
    context: RequestContext,
    limit = DUE_PER_SWEEP,
    onFailure?: (id: string, error: unknown) => void,
  ): Promise<number> {
    let landed = 0;
    for (const intent of await this.deps.intents.due(limit)) {
      try {
        await this.land(intent, context);
        landed++;
      } catch (error) {
        // Still due, and the failure is on record (or logged): the next run tries again.
        onFailure?.(intent.id, error);
      }
    }
    return landed;
  }

  /** Writes the recorded Deny, then closes the intent together with its audit record. */
  private async land(intent: RevocationIntent, context: RequestContext): Promise<LandedRevocation> {
    const now = this.deps.clock.now();
    let policy: PolicyDocument;
    try {
      policy = await this.deps.iam.apply(intent.roleArn, intent.statement, now);
    } catch (error) {
      if (error instanceof CredvendError && error.exposable) {
        // Refused (the role's revocation policies are full, say): retrying cannot help.
        const refusal = this.event(intent, context, now, 'denied', `revocation refused: ${error.message}`);
        await this.close(intent, refusal).catch(() => undefined);
        throw error;
      }
      const detail = `the Deny is not written yet (${errorName(error)}); recorded as due and retried`;
      await this.appendBestEffort(this.event(intent, context, now, 'error', detail));
      throw new RevocationPendingError(`the revocation of ${intent.id} is due, not written`, {
        cause: error,
      });
    }
    const event = this.event(intent, context, now, 'applied', 'deny applied to the target role');
    try {
      await this.close(intent, event);
    } catch (error) {
      // Completed by someone else meanwhile: the Deny is written and on record all the same.
      if (!(error instanceof IntentCompletedError)) {
        throw new AuditUnavailableError('the Deny is written but not yet on record; retried', {
          cause: error,
        });
      }
    }
    return { revocationEventId: event.eventId, policy };
  }

  private close(intent: RevocationIntent, event: AuditEvent): Promise<void> {
    return this.deps.audit.appendWith(event, (record) => this.deps.intents.completeWith(intent.id, record));
  }

  private async appendBestEffort(event: AuditEvent): Promise<void> {
    try {
      await this.deps.audit.append(event);
    } catch (auditError) {
      this.deps.onAuditFailure?.(auditError, event);
    }
  }

  private event(
    intent: RevocationIntent,
    context: RequestContext,
    now: Date,
    outcome: AuditEvent['outcome'],
    detail: string,
  ): AuditEvent {
    return revocationEvent(intent, { eventId: this.deps.newEventId(now), now, context, outcome, detail });
  }
}

/**
 * The audit record of one revocation, in the name of whoever asked for it and in their
 * request; one completed later (by the sweep) names the request that completed it.
 */
export function revocationEvent(
  intent: RevocationIntent,
  at: {
    eventId: string;
    now: Date;
    context: RequestContext;
    outcome: AuditEvent['outcome'];
    detail: string;
  },
): AuditEvent {
  const { context, detail } = at;
  const event: AuditEvent = {
    eventId: at.eventId,
    time: at.now.toISOString(),
    action: 'audit.revoke',
    outcome: at.outcome,
    requestId: intent.requestId,
    principal: intent.principal,
    authMethod: intent.authMethod,
    relatedEventId: intent.id,
    roleArn: intent.roleArn,
    detail: context.requestId === intent.requestId ? detail : `${detail} (completed in ${context.requestId})`,
  };
  for (const field of ['entitlementId', 'accountId', 'sourceIdentity', 'accessKeyId'] as const) {
    const value = intent.issuance[field];
    if (value !== undefined) event[field] = value;
  }
  return event;
}
