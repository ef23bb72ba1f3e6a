import type { AssumedRole, Entitlement, IssuancePlan } from '../shared/types.js';
import type { Sealed } from './sealing.js';

/** Reads entitlements. One lookup per subject key, never a scan. */
export interface EntitlementStore {
  listForSubjects(subjectKeys: readonly string[]): Promise<Entitlement[]>;
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

/** One quota window in the shared store: what a lease counts against. */
export interface QuotaWindow {
  /** Names the bucket and the window (scope, id, length, start): one counter each. */
  key: string;
  limit: number;
  /** When the window ends (ms since the epoch): its counter may be dropped after. */
  endsAt: number;
}

/**
 * The shared count of tokens handed out per quota window, across every container. `lease`
 * adds at most `want` tokens and never takes the count past the window's limit: it answers
 * how many it added (fewer than asked when the window is nearly spent, 0 when it is spent).
 */
export interface QuotaLedger {
  lease(window: QuotaWindow, want: number): Promise<number>;
}

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
