import type { AuditEvent } from '../audit/audit.js';
import { baseAuditEvent } from '../audit/base-event.js';
import type { AuditLog } from '../audit/ports.js';
import type { ManagedPolicyReader } from '../policy/managed-policies.js';
import type { RevocationLookup } from '../revocation/ports.js';
import type { Clock } from '../shared/clock.js';
import {
  AuditUnavailableError,
  CredvendError,
  EntitlementStoreUnavailableError,
  NotEntitledError,
  QuotaUnavailableError,
  RateLimitedError,
  StsThrottledError,
} from '../shared/errors.js';
import type {
  AssumedRole,
  Caller,
  Entitlement,
  IssuancePlan,
  IssuanceRequest,
  RequestContext,
} from '../shared/types.js';
import type { SubjectMatch } from '../subjects/match.js';
import { applicableEntitlements, resolveEntitlement } from './entitlements.js';
import { type PlanningOptions, planIssuance } from './plan.js';
import type { EntitlementStore, RateLimitBucket, RateLimiter, RoleAssumer } from './ports.js';

/**
 * Who a request came from, as far as its audit record needs: a verified caller, or, for a
 * request refused before authentication finished, only what it claimed to be.
 */
export type Claimant = Pick<Caller, 'principal' | 'authMethod'> &
  Partial<Pick<Caller, 'awsSessionName' | 'displayName'>>;

export interface VendorDependencies {
  entitlements: EntitlementStore;
  audit: AuditLog;
  roles: RoleAssumer;
  clock: Clock;
  newEventId: (now: Date) => string;
  roleChaining: boolean;
  /** Per-caller and per-entitlement issuance quotas; absent, nothing is counted. */
  rateLimits?: { limiter: RateLimiter; caller?: RateLimitPolicy; entitlement?: RateLimitPolicy };
  /** Told when a denial or error could not be audited; the caller is denied regardless. */
  onAuditFailure?: (error: unknown, event: AuditEvent) => void;
  /** Managed session policy documents for narrowing proofs; absent, none is read. */
  managedPolicies?: ManagedPolicyReader;
}

/** Margin for clock skew between STS's Expiration and the revocation's recorded time. */
const REPLAY_SKEW_MS = 5000;

export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
}

/** A dry run: the plan, and which of the caller's subjects granted it and why. */
export interface PlannedIssuance {
  plan: IssuancePlan;
  match: SubjectMatch;
}

export interface Issuance {
  eventId: string;
  plan: IssuancePlan;
  assumed: AssumedRole;
}

/**
 * The issuance path: entitlement lookup, deny by default, plan, AssumeRole, audit.
 * Every outcome is audited. Credentials are returned only after their audit record is
 * stored; if that write fails they are dropped and the caller gets AuditUnavailableError.
 */
export class CredentialVendor {
  constructor(private readonly deps: VendorDependencies) {}

  /**
   * `deliver`, when given, runs after AssumeRole and before the audit record (the console
   * sign-in token, say): if it fails, the credentials never leave, and the record says
   * `error` with their key id instead of an `issued` that would read as delivered.
   */
  async issue(
    caller: Caller,
    request: IssuanceRequest,
    context: RequestContext,
    deliver?: (assumed: AssumedRole, plan: IssuancePlan) => Promise<void>,
  ): Promise<Issuance> {
    const now = this.deps.clock.now();
    const base = this.baseEvent(caller, context, now, request.reason);
    let plan: IssuancePlan | undefined;
    let assumed: AssumedRole;
    try {
      const { entitlement, match } = resolveEntitlement(
        caller,
        await this.loadEntitlements(caller),
        request.target,
        now,
      );
      base.entitlementId = entitlement.id;
      base.matchedSubject = `${match.kind}: ${match.why}`.slice(0, 512);
      base.accountId = entitlement.accountId;
      base.roleArn = entitlement.roleArn;
      if (entitlement.accessRequestId !== undefined) base.accessRequestId = entitlement.accessRequestId;
      plan = planIssuance(entitlement, request, caller, await this.planning(entitlement, request, now));
      await this.takeQuota(caller, entitlement, now);
      assumed = await this.deps.roles.assumeRole(plan);
    } catch (error) {
      await this.auditFailure({ ...base, ...(plan ? planFields(plan) : {}) }, error);
      throw error;
    }
    if (deliver) {
      try {
        await deliver(assumed, plan);
      } catch (error) {
        const undelivered = { ...base, ...planFields(plan), accessKeyId: assumed.credentials.accessKeyId };
        await this.auditFailure(undelivered, error);
        throw error;
      }
    }
    const event: AuditEvent = {
      ...base,
      ...planFields(plan),
      outcome: 'issued',
      expiration: assumed.credentials.expiration.toISOString(),
      accessKeyId: assumed.credentials.accessKeyId,
      assumedRoleArn: assumed.assumedRoleArn,
    };
    if (assumed.packedPolicySize !== undefined) event.packedPolicySize = assumed.packedPolicySize;
    if (assumed.stsRequestId !== undefined) event.stsRequestId = assumed.stsRequestId;
    try {
      await this.deps.audit.append(event);
    } catch (error) {
      await this.recordWithheld(event);
      throw new AuditUnavailableError('the issuance could not be audited, so no credentials were returned', {
        cause: error,
      });
    }
    return { eventId: base.eventId, plan, assumed };
  }

