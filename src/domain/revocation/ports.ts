import type { ChainedAuditEvent } from '../audit/audit.js';
import type { PolicyDocument, PolicyStatement } from '../policy/policy.js';
import type { AuthMethod } from '../shared/types.js';

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

/** Whether a revocation recorded since `since` covers sessions of this SourceIdentity on this role. */
export interface RevocationLookup {
  revokedSince(roleArn: string, sourceIdentity: string, since: Date): Promise<boolean>;
}

/**
 * A revocation of one issuance as intended, recorded before any step is attempted (Vault's
 * write-ahead log): until its Deny is written and on record it stays due, and whoever
 * completes it (the admin asking again, the scheduled sweep) needs nothing but this.
 */
export interface RevocationIntent {
  /** The revoked issuance's event id: one intent per issuance, a repeat replaces it. */
  id: string;
  roleArn: string;
  /** The Deny as decided when it was asked for (its cut-off is that moment). */
  statement: PolicyStatement;
  recordedAt: Date;
  /** Who asked, in which request: the audit record of its completion names them. */
  principal: string;
  authMethod: AuthMethod;
  requestId: string;
  /** The issuance's fields its audit records repeat. */
  issuance: { entitlementId?: string; accountId?: string; sourceIdentity?: string; accessKeyId?: string };
}

/** Durable record of revocations not yet completed. */
export interface RevocationIntentLog {
  /** Resolves once the intent is durably stored; a failure means nothing was recorded. */
  record(intent: RevocationIntent): Promise<void>;
  /** Intents still due, oldest first. */
  due(limit: number): Promise<RevocationIntent[]>;
  /** Removes the intent in one transaction with the audit record that closes it. */
  completeWith(id: string, record: ChainedAuditEvent): Promise<void>;
}

/** The intent was completed (and its record written) by someone else since it was read. */
export class IntentCompletedError extends Error {
  override readonly name = 'IntentCompletedError';
}
