import type { AuditEvent, ChainedAuditEvent } from './audit.js';
import type { PolicyDocument, PolicyStatement } from './policy.js';
import type { Sealed } from './sealing.js';
import type { AssumedRole, Entitlement, IssuancePlan } from './types.js';

/** Reads entitlements. One lookup per subject key, never a scan. */
export interface EntitlementStore {
  listForSubjects(subjectKeys: readonly string[]): Promise<Entitlement[]>;
}

/** Appends audit events. Resolves only once the event is durably stored. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
}

/** An audit log that can store a record in the same transaction as another write. */
export interface TransactionalAuditLog extends AuditLog {
  appendWith(event: AuditEvent, write: (record: ChainedAuditEvent) => Promise<void>): Promise<void>;
}

export interface EntitlementPage {
  entitlements: Entitlement[];
  nextCursor?: string;
}

/** One entitlement change, applied only if the stored version is still `expectedVersion`. */
export interface EntitlementChange {
  id: string;
  /** undefined: the entitlement must not exist yet. */
  expected?: Entitlement;
  /** undefined: delete. */
  next?: Entitlement;
}

/** Admin side of the entitlement table: consistent reads by id and conditional writes. */
export interface EntitlementAdminStore {
  get(id: string): Promise<Entitlement | undefined>;
  /** Rows under one subject key, counted up to `upTo` (a consistent read). */
  countSubject(subject: string, upTo: number): Promise<number>;
  list(limit: number, cursor?: string): Promise<EntitlementPage>;
  /** Throws ConflictError when the stored version is not the expected one. */
  write(change: EntitlementChange, audit: ChainedAuditEvent): Promise<void>;
}

/** Writes a Deny into a target role's revocation policy; returns the policy now in force. */
export interface RevocationApplier {
  apply(roleArn: string, statement: PolicyStatement, now: Date): Promise<PolicyDocument>;
}

/** Short exclusive leases: one holder per name until it releases or the lease runs out. */
export interface LeaseStore {
  /** True when `holder` now holds `name` until `until`; false while someone else does. */
  acquire(name: string, holder: string, until: Date, now: Date): Promise<boolean>;
  /**
   * Shortens `holder`'s lease to end at `freeAt` (now, or a little later to let a write
   * settle); a lease taken over since is left alone.
   */
  release(name: string, holder: string, freeAt: Date): Promise<void>;
}

export interface RoleAssumer {
  assumeRole(plan: IssuancePlan): Promise<AssumedRole>;
}

/** One rate-limit window to count a request against. */
export interface RateLimitBucket {
  /** `aws-auth-*`: unverified CredvendAWS attempts, counted before anything is forwarded to STS. */
  scope: 'caller' | 'entitlement' | 'aws-auth-source' | 'aws-auth-key';
  id: string;
  limit: number;
  windowSeconds: number;
}

/** Counts a request against each bucket; throws RateLimitedError when one is full. */
export interface RateLimiter {
  take(buckets: readonly RateLimitBucket[], now: Date): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The state of one idempotency key, as stored. */
export type IdempotencyRecord =
  | { state: 'pending'; requestHash: string }
  | { state: 'done'; requestHash: string; sealed: Sealed; expiresAt: Date };

/** Claims, completes and releases idempotency keys; `claim` is atomic across writers. */
export interface IdempotencyStore {
  /** Returns undefined when this call claimed the key, else what is stored under it. */
  claim(
    keyHash: string,
    requestHash: string,
    now: Date,
    pendingUntil: Date,
  ): Promise<IdempotencyRecord | undefined>;
  complete(keyHash: string, sealed: Sealed, expiresAt: Date): Promise<void>;
  release(keyHash: string): Promise<void>;
}

/** Whether a revocation recorded since `since` covers sessions of this SourceIdentity on this role. */
export interface RevocationLookup {
  revokedSince(roleArn: string, sourceIdentity: string, since: Date): Promise<boolean>;
}