  /**
   * Before an idempotent replay hands out stored credentials again: the entitlement must
   * still grant them (active, not denied, the same row) and no revocation since their issue
   * may cover them. The replay is audited either way; if that record cannot be written,
   * nothing is handed out.
   */
  async checkReplay(
    caller: Caller,
    request: IssuanceRequest,
    context: RequestContext,
    issuance: Issuance,
    revocations: RevocationLookup,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const { plan, assumed } = issuance;
    const event: AuditEvent = {
      ...this.baseEvent(caller, context, now, request.reason),
      action: 'credentials.replay',
      relatedEventId: issuance.eventId,
      entitlementId: plan.entitlementId,
      accountId: plan.accountId,
      roleArn: plan.roleArn,
      ...planFields(plan),
      accessKeyId: assumed.credentials.accessKeyId,
      expiration: assumed.credentials.expiration.toISOString(),
    };
    // STS's Expiration is issue time + duration; a few seconds earlier covers clock skew.
    const issuedAt = new Date(
      assumed.credentials.expiration.getTime() - plan.durationSeconds * 1000 - REPLAY_SKEW_MS,
    );
    try {
      const { entitlement } = resolveEntitlement(
        caller,
        await this.loadEntitlements(caller),
        request.target,
        now,
      );
      if (entitlement.id !== plan.entitlementId) {
        throw new NotEntitledError(`entitlement ${plan.entitlementId} no longer grants these credentials`);
      }
      if (await revocations.revokedSince(plan.roleArn, plan.sourceIdentity, issuedAt)) {
        throw new NotEntitledError(
          'these credentials were revoked; request new ones without this Idempotency-Key',
        );
      }
    } catch (error) {
      await this.auditFailure(event, error);
      throw error;
    }
    try {
      await this.deps.audit.append({ ...event, outcome: 'issued' });
    } catch (error) {
      throw new AuditUnavailableError('the replay could not be audited, so no credentials were returned', {
        cause: error,
      });
    }
  }

  /**
   * What `issue` would do, without assuming anything or writing audit. A denial carries
   * the same explanation `issue` would give this caller, about this request only.
   */
  async plan(caller: Caller, request: IssuanceRequest): Promise<PlannedIssuance> {
    const now = this.deps.clock.now();
    const { entitlement, match } = resolveEntitlement(
      caller,
      await this.loadEntitlements(caller),
      request.target,
      now,
    );
    return {
      plan: planIssuance(entitlement, request, caller, await this.planning(entitlement, request, now)),
      match,
    };
  }

  /**
   * Planning options; a caller narrowing an entitlement with managed session policies gets
   * the documents credvend could read, so an Allow inside them can be proven.
   */
  private async planning(
    entitlement: Entitlement,
    request: IssuanceRequest,
    now: Date,
  ): Promise<PlanningOptions> {
    const options: PlanningOptions = { roleChaining: this.deps.roleChaining, now };
    const arns = entitlement.managedPolicyArns;
    if (request.sessionPolicy && arns.length > 0 && this.deps.managedPolicies) {
      options.managedDocuments = await this.deps.managedPolicies.read(arns);
    }
    return options;
  }

  /** The caller's own entitlements, for GET /v1/entitlements/mine. */
  async entitlementsOf(caller: Caller): Promise<Entitlement[]> {
    const all = await this.loadEntitlements(caller);
    return applicableEntitlements(caller, all).map((m) => m.entitlement);
  }

  /** Audits a request rejected before the issuance path (bad body), whose caller is known. */
  async recordRejection(caller: Claimant, context: RequestContext, error: CredvendError): Promise<void> {
    await this.auditFailure(this.baseEvent(caller, context, this.deps.clock.now(), undefined), error);
  }

  /**
   * A failed audit write may still have landed (a timeout after the write). Say, in a second
   * record, that the credentials of that event were never handed out, so an auditor never
   * reads an `issued` record as a delivery. Best effort: if this write fails too, the
   * operator is told through onAuditFailure.
   */
  private async recordWithheld(issued: AuditEvent): Promise<void> {
    const now = this.deps.clock.now();
    const withheld: AuditEvent = {
      eventId: this.deps.newEventId(now),
      time: now.toISOString(),
      action: 'credentials.withheld',
      outcome: 'error',
      requestId: issued.requestId,
      principal: issued.principal,
      authMethod: issued.authMethod,
      relatedEventId: issued.eventId,
      problemCode: 'audit-unavailable',
    };
    for (const field of [
      'entitlementId',
      'accountId',
      'roleArn',
      'accessKeyId',
      'accessRequestId',
    ] as const) {
      const value = issued[field];
      if (value !== undefined) withheld[field] = value;
    }
    try {
      await this.deps.audit.append(withheld);
    } catch (error) {
      this.deps.onAuditFailure?.(error, withheld);
    }
  }

  /** Counted only for requests that would otherwise be issued: bad input spends no quota. */
  private async takeQuota(caller: Caller, entitlement: Entitlement, now: Date): Promise<void> {
    const limits = this.deps.rateLimits;
    if (!limits) return;
    const buckets: RateLimitBucket[] = [];
    // The identity key, not the principal: an assumed-role caller names its own sessions,
    // and a new session name must not be a fresh quota.
    if (limits.caller) buckets.push({ scope: 'caller', id: caller.identityKey, ...limits.caller });
    if (limits.entitlement) buckets.push({ scope: 'entitlement', id: entitlement.id, ...limits.entitlement });
    if (buckets.length === 0) return;
    try {
      await limits.limiter.take(buckets, now);
    } catch (error) {
      if (error instanceof RateLimitedError) throw error;
      throw new QuotaUnavailableError('quotas could not be checked', { cause: error });
    }
  }

  private async loadEntitlements(caller: Caller): Promise<Entitlement[]> {
    try {
      return await this.deps.entitlements.listForSubjects(caller.subjectKeys);
    } catch (error) {
      throw new EntitlementStoreUnavailableError('entitlements could not be read', { cause: error });
    }
  }

  private baseEvent(
    caller: Claimant,
    context: RequestContext,
    now: Date,
    reason: string | undefined,
  ): AuditEvent {
    const event = baseAuditEvent(
      { eventId: this.deps.newEventId(now), now },
      { action: 'credentials.issue', outcome: 'denied' },
      caller,
      context,
    );
    if (caller.awsSessionName !== undefined) event.callerSessionName = caller.awsSessionName;
    if (caller.displayName) event.callerName = caller.displayName.slice(0, 256);
    const trimmedReason = reason?.trim();
    if (trimmedReason) event.reason = trimmedReason.slice(0, 1024);
    return event;
  }

  private async auditFailure(event: AuditEvent, error: unknown): Promise<void> {
    const known = error instanceof CredvendError ? error : undefined;
    const failure: AuditEvent = {
      ...event,
      // Throttling is the service's state, not a decision about the caller.
      outcome: known?.exposable && !(known instanceof StsThrottledError) ? 'denied' : 'error',
      problemCode: known?.code ?? 'internal',
    };
    if (known?.exposable) failure.detail = known.message.slice(0, 1024);
    try {
      await this.deps.audit.append(failure);
    } catch (auditError) {
      this.deps.onAuditFailure?.(auditError, failure);
    }
  }
}

function planFields(plan: IssuancePlan): Partial<AuditEvent> {
  const fields: Partial<AuditEvent> = {
    sessionName: plan.sessionName,
    sourceIdentity: plan.sourceIdentity,
    durationSeconds: plan.durationSeconds,
    sessionPolicyChars: plan.sessionPolicyChars,
  };
  if (plan.tags.length > 0) fields.sessionTags = Object.fromEntries(plan.tags.map((t) => [t.key, t.value]));
  return fields;
}
